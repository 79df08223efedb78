/** The contacts table: the tenant's columns (名前 first), sortable headers (a button in the
 * header, `aria-sort` on it), a checkbox per row, and only the rows near the viewport rendered
 * (spacer rows keep the scroll height), so 20,000 loaded contacts stay as light as 200. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Contact } from "../../api/types";
import { useLanguage, useMessages } from "../../i18n";
import { fieldLabel, fieldText, SORTABLE, type FieldKey } from "../../lib/fields";
import type { Order, Sort } from "./listState";
import { messages } from "./messages";
import { rowWindow, type RowWindow } from "./rowWindow";

/** The API's column name of the name is `name`; its field is `display_name`. */
export function columnField(column: string): string {
  return column === "name" ? "display_name" : column;
}

const DEFAULT_ROW_HEIGHT = 41;

export function ContactsTable({ rows, columns, propertyLabels, memberNames, sort, order, onSort, selected, allSelected, onToggle, onTogglePage }: {
  rows: Contact[];
  columns: string[];
  propertyLabels: Record<string, string>;
  memberNames: Record<string, string>;
  sort: Sort;
  order: Order;
  onSort: (sort: Sort) => void;
  selected: Set<string>;
  /** Every match is selected (the bulk selection by filter). */
  allSelected: boolean;
  onToggle: (id: string, on: boolean) => void;
  onTogglePage: (on: boolean) => void;
}) {
  const t = useMessages(messages);
  const lang = useLanguage();
  const body = useRef<HTMLTableSectionElement>(null);
  const rowHeight = useRef(DEFAULT_ROW_HEIGHT);
  const [range, setRange] = useState<RowWindow>(() => rowWindow(0, globalThis.innerHeight ?? 800, DEFAULT_ROW_HEIGHT, rows.length));

  useEffect(() => {
    let frame = 0;
    const update = () => {
      frame = 0;
      const top = body.current?.getBoundingClientRect().top ?? 0;
      const next = rowWindow(top, window.innerHeight, rowHeight.current, rows.length);
      setRange((before) => (before.start === next.start && before.end === next.end ? before : next));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    return () => {
      window.removeEventListener("scroll", schedule);
      window.removeEventListener("resize", schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [rows.length]);

  useLayoutEffect(() => {
    const first = body.current?.querySelector<HTMLTableRowElement>("tr.contact-row");
    if (first && first.offsetHeight > 0) rowHeight.current = first.offsetHeight;
  });

  const start = Math.min(range.start, rows.length);
  const end = Math.min(Math.max(range.end, start), rows.length);
  const shown = rows.slice(start, end);
  const pageSelected = allSelected || (rows.length > 0 && rows.every((contact) => selected.has(contact.id)));
  const span = columns.length + 1;

  return (
    <table class="data contacts-table" aria-rowcount={rows.length + 1}>
      <thead>
        <tr aria-rowindex={1}>
          <th scope="col" class="select-cell">
            <input type="checkbox" aria-label={t("selectPage")} checked={pageSelected} disabled={allSelected}
              onChange={(event) => onTogglePage((event.currentTarget as HTMLInputElement).checked)} />
          </th>
          {columns.map((column) => {
            const field = columnField(column);
            const label = fieldLabel(field, lang, propertyLabels);
            const sortKey = SORTABLE[field as FieldKey] as Sort | undefined;
            if (!sortKey) return <th scope="col" key={column}>{label}</th>;
            const active = sort === sortKey;
            return (
              <th scope="col" key={column} aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"}>
                <button type="button" class="sort" onClick={() => onSort(sortKey)}>
                  {label}
                  <span class="sort-mark" aria-hidden="true">{active ? (order === "asc" ? "▲" : "▼") : "↕"}</span>
                </button>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody ref={body}>
        {start > 0 && (
          <tr class="spacer" aria-hidden="true">
            <td colSpan={span} style={{ height: `${start * rowHeight.current}px` }} />
          </tr>
        )}
        {shown.map((contact, offset) => {
          const name = contact.display_name || contact.email || t("unnamed");
          return (
            <tr key={contact.id} class="contact-row" aria-rowindex={start + offset + 2}>
              <td class="select-cell">
                <input type="checkbox" aria-label={t("selectRow", { name })} checked={allSelected || selected.has(contact.id)}
                  disabled={allSelected}
                  onChange={(event) => onToggle(contact.id, (event.currentTarget as HTMLInputElement).checked)} />
              </td>
              {columns.map((column) =>
                column === "name" ? (
                  <td key={column} class="name-cell">
                    <a href={`/contacts/${encodeURIComponent(contact.id)}`}>{name}</a>
                    {contact.starred && <span class="star" role="img" aria-label={t("starred")}>★</span>}
                  </td>
                ) : (
                  <td key={column}>{fieldText(contact, column, lang, memberNames)}</td>
                ),
              )}
            </tr>
          );
        })}
        {end < rows.length && (
          <tr class="spacer" aria-hidden="true">
            <td colSpan={span} style={{ height: `${(rows.length - end) * rowHeight.current}px` }} />
          </tr>
        )}
      </tbody>
    </table>
  );
}
