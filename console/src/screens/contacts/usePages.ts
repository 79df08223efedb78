/** The list's rows, page after page: each page is ONE API call (GET /v1/contacts, POST
 * /v1/contacts/search or GET /v1/segments/{id}/contacts), cursor-based. A new request starts
 * over; an answer to an older request is dropped. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Contact } from "../../api/types";
import type { ListRequest } from "./listState";

export const PAGE_SIZE = 50;

interface Page {
  items: Contact[];
  next_cursor?: string | null;
  total?: number;
}

function fetchPage(request: ListRequest, cursor: string | undefined): Promise<Page> {
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

export interface Pages {
  rows: Contact[];
  /** Every match, when the API says (search answers it). */
  total: number | null;
  more: boolean;
  status: "loading" | "ready" | "error";
  error: unknown;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
  reload: () => void;
}

export function usePages(request: ListRequest | null): Pages {
  const key = request ? JSON.stringify(request) : "";
  const [rows, setRows] = useState<Contact[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<Pages["status"]>("loading");
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);

  useEffect(() => {
    if (!request) return;
    const ticket = ++current.current;
    setStatus("loading");
    setError(null);
    setMoreError(null);
    setLoadingMore(false);
    fetchPage(request, undefined).then(
      (page) => {
        if (ticket !== current.current) return;
        setRows(page.items);
        setTotal(page.total ?? null);
        setCursor(page.next_cursor ?? null);
        setStatus("ready");
      },
      (failure) => {
        if (ticket !== current.current) return;
        setError(failure);
        setStatus("error");
      },
    );
  }, [key, generation]);

  // set at once (state updates wait for a render): the sentinel and the button may both ask
  const asking = useRef<string | null>(null);
  const loadMore = () => {
    if (!request || !cursor || loadingMore || status !== "ready" || asking.current === cursor) return;
    asking.current = cursor;
    const ticket = current.current;
    setLoadingMore(true);
    setMoreError(null);
    fetchPage(request, cursor).then(
      (page) => {
        if (ticket !== current.current) return;
        setRows((before) => {
          const seen = new Set(before.map((contact) => contact.id));
          return [...before, ...page.items.filter((contact) => !seen.has(contact.id))];
        });
        setCursor(page.next_cursor ?? null);
        setLoadingMore(false);
      },
      (failure) => {
        asking.current = null;
        if (ticket !== current.current) return;
        setMoreError(failure);
        setLoadingMore(false);
      },
    );
  };

  return {
    rows, total, more: cursor !== null, status, error, loadingMore, moreError, loadMore,
    reload: () => setGeneration((value) => value + 1),
  };
}
