/** A list read page after page, each page ONE API call, cursor-based: the contacts list, a mail
 * folder. Another list (a new KEY) starts over and shows its loading state; the same list asked
 * again (REFRESH, reload) keeps its rows until the new first page arrives; an answer to an older
 * request is dropped, and a row a later page repeats is shown once. */
import { useEffect, useRef, useState } from "preact/hooks";

export interface CursorPage<T> {
  items: T[];
  next_cursor?: string | null;
  total?: number;
}

export interface CursorPages<T> {
  rows: T[];
  /** Every match, when the API says (a search answers it). */
  total: number | null;
  more: boolean;
  status: "loading" | "ready" | "error";
  error: unknown;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
  reload: () => void;
}

/** KEY's pages (null: nothing to ask yet), each from FETCH_PAGE(cursor); REFRESH changes when the
 * list changed on the server (a deletion, a cancellation). */
export function useCursorPages<T extends { id: string }>(
  key: string | null,
  fetchPage: (cursor: string | null) => Promise<CursorPage<T>>,
  refresh = 0,
): CursorPages<T> {
  const [rows, setRows] = useState<T[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<CursorPages<T>["status"]>("loading");
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const ticket = useRef(0);
  const shown = useRef<string | null>(null);
  // set at once (state updates wait for a render): a scroll sentinel and a button may both ask
  const asking = useRef<string | null>(null);

  useEffect(() => {
    if (key === null) return;
    const mine = ++ticket.current;
    if (shown.current !== key) setStatus("loading");
    setError(null);
    setMoreError(null);
    setLoadingMore(false);
    asking.current = null;
    fetchPage(null).then(
      (page) => {
        if (mine !== ticket.current) return;
        shown.current = key;
        setRows(page.items);
        setTotal(page.total ?? null);
        setCursor(page.next_cursor ?? null);
        setStatus("ready");
      },
      (failure) => {
        if (mine !== ticket.current) return;
        shown.current = null;
        setError(failure);
        setStatus("error");
      },
    );
  }, [key, refresh, generation]);

  const loadMore = () => {
    if (key === null || !cursor || loadingMore || status !== "ready" || asking.current === cursor) return;
    asking.current = cursor;
    const mine = ticket.current;
    setLoadingMore(true);
    setMoreError(null);
    fetchPage(cursor).then(
      (page) => {
        if (mine !== ticket.current) return;
        setRows((before) => {
          const seen = new Set(before.map((row) => row.id));
          return [...before, ...page.items.filter((row) => !seen.has(row.id))];
        });
        setCursor(page.next_cursor ?? null);
        setLoadingMore(false);
      },
      (failure) => {
        asking.current = null;
        if (mine !== ticket.current) return;
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
