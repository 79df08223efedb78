/** The import screen's own logic, kept pure for its unit tests: the targets a column may map to,
 * the mapping sent to POST /v1/imports/{id}/start, the job's progress, and the failed rows as a CSV. */
import type { ImportError } from "../../api/types";

/** The contact fields an import writes (the API's writable fields but owner and company link). */
export const IMPORT_FIELDS = [
  "family_name", "given_name", "family_name_kana", "given_name_kana", "email", "phone", "company", "department",
  "title", "address", "website", "status", "starred", "marketing_opt_out", "acquired_at", "acquisition_channel", "memo",
] as const;

/** The value of a column's select that leaves the column out. */
export const SKIP = "";

/** The start's `mapping`: each column whose select names a target (取り込まない left out). */
export function mappingOf(choices: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).filter(([, target]) => target !== SKIP));
}

/** Each column's first choice: the API's suggestion, else 取り込まない. */
export function initialChoices(columns: string[], suggested: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(columns.map((column) => [column, suggested[column] ?? SKIP]));
}

/** One CSV cell (RFC 4180): quoted when it holds a quote, a comma or a line break, or starts or ends
 * with a space; a text Excel would run as a formula (= + - @, TAB or CR first; OWASP "CSV
 * injection") gets a leading ' first, as the API's exports do. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The failed rows as a CSV Excel opens as it is: UTF-8 with a byte order mark, CRLF lines, a header. */
export function errorRowsCsv(errors: ImportError[], header: [string, string, string]): string {
  const lines = [header, ...errors.map((error) => [error.row, error.column ?? "", error.message] as const)];
  return "\ufeff" + lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
