/** The settings' sections, in the order of their sub-navigation, and which roles use each. Members,
 * tags, the member's own mailbox and the plan's usage are for every role; the tenant's settings,
 * property definitions, site keys and API keys only for owners and admins (the contract's
 * permission matrix; shared/services/site_keys.py requires an admin for every site key call). */
import { canManageSettings, type Role } from "../../lib/roles";

export type SectionId =
  | "members" | "list" | "permissions" | "scoring" | "properties" | "tags"
  | "mailbox" | "site-keys" | "api-keys" | "usage";

const SECTIONS: { id: SectionId; adminOnly: boolean }[] = [
  { id: "members", adminOnly: false },
  { id: "list", adminOnly: true },
  { id: "permissions", adminOnly: true },
  { id: "scoring", adminOnly: true },
  { id: "properties", adminOnly: true },
  { id: "tags", adminOnly: false },
  { id: "mailbox", adminOnly: false },
  { id: "site-keys", adminOnly: true },
  { id: "api-keys", adminOnly: true },
  { id: "usage", adminOnly: false },
];

/** The sections ROLE may use, in navigation order. */
export function sectionsFor(role: Role): SectionId[] {
  return SECTIONS.filter((section) => !section.adminOnly || canManageSettings(role)).map((section) => section.id);
}

export function isSection(name: string | undefined): name is SectionId {
  return SECTIONS.some((section) => section.id === name);
}
