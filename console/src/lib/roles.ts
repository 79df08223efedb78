/** What each role may do, as the contract's permission matrix has it. The console only hides what a
 * role may not use; the API still decides. */
import type { Settings } from "../api/types";

export type Role = "owner" | "admin" | "manager" | "user";

export function canManageSettings(role: Role): boolean {
  return role === "owner" || role === "admin";
}

export function canManageMembers(role: Role): boolean {
  return role === "owner" || role === "admin";
}

/** Only an owner grants or takes away `owner`, or touches another owner. */
export function canChangeMember(actor: Role, target: Role): boolean {
  if (!canManageMembers(actor)) return false;
  return target !== "owner" || actor === "owner";
}

export function rolesGrantable(actor: Role): Role[] {
  if (actor === "owner") return ["owner", "admin", "manager", "user"];
  if (actor === "admin") return ["admin", "manager", "user"];
  return [];
}

/** Creating, changing and deleting member groups and inviting their members (GROUP_MANAGER_ROLES). */
export function canManageGroups(role: Role): boolean {
  return role !== "user";
}

export function canDeleteContacts(role: Role): boolean {
  return role !== "user";
}

export function canExport(role: Role, settings: Pick<Settings, "export_roles"> | null): boolean {
  const allowed = (settings?.export_roles as Role[] | undefined) ?? ["owner", "admin"];
  return allowed.includes(role);
}

/** A custom activity: a `user` edits only their own. */
export function canEditActivity(role: Role, actorId: string | null | undefined, me: string): boolean {
  return role !== "user" || actorId === me;
}

/** Deleting a tag takes it off every contact: refused to a `user` who sees only their own. */
export function canDeleteTags(role: Role, settings: Pick<Settings, "owner_visibility_restricted"> | null): boolean {
  return role !== "user" || !settings?.owner_visibility_restricted;
}

/** An email template: changed or deleted by its creator, an owner or an admin. */
export function canEditTemplate(role: Role, createdBy: string, me: string): boolean {
  return role === "owner" || role === "admin" || createdBy === me;
}
