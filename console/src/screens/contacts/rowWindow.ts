/** Which loaded rows the table renders: those near the viewport, so that the DOM stays bounded
 * however many pages are loaded (20,000 contacts are 400 pages). Pure. */

/** Rows rendered above and below the visible ones (keyboard and find-in-page reach them). */
export const OVERSCAN = 50;
/** The window moves by whole steps, so scrolling re-renders the table only now and then. */
export const STEP = 25;

export interface RowWindow {
  start: number;
  end: number;
}

/** The rows [start, end) to render, for a table body whose top is BODY_TOP pixels from the
 * viewport's top (negative once scrolled past), rows of ROW_HEIGHT, COUNT rows loaded. */
export function rowWindow(bodyTop: number, viewportHeight: number, rowHeight: number, count: number): RowWindow {
  const height = Math.max(1, rowHeight);
  const first = Math.max(0, Math.floor(-bodyTop / height));
  const visible = Math.ceil(viewportHeight / height) + 1;
  const start = Math.max(0, Math.floor((first - OVERSCAN) / STEP) * STEP);
  const end = Math.min(count, Math.ceil((first + visible + OVERSCAN) / STEP) * STEP);
  return { start: Math.min(start, count), end: Math.max(end, Math.min(start, count)) };
}
