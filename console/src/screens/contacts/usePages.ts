/** The list's rows, page after page: each page is ONE API call (GET /v1/contacts, POST
 * /v1/contacts/search or GET /v1/segments/{id}/contacts; lib/cursorPages). */
import { api, unwrap } from "../../api/client";
import type { Contact } from "../../api/types";
import { useCursorPages, type CursorPage, type CursorPages } from "../../lib/cursorPages";
import type { ListRequest } from "./listState";

const PAGE_SIZE = 50;

function fetchPage(request: ListRequest, cursor: string | null): Promise<CursorPage<Contact>> {
  const paging = { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
  switch (request.kind) {
    case "list":
      return unwrap(api.GET("/v1/contacts", { params: { query: { ...request.query, ...paging } as never } }));
    case "search":
      return unwrap(api.POST("/v1/contacts/search", { body: { ...request.body, ...paging } }));
    case "segment":
      return unwrap(api.GET("/v1/segments/{id}/contacts", {
        params: { path: { id: request.id }, query: { ...request.query, ...paging } },
      }));
  }
}

export type Pages = CursorPages<Contact>;

export function usePages(request: ListRequest | null): Pages {
  return useCursorPages<Contact>(request ? JSON.stringify(request) : null, (cursor) => fetchPage(request!, cursor));
}
