/** The scoring section's number fields: text as typed → the whole number the API takes. */

/** TEXT as a whole number (full-width digits and signs, and the minus sign U+2212, accepted), or null when it is not one. */
export function parseWhole(text: string): number | null {
  const normalized = text.normalize("NFKC").trim().replace(/^\u2212/, "-");
  if (!/^-?\d{1,9}$/.test(normalized)) return null;
  return Number(normalized);
}

/** Each field of DRAFT as a whole number, and the names of those that are not. */
export function parseAll(draft: Record<string, string>): { values: Record<string, number>; invalid: string[] } {
  const values: Record<string, number> = {};
  const invalid: string[] = [];
  for (const [name, text] of Object.entries(draft)) {
    const value = parseWhole(text);
    if (value === null) invalid.push(name);
    else values[name] = value;
  }
  return { values, invalid };
}
