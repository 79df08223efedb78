/** Bulk actions (POST /v1/contacts/bulk): the request for a selection, and the outcome of its
 * synchronous answer or of its job. Pure. */
import type { BulkRequest, Filter } from "../../api/types";
import type { Status } from "../../lib/fields";
import type { Role } from "../../lib/roles";
import { canDeleteContacts } from "../../lib/roles";

export type BulkAction = BulkRequest["action"];
export const BULK_ACTIONS: BulkAction[] = ["add_tags", "remove_tags", "set_status", "set_owner", "star", "unstar", "opt_out", "add_to_group", "remove_from_group", "delete"];

/** The actions ROLE may use (a `user` may not delete; the API still decides). */
export function actionsFor(role: Role): BulkAction[] {
  return BULK_ACTIONS.filter((action) => action !== "delete" || canDeleteContacts(role));
}

export type Selection = { ids: string[] } | { filter: Filter } | { segment_id: string };

export interface Outcome {
  ok: number;
  not_found: number;
  forbidden: number;
  /** Per-contact errors of a synchronous answer (a job only counts them). */
  errors: { id: string; error: string }[];
}

/** The tag names typed as "a, b、c" (Japanese commas too), without blanks or repeats. */
export function tagNames(text: string): string[] {
  return [...new Set(text.split(/[,、，]/).map((name) => name.trim()).filter(Boolean))];
}

/** The request body for ACTION on SELECTION with the dialog's INPUT. */
export function bulkBody(selection: Selection, action: BulkAction, input: { tags?: string; status?: Status; owner?: string; group?: string }): BulkRequest {
  const body: BulkRequest = { selection, action };
  if (action === "add_tags" || action === "remove_tags") body.params = { tags: tagNames(input.tags ?? "") };
  if (action === "set_status") body.params = { status: input.status ?? "new" };
  if (action === "set_owner") body.params = { owner_id: input.owner ? input.owner : null };
  if (action === "add_to_group" || action === "remove_from_group") body.params = { group_id: input.group ?? "" };
  return body;
}

/** The counts of a synchronous answer `{"results": [...]}`. */
export function outcomeOf(results: { id: string; status: string; error?: string | null }[]): Outcome {
  const outcome: Outcome = { ok: 0, not_found: 0, forbidden: 0, errors: [] };
  for (const result of results) {
    if (result.status === "ok") outcome.ok += 1;
    else if (result.status === "not_found" || result.status === "forbidden") outcome[result.status] += 1;
    if (result.status !== "ok") outcome.errors.push({ id: result.id, error: result.error ?? result.status });
  }
  return outcome;
}
