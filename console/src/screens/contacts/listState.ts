/** What the contact list shows, kept in the URL's query string (reload and back keep it), and the
 * API request it stands for. Pure: no DOM, no API. */
import type { Filter } from "../../api/types";
import { decodeBuilder, encodeBuilder, type Builder } from "./filterBuilder";

export type Sort = "name" | "email" | "created_at" | "last_contacted_at" | "last_customer_action_at";
export type Order = "asc" | "desc";
const SORTS: Sort[] = ["name", "email", "created_at", "last_contacted_at", "last_customer_action_at"];
const STATUSES = ["new", "replied", "called", "visited", "won", "lost"];

export interface ListState {
  q: string;
  tag: string;
  status: string;
  owner: string;
  /** "" (either), "true" or "false". */
  starred: string;
  company: string;
  sort: Sort;
  order: Order;
  /** A saved segment shown instead of the filters. */
  segment: string;
  /** The advanced search, with the quick filters on top of it. */
  advanced: Builder | null;
}

export const DEFAULT_STATE: ListState = {
  q: "", tag: "", status: "", owner: "", starred: "", company: "", sort: "created_at", order: "desc", segment: "", advanced: null,
};

const TEXT_KEYS = ["q", "tag", "owner", "company", "segment"] as const;

/** The list state of a URL's query (preact-iso's `query`); unknown or bad values fall back to the defaults. */
export function parseListState(query: Record<string, string | undefined>): ListState {
  const state: ListState = { ...DEFAULT_STATE };
  for (const key of TEXT_KEYS) state[key] = (query[key] ?? "").slice(0, 200);
  if (STATUSES.includes(query.status ?? "")) state.status = query.status!;
  if (query.starred === "true" || query.starred === "false") state.starred = query.starred;
  if (SORTS.includes(query.sort as Sort)) state.sort = query.sort as Sort;
  if (query.order === "asc" || query.order === "desc") state.order = query.order;
  state.advanced = decodeBuilder(query.filter);
  return state;
}

/** The query string of STATE ("" or "?…"), leaving out what is the default. */
export function listQuery(state: ListState): string {
  const params = new URLSearchParams();
  for (const key of TEXT_KEYS) if (state[key]) params.set(key, state[key]);
  if (state.status) params.set("status", state.status);
  if (state.starred) params.set("starred", state.starred);
  if (state.advanced) params.set("filter", encodeBuilder(state.advanced));
  if (state.sort !== DEFAULT_STATE.sort || state.order !== DEFAULT_STATE.order) {
    params.set("sort", state.sort);
    params.set("order", state.order);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A click on a sortable header: the same column again gives the other order; another column
 * starts ascending for names and addresses, newest first for times. */
export function toggleSort(state: Pick<ListState, "sort" | "order">, sort: Sort): { sort: Sort; order: Order } {
  if (state.sort === sort) return { sort, order: state.order === "asc" ? "desc" : "asc" };
  return { sort, order: sort === "name" || sort === "email" ? "asc" : "desc" };
}

/** Whether any filter narrows the list (the empty state then says so and offers to clear them). */
export function isFiltered(state: ListState): boolean {
  return Boolean(state.q || state.tag || state.status || state.owner || state.starred || state.company || state.segment || state.advanced);
}

/** The quick filters (tag, status, owner, star, company) as conditions of the filter language. */
export function quickConditions(state: ListState): Filter[] {
  const conditions: Filter[] = [];
  if (state.tag) conditions.push({ tags: { include: [state.tag], include_mode: "any" } });
  if (state.status) conditions.push({ field: "status", op: "eq", value: state.status });
  if (state.owner) conditions.push({ field: "owner_id", op: "eq", value: state.owner });
  if (state.starred) conditions.push({ field: "starred", op: "eq", value: state.starred === "true" });
  if (state.company) conditions.push({ field: "company", op: "eq", value: state.company });
  return conditions;
}

/** The request behind one page of the list (each page is one API call). */
export type ListRequest =
  | { kind: "list"; query: Record<string, string> }
  | { kind: "search"; body: { filter: Filter; q?: string; sort: Sort; order: Order } }
  | { kind: "segment"; id: string; query: { sort: Sort; order: Order } };

/** The request for STATE: a segment's contacts; POST /v1/contacts/search when an advanced filter
 * (ADVANCED, built from `state.advanced`) is on; else GET /v1/contacts with its query filters. */
export function listRequest(state: ListState, advanced: Filter | null): ListRequest {
  const order = { sort: state.sort, order: state.order };
  if (state.segment) return { kind: "segment", id: state.segment, query: order };
  if (advanced) {
    const conditions = [advanced, ...quickConditions(state)];
    const filter = conditions.length === 1 ? advanced : { and: conditions };
    return { kind: "search", body: { filter, ...(state.q ? { q: state.q } : {}), ...order } };
  }
  const query: Record<string, string> = { ...order };
  if (state.q) query.q = state.q;
  if (state.tag) query.tag = state.tag;
  if (state.status) query.status = state.status;
  if (state.owner) query.owner_id = state.owner;
  if (state.starred) query.starred = state.starred;
  if (state.company) query.company = state.company;
  return { kind: "list", query };
}

/** Every contact of the tenant: the bulk API selects by filter, segment or ids, and has no "all";
 * every contact has a creation time. */
export const EVERY_CONTACT: Filter = { field: "created_at", op: "exists" };

/** The bulk selection of every contact the list matches (not only those loaded), or null when the
 * list cannot be said as a filter: the quick search `q` is no condition of the filter language. */
export function matchingSelection(state: ListState, advanced: Filter | null):
  { segment_id: string } | { filter: Filter } | null {
  if (state.segment) return { segment_id: state.segment };
  if (state.q) return null;
  const conditions = [...(advanced ? [advanced] : []), ...quickConditions(state)];
  if (conditions.length === 0) return { filter: EVERY_CONTACT };
  return { filter: conditions.length === 1 ? conditions[0]! : { and: conditions } };
}
