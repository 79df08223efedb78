/** Which contacts an export takes, carried from the contact list to /exports: a segment or a
 * filter in the URL (reload keeps it), chosen rows in sessionStorage (thousands of ids do not fit
 * a URL). The query side is pure. */
import type { Filter } from "../api/types";

export type ExportSelection = { all: true } | { ids: string[] } | { filter: Filter } | { segment_id: string };

const IDS_KEY = "crm.export.ids";
const MAX_IDS = 10_000; // the API's limit of `selection.ids`

/** The query string of /exports for SELECTION ("?selected" stands for the ids kept aside). */
export function exportQuery(selection: ExportSelection): string {
  if ("segment_id" in selection) return `?segment=${encodeURIComponent(selection.segment_id)}`;
  if ("filter" in selection) return `?filter=${encodeURIComponent(JSON.stringify(selection.filter))}`;
  if ("ids" in selection) return "?selected";
  return "";
}

/** The selection a query of /exports carries (STORED_IDS: those kept aside), or null (none, or
 * not readable: the screen then offers every contact). */
export function selectionOfQuery(query: Record<string, string | undefined>, storedIds: string[] | null): ExportSelection | null {
  if (query.segment) return { segment_id: query.segment };
  if (query.filter) {
    try {
      const filter = JSON.parse(query.filter) as unknown;
      return filter && typeof filter === "object" && !Array.isArray(filter) ? { filter: filter as Filter } : null;
    } catch {
      return null;
    }
  }
  if ("selected" in query && storedIds && storedIds.length > 0) return { ids: storedIds.slice(0, MAX_IDS) };
  return null;
}

/** The /exports address for SELECTION, its ids kept for the tab's session. */
export function exportHref(selection: ExportSelection): string {
  if ("ids" in selection) sessionStorage.setItem(IDS_KEY, JSON.stringify(selection.ids.slice(0, MAX_IDS)));
  return `/exports${exportQuery(selection)}`;
}

/** The ids kept by exportHref, or null. */
export function storedIds(): string[] | null {
  try {
    const ids = JSON.parse(sessionStorage.getItem(IDS_KEY) ?? "null") as unknown;
    return Array.isArray(ids) && ids.every((id) => typeof id === "string") ? ids : null;
  } catch {
    return null;
  }
}
