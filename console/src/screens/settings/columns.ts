/** The contact list's columns as `settings.list_columns` holds them: ordered field names or
 * `properties.KEY`, the name (`name`) always first. Pure: the list columns section edits a copy. */
import type { PropertyDefinition } from "../../api/types";
import { moveItem } from "../../lib/order";
import { fieldLabel, fieldLabels, type FieldKey } from "../../lib/fields";
import type { Language } from "../../i18n";

export const NAME_COLUMN = "name";

/** The API's default (shared/domain/settings.py DEFAULTS; a new tenant's GET /v1/settings). */
export { DEFAULT_LIST_COLUMNS } from "../../lib/fields";

export const DEFAULT_NAME_ORDER = "family_given" as const;

/** Fields no person reads in a list: the name is the `name` column, and ids are the API's. */
const NOT_COLUMNS: ReadonlySet<string> = new Set(["display_name", "id", "company_id"]);

/** Contact fields a column may show: every labelled field a person reads. */
export const CONTACT_COLUMNS: readonly FieldKey[] = (Object.keys(fieldLabels.ja) as FieldKey[]).filter((field) => !NOT_COLUMNS.has(field));

/** COLUMNS with the name first and each column once, as the API stores them. */
export function normalizeColumns(columns: readonly string[]): string[] {
  return [NAME_COLUMN, ...new Set(columns.filter((column) => column !== NAME_COLUMN))];
}

/** COLUMNS with the one at INDEX moved by DELTA places; the name stays first. */
export function moveColumn(columns: readonly string[], index: number, delta: number): string[] {
  return moveItem(columns, index, delta, 1);
}

export function removeColumn(columns: readonly string[], column: string): string[] {
  return column === NAME_COLUMN ? [...columns] : columns.filter((each) => each !== column);
}

export function addColumn(columns: readonly string[], column: string): string[] {
  return normalizeColumns([...columns, column]);
}

/** The columns that may still be added: contact fields, then the properties not archived. */
export function availableColumns(columns: readonly string[], properties: readonly PropertyDefinition[]): string[] {
  const shown = new Set(columns);
  return [
    ...CONTACT_COLUMNS,
    ...properties.filter((property) => !property.archived).map((property) => `properties.${property.key}`),
  ].filter((column) => !shown.has(column));
}

/** A column's label: the name's, a field's, or its property's. */
export function columnLabel(column: string, lang: Language, properties: readonly PropertyDefinition[]): string {
  if (column === NAME_COLUMN) return fieldLabel("display_name", lang);
  return fieldLabel(column, lang, Object.fromEntries(properties.map((property) => [property.key, property.label])));
}

export function sameColumns(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((column, index) => column === right[index]);
}
