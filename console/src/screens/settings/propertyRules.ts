/** Custom property definitions as the properties section edits them. */
import type { PropertyDefinition } from "../../api/types";

export const PROPERTY_TYPES = ["text", "email", "number", "boolean", "date", "select"] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

/** The options of a select, one a line as typed: trimmed, blank lines and repeats dropped. */
export function parseOptions(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean))];
}

/** GET /v1/properties lists every definition, archived ones included: they are shown apart. */
export function splitArchived(items: readonly PropertyDefinition[]): { active: PropertyDefinition[]; archived: PropertyDefinition[] } {
  return { active: items.filter((item) => !item.archived), archived: items.filter((item) => item.archived) };
}
