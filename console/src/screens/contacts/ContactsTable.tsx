/** The contacts table: the tenant's columns (名前 first), sortable headers (a button in the
 * header, `aria-sort` on it), a checkbox per row, and only the rows near the viewport rendered
 * (spacer rows keep the scroll height), so 20,000 loaded contacts stay as light as 200. */
import { Component } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Contact } from "../../api/types";
import { translate, useLanguage, useMessages, type Language } from "../../i18n";
import { fieldLabel, fieldText, SORTABLE, type FieldKey } from "../../lib/fields";
import type { Order, Sort } from "./listState";
import { messages } from "./messages";
import { rowWindow, type RowWindow } from "./rowWindow";

/** The API's column name of the name is `name`; its field is `display_name`. */
export function columnField(column: string): string {
  return column === "name" ? "display_name" : column;
}

const DEFAULT_ROW_HEIGHT = 41;

interface RowProps {
  contact: Contact;
  index: number;
  columns: string[];
  lang: Language;
  memberNames: Record<string, string>;
  checked: boolean;
  disabled: boolean;
  onToggle: (id: string, on: boolean) => void;
}

/** One contact's row. Rendered again only when what it shows changes (not when another page
 * arrives or the window moves): a long list's scrolling stays cheap. */
class ContactRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const current = this.props;
    return next.contact !== current.contact || next.index !== current.index || next.columns !== current.columns
      || next.lang !== current.lang || next.memberNames !== current.memberNames || next.checked !== current.checked
      || next.disabled !== current.disabled;
  }

  override render({ contact, index, columns, lang, memberNames, checked, disabled }: RowProps) {
    const name = contact.display_name || contact.email || translate(messages, "unnamed", {}, lang);
    return (
      <tr class="contact-row" aria-rowindex={index}>
        <td class="select-cell">
          <input type="checkbox" aria-label={translate(messages, "selectRow", { name }, lang)} checked={checked} disabled={disabled}
            onChange={(event) => this.props.onToggle(contact.id, (event.currentTarget as HTMLInputElement).checked)} />
        </td>
        {columns.map((column) =>
          column === "name" ? (
            <td key={column} class="name-cell">
              <a href={`/contacts/${encodeURIComponent(contact.id)}`}>{name}</a>
              {contact.starred && <span class="star" role="img" aria-label={translate(messages, "starred", {}, lang)}>★</span>}
            </td>
          ) : (
            <td key={column}>{fieldText(contact, column, lang, memberNames)}</td>
          ),
        )}
      </tr>
    );
  }
}

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

  // the rows' real height, read once (reading it on every render would force a layout each time)
  const measured = useRef(false);
  useLayoutEffect(() => {
    if (measured.current) return;
    const first = body.current?.querySelector<HTMLTableRowElement>("tr.contact-row");
    if (first && first.offsetHeight > 0) {
      rowHeight.current = first.offsetHeight;
      measured.current = true;
    }
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
              <th scope="col" key={column} class={column === "name" ? "name-column" : undefined} aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"}>
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
        {shown.map((contact, offset) => (
          <ContactRow key={contact.id} contact={contact} index={start + offset + 2} columns={columns} lang={lang}
            memberNames={memberNames} checked={allSelected || selected.has(contact.id)} disabled={allSelected} onToggle={onToggle} />
        ))}
        {end < rows.length && (
          <tr class="spacer" aria-hidden="true">
            <td colSpan={span} style={{ height: `${(rows.length - end) * rowHeight.current}px` }} />
          </tr>
        )}
      </tbody>
    </table>
  );
}
