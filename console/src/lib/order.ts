/** Reordering a list by keyboard-friendly steps (up/down buttons), not by dragging. Pure. */

/** ITEMS with the one at INDEX moved by DELTA places; the first PINNED items stay where they are
 * and nothing passes them (the list's name column). Out of range: ITEMS unchanged. */
export function moveItem<T>(items: readonly T[], index: number, delta: number, pinned = 0): T[] {
  const target = index + delta;
  if (index < pinned || target < pinned || index >= items.length || target >= items.length) return [...items];
  const moved = [...items];
  const [item] = moved.splice(index, 1);
  moved.splice(target, 0, item!);
  return moved;
}
