/** How a property history entry reads: a field's old or new value as the profile shows it, and
 * who made the change. Pure, so the dialog and the unit tests share it. */
import type { Contact, HistoryEntry } from "../../api/types";
import { formatNumber, type Language } from "../../i18n";
import { fieldText } from "../../lib/fields";

/** VALUE of FIELD as the profile would show it ("" when empty). */
export function historyValueText(field: string, value: unknown, lang: Language, memberNames: Record<string, string>): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value, lang);
  const holder = field.startsWith("properties.")
    ? { properties: { [field.slice("properties.".length)]: value } }
    : { [field]: value };
  const shown = fieldText(holder as unknown as Contact, field, lang, memberNames);
  if (field === "owner_id" && !shown) return String(value);
  return shown;
}

export type ActorKind = "member" | "formerMember" | "import" | "apiKey" | "system";

/** Who made the change: a member (by name), a former member, an import, an API key or the system. */
export function actorKind(entry: Pick<HistoryEntry, "actor" | "actor_name">): ActorKind {
  if (entry.actor === "system") return "system";
  if (entry.actor.startsWith("import:")) return "import";
  if (entry.actor.startsWith("api_key:")) return "apiKey";
  return entry.actor_name ? "member" : "formerMember";
}
