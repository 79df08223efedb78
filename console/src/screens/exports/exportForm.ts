/** The export form's rules: the fields on offer and their first order, the password rule as the
 * API has it (shared/domain/tabular.py check_password), the 30-minute rule read from the jobs,
 * and the request. Pure. */
import type { ExportRequest, PropertyDefinition } from "../../api/types";
import type { ExportSelection } from "../../lib/exportSelection";

/** Every contact field an export may name, in the API's order (shared/domain/exports.py
 * exportable_fields; `properties.KEY` follow). */
export const CONTACT_FIELDS = [
  "id", "display_name", "family_name", "given_name", "family_name_kana", "given_name_kana", "email", "phone", "company",
  "department", "title", "address", "website", "owner_id", "company_id", "status", "starred", "marketing_opt_out",
  "acquired_at", "acquisition_channel", "memo", "tags", "created_at", "updated_at", "first_contacted_at",
  "last_contacted_at", "last_customer_action_at", "last_customer_action_type", "last_seen_at", "session_count", "score",
  "engagement", "delivery_status", "emails_sent_count", "last_purchase_at", "purchase_count",
] as const;

/** One export per user per 30 minutes (the API answers 429 sooner). */
export const EXPORT_INTERVAL_MS = 30 * 60 * 1000;

export type Format = "csv" | "xlsx";
export type Encoding = "cp932" | "utf-8-bom" | "utf-8";
export const ENCODINGS: readonly Encoding[] = ["cp932", "utf-8-bom", "utf-8"];
export type Headers = "labels" | "keys";

/** The fields on offer, in their first order: the list's columns (what the user sees; `name` is
 * the display name), then the other contact fields, then the live custom properties. CHOSEN: the
 * list's columns. */
export function initialFields(listColumns: readonly string[], properties: readonly PropertyDefinition[]):
  { order: string[]; chosen: string[] } {
  const offered = [...CONTACT_FIELDS, ...properties.filter((each) => !each.archived).map((each) => `properties.${each.key}`)];
  const available = new Set<string>(offered);
  const chosen = [...new Set(listColumns.map((column) => (column === "name" ? "display_name" : column)))]
    .filter((field) => available.has(field));
  const picked = new Set(chosen);
  return { order: [...chosen, ...offered.filter((field) => !picked.has(field))], chosen };
}

export type PasswordProblem = "short" | "long" | "ascii" | "mix";

/** Why PASSWORD would be refused ("" is none: no password), or null. */
export function passwordProblem(password: string): PasswordProblem | null {
  if (password === "") return null;
  if (password.length < 6) return "short";
  if (password.length > 128) return "long";
  if (![...password].every((ch) => ch >= "!" && ch <= "~")) return "ascii";
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) return "mix";
  return null;
}

export interface ExportJob {
  type?: string;
  created_by?: string | null;
  created_at?: string;
}

/** When USER may start the next export, judged from the jobs (their own exports among them): 30
 * minutes after the latest one started; null when that is not after NOW. */
export function nextExportAt(jobs: readonly ExportJob[], user: string, now: Date): Date | null {
  const started = jobs
    .filter((job) => job.type === "export" && job.created_by === user)
    .map((job) => Date.parse(job.created_at ?? ""))
    .filter((time) => !Number.isNaN(time));
  if (started.length === 0) return null;
  const next = new Date(Math.max(...started) + EXPORT_INTERVAL_MS);
  return next.getTime() > now.getTime() ? next : null;
}

export interface ExportChoices {
  selection: ExportSelection;
  order: readonly string[];
  chosen: ReadonlySet<string>;
  format: Format;
  encoding: Encoding;
  headers: Headers;
  password: string;
  reason: string;
}

/** The body of POST /v1/exports: the chosen fields in their order; no password when none is typed. */
export function exportBody(choices: ExportChoices): ExportRequest {
  return {
    // the schema leaves `selection` open (one of four shapes), which the generator types as empty
    selection: choices.selection as unknown as ExportRequest["selection"],
    fields: choices.order.filter((field) => choices.chosen.has(field)),
    format: choices.format,
    encoding: choices.encoding, // a CSV's; an xlsx has none and the API ignores it
    headers: choices.headers,
    password: choices.password === "" ? null : choices.password,
    reason: choices.reason.trim(),
  };
}

/** Whether a succeeded export's file may still be downloaded at NOW. */
export function downloadable(expiresAt: string | null | undefined, now: Date): boolean {
  return Boolean(expiresAt) && Date.parse(expiresAt!) > now.getTime();
}
