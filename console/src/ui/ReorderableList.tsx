/** An ordered list the keyboard reorders: each item has 上へ / 下へ buttons (named after the item),
 * and focus stays on the moved item's button (or its other one, at either end). The list's
 * columns in the settings and an export's fields use it. */
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";
import { defineMessages, useMessages } from "../i18n";
import { moveItem } from "../lib/order";

const words = defineMessages({ up: "上へ", down: "下へ" }, { up: "Up", down: "Down" });

export function ReorderableList({ items, label, idPrefix, pinned = 0, onChange, lead, trail }: {
  items: readonly string[];
  /** The item's name as people read it (the buttons' accessible names say it). */
  label: (item: string) => string;
  /** Prefix of the buttons' ids, unique on the page. */
  idPrefix: string;
  /** The first PINNED items neither move nor are passed. */
  pinned?: number;
  onChange: (items: string[]) => void;
  /** What the item shows before its buttons (its name, or a checkbox labelled with it). */
  lead: (item: string) => ComponentChildren;
  /** More controls after the buttons (e.g. 外す). */
  trail?: (item: string) => ComponentChildren;
}) {
  const t = useMessages(words);
  const [focus, setFocus] = useState<string | null>(null);
  const idOf = (item: string) => `${idPrefix}-${item.replace(/[^\w-]/g, "-")}`;

  // at once after the move (a moved item's button loses focus): a key pressed meanwhile would be lost
  useLayoutEffect(() => {
    if (!focus) return;
    const target = document.getElementById(focus) as HTMLButtonElement | null;
    if (target && !target.disabled) target.focus();
    else document.getElementById(focus.replace(/-(up|down)$/, (_, way) => (way === "up" ? "-down" : "-up")))?.focus();
    setFocus(null);
  }, [focus]);

  function move(index: number, delta: number) {
    onChange(moveItem(items, index, delta, pinned));
    setFocus(`${idOf(items[index]!)}-${delta < 0 ? "up" : "down"}`);
  }

  return (
    <ol class="reorder-list">
      {items.map((item, index) => (
        <li key={item} class="reorder-item">
          <span class="reorder-lead">{lead(item)}</span>
          {index >= pinned && (
            <span class="actions">
              <button type="button" id={`${idOf(item)}-up`} disabled={index <= pinned} onClick={() => move(index, -1)} aria-label={`${t("up")}: ${label(item)}`}>
                {t("up")}
              </button>
              <button type="button" id={`${idOf(item)}-down`} disabled={index >= items.length - 1} onClick={() => move(index, 1)} aria-label={`${t("down")}: ${label(item)}`}>
                {t("down")}
              </button>
              {trail?.(item)}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
