/** What the profile's in-place editors send: a typed input's text as the API's value. Pure. */
import type { PropertyDefinition } from "../../api/types";

export type PropertyValue = string | number | boolean | null;

/** The value of a custom property typed as RAW: `null` clears it; a number stays the text the
 * user typed when it is no number (the API then names the field, as for any bad value). */
export function propertyValue(definition: Pick<PropertyDefinition, "type">, raw: string | boolean): PropertyValue {
  if (definition.type === "boolean") return typeof raw === "boolean" ? raw : raw === "true";
  const value = String(raw).trim();
  if (value === "") return null;
  if (definition.type === "number") {
    const number = Number(value.replace(/[,，]/g, ""));
    return Number.isFinite(number) ? number : value;
  }
  return value;
}

/** A property's stored value as the text its input shows. */
export function propertyInput(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

/** A date field's stored UTC timestamp (`acquired_at`) as the `YYYY-MM-DD` of its date input. */
export function dateInput(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : "";
}

/** The tags after adding NAME (trimmed; a name already there is not added twice). */
export function withTag(tags: string[], name: string): string[] {
  const tag = name.trim();
  return tag && !tags.includes(tag) ? [...tags, tag] : tags;
}
