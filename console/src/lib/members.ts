/** The tenant's members (GET /v1/members, every page), loaded once per session: owner pickers,
 * owner names in lists, the members screen. `reloadMembers` after a change. */
import { api, unwrap } from "../api/client";
import type { Member } from "../api/types";
import { onSessionChange } from "../auth/session";
import { createStore, useStore } from "./store";

export const membersStore = createStore<Member[] | null>(null);
let loading: Promise<Member[]> | null = null;

export async function reloadMembers(): Promise<Member[]> {
  const members: Member[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(api.GET("/v1/members", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }));
    members.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  membersStore.set(members);
  return members;
}

/** The members, loading them on first use. */
export function useMembers(): Member[] | null {
  const members = useStore(membersStore);
  if (members === null && loading === null) {
    loading = reloadMembers().finally(() => {
      loading = null;
    });
  }
  return members;
}

export function memberNames(members: Member[] | null): Record<string, string> {
  return Object.fromEntries((members ?? []).map((member) => [member.id, member.name || member.email]));
}

onSessionChange(() => membersStore.set(null));
