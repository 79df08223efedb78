/** What the signed-in member may do to each member of the table (the contract's "who manages
 * whom"; the API still decides). Nobody disables or removes themselves from here. */
import type { Member } from "../../api/types";
import { canChangeMember, type Role } from "../../lib/roles";

export interface MemberActions {
  changeRole: boolean;
  disable: boolean;
  remove: boolean;
}

export function memberActions(actor: Role, actorId: string, member: Pick<Member, "id" | "role">): MemberActions {
  const may = canChangeMember(actor, member.role as Role);
  const other = member.id !== actorId;
  return { changeRole: may, disable: may && other, remove: may && other };
}


/** How a member is named in messages: their name, else their email. */
export function displayName(member: Pick<Member, "name" | "email">): string {
  return member.name || member.email;
}

/** The table's order: who joined first, first (the API pages by id). */
export function byJoined<T extends Pick<Member, "created_at" | "email">>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.email.localeCompare(b.email));
}
