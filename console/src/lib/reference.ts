/** What several screens need besides their own data, each loaded once per session (not per page):
 * the custom properties (column labels, typed inputs), the tags and the saved segments. */
import { api, unwrap } from "../api/client";
import type { MemberGroup, PropertyDefinition, Segment, Tag } from "../api/types";
import { onSessionChange } from "../auth/session";
import { createStore, useStore, type Store } from "./store";

/** A store filled on first use by LOAD; `reload` fetches again after a change. */
function cached<T>(load: () => Promise<T>) {
  const store: Store<T | null> = createStore<T | null>(null);
  let loading: Promise<T> | null = null;
  const reload = (): Promise<T> => {
    loading = load()
      .then((value) => {
        store.set(value);
        return value;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };
  const use = (): T | null => {
    const value = useStore(store);
    if (value === null && loading === null) reload().catch(() => undefined);
    return value;
  };
  onSessionChange(() => store.set(null));
  return { use, reload };
}

/* Each of these answers every item in one page (their schemas say so, and take no cursor). */
export const properties = cached<PropertyDefinition[]>(async () => (await unwrap(api.GET("/v1/properties"))).items);
export const tags = cached<Tag[]>(async () => (await unwrap(api.GET("/v1/tags"))).items);
export const segments = cached<Segment[]>(async () => (await unwrap(api.GET("/v1/segments"))).items);

/** Every member group, page after page (a tenant has a few dozen). */
export async function loadMemberGroups(): Promise<MemberGroup[]> {
  const groups: MemberGroup[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(api.GET("/v1/member-groups", { params: { query: { limit: 200, cursor } } }));
    groups.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return groups;
}

/** The member groups' names for the bulk bar and the contact page. */
export const memberGroups = cached<MemberGroup[]>(loadMemberGroups);
