/** Merge fields (the contract's `{{contact.FIELD}}`, `{{contact.properties.KEY}}`, `{{sender.name}}`,
 * `{{sender.email}}`): the picker's list, insertion at the cursor, and the check the API makes
 * when a template is saved or an email written (shared/domain/mail.py, `merge_field_problems`),
 * so that the composer and the template editor tell the user as they type. Pure. */
import type { Contact, ErrorDetail, PropertyDefinition } from "../api/types";

/** The contact fields offered in the picker, in the order people look for them. */
export const CONTACT_MERGE_FIELDS = [
  "family_name", "given_name", "display_name", "family_name_kana", "given_name_kana", "company", "department", "title",
  "email", "phone", "address", "website",
] as const;

/** Every field of a contact a merge field may name: the API's contact minus `properties` (the
 * server's `contacts.PUBLIC_FIELDS`). The type makes it follow the OpenAPI document's Contact, which
 * tests/test_openapi.py holds to PUBLIC_FIELDS. */
const MERGEABLE_CONTACT_FIELDS: Record<Exclude<keyof Contact, "properties">, true> = {
  id: true, display_name: true, family_name: true, given_name: true, family_name_kana: true, given_name_kana: true,
  email: true, phone: true, company: true, department: true, title: true, address: true, website: true,
  owner_id: true, company_id: true, status: true, starred: true, marketing_opt_out: true, acquired_at: true,
  acquisition_channel: true, memo: true, tags: true, created_at: true, updated_at: true, first_contacted_at: true,
  last_contacted_at: true, last_customer_action_at: true, last_customer_action_type: true, last_seen_at: true,
  session_count: true, score: true, engagement: true, delivery_status: true, emails_sent_count: true,
  last_purchase_at: true, purchase_count: true, groups: true, member_login_status: true,
};
const SENDER_FIELDS = ["name", "email"];

export interface MergeField {
  token: string;
  /** A contact field's key, `properties.KEY`, or `sender.name` / `sender.email`. */
  field: string;
}

export function mergeToken(path: string): string {
  return `{{${path}}}`;
}

/** Every merge field the picker offers: contact fields, the live custom properties, the sender. */
export function mergeFields(properties: PropertyDefinition[]): MergeField[] {
  return [
    ...CONTACT_MERGE_FIELDS.map((field) => ({ token: mergeToken(`contact.${field}`), field })),
    ...properties.filter((property) => !property.archived)
      .map((property) => ({ token: mergeToken(`contact.properties.${property.key}`), field: `properties.${property.key}` })),
    { token: mergeToken("sender.name"), field: "sender.name" },
    { token: mergeToken("sender.email"), field: "sender.email" },
  ];
}

/** TEXT with TOKEN put in place of its selection START..END; the new text and where the cursor goes. */
export function insertAt(text: string, start: number | null, end: number | null, token: string): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start ?? text.length, text.length));
  const to = Math.max(from, Math.min(end ?? from, text.length));
  return { text: text.slice(0, from) + token + text.slice(to), caret: from + token.length };
}

/** Addresses typed into Cc or Bcc ("a@x.jp, b@y.jp" or one a line) as a list. */
export function addressList(value: string): string[] {
  return value.split(/[\s,;、]+/).map((address) => address.trim()).filter(Boolean);
}

/** What is wrong with one merge field, as the API's codes say it (`unclosed`: the console's own
 * warning, see mergeFieldProblems). */
export type MergeProblemKind = "unknown_merge_field" | "undefined_property" | "archived_merge_field" | "unclosed";

export interface MergeProblem {
  kind: MergeProblemKind;
  /** The merge field as written, braces included (`{{contact.nmae}}`), or the unclosed `{{…`. */
  token: string;
}

/** The API's pattern (shared/domain/mail.py `_MERGE_FIELD`): spaces inside the braces are allowed. */
const MERGE_FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;

function fieldProblem(name: string, definitions: Map<string, PropertyDefinition>): MergeProblemKind | null {
  const parts = name.split(".");
  const [scope = "", field = "", key = ""] = parts;
  if (parts.length === 2 && ((scope === "contact" && Object.hasOwn(MERGEABLE_CONTACT_FIELDS, field))
    || (scope === "sender" && SENDER_FIELDS.includes(field)))) return null;
  if (parts.length === 3 && scope === "contact" && field === "properties") {
    const definition = definitions.get(key);
    if (!definition) return "undefined_property";
    return definition.archived ? "archived_merge_field" : null;
  }
  return "unknown_merge_field";
}

/** One problem per distinct merge field of TEXT that no contact could fill (unknown field,
 * undefined or archived property: what the API refuses with 422), then each `{{` left unclosed.
 * The API takes an unclosed `{{` as plain text and sends it as written, so that one is a warning. */
export function mergeFieldProblems(text: string, properties: PropertyDefinition[]): MergeProblem[] {
  const definitions = new Map(properties.map((property) => [property.key, property]));
  const problems = new Map<string, MergeProblem>();
  for (const [, name = ""] of text.matchAll(MERGE_FIELD)) {
    const kind = fieldProblem(name, definitions);
    if (kind && !problems.has(name)) problems.set(name, { kind, token: `{{${name}}}` });
  }
  const rest = text.replace(MERGE_FIELD, " ");
  const unclosed = rest.indexOf("{{");
  const found = [...problems.values()];
  if (unclosed >= 0) found.push({ kind: "unclosed", token: rest.slice(unclosed, unclosed + 30).split(/\s/, 1).join("") });
  return found;
}

/** Whether PROBLEMS hold one the API refuses (an unclosed `{{` alone it accepts). */
export function refusedByApi(problems: MergeProblem[]): boolean {
  return problems.some((problem) => problem.kind !== "unclosed");
}

const API_MERGE_CODES = new Set(["unknown_merge_field", "archived_merge_field"]);

/** The API's DETAILS for a field less those the live check (LIVE, that field's problems) already
 * says in its own words; a refusal the live check could not see (a property archived meanwhile,
 * a merge field this contact has no value for) stays. */
export function detailsBeyond(details: ErrorDetail[], live: MergeProblem[]): ErrorDetail[] {
  return refusedByApi(live) ? details.filter((detail) => !API_MERGE_CODES.has(detail.code)) : details;
}
