/** The composer's merge fields (the contract's `{{contact.FIELD}}`, `{{contact.properties.KEY}}`,
 * `{{sender.name}}`, `{{sender.email}}`) and their insertion at the cursor. Pure. */
import type { PropertyDefinition } from "../../api/types";

/** The contact fields offered in the picker, in the order people look for them. */
export const CONTACT_MERGE_FIELDS = [
  "family_name", "given_name", "display_name", "family_name_kana", "given_name_kana", "company", "department", "title",
  "email", "phone", "address", "website",
] as const;

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
