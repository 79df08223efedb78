/** A mail folder, page after page: each page is ONE call of GET /v1/emails?folder=…, cursor-based.
 * Another folder (or a reload) starts over; an answer to an older request is dropped. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Email } from "../../api/types";
import type { Folder } from "./mailView";

export const PAGE_SIZE = 50;

export interface FolderPages {
  rows: Email[];
  status: "loading" | "ready" | "error";
  error: unknown;
  more: boolean;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
}

const fetchPage = (folder: Folder, cursor: string | null) =>
  unwrap(api.GET("/v1/emails", { params: { query: { folder, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }));

/** FOLDER's emails; VERSION changes when something in it changed (a deletion, a cancellation). */
export function useFolder(folder: Folder | null, version: number, retry: number): FolderPages {
  const [rows, setRows] = useState<Email[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<FolderPages["status"]>("loading");
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const ticket = useRef(0);
  const shown = useRef<Folder | null>(null);

  useEffect(() => {
    if (!folder) return;
    const mine = ++ticket.current;
    // another folder shows its loading state; a reload of the same one keeps its rows meanwhile
    if (shown.current !== folder) setStatus("loading");
    setError(null);
    setMoreError(null);
    setLoadingMore(false);
    fetchPage(folder, null).then(
      (page) => {
        if (mine !== ticket.current) return;
        shown.current = folder;
        setRows(page.items);
        setCursor(page.next_cursor);
        setStatus("ready");
      },
      (failure) => {
        if (mine !== ticket.current) return;
        shown.current = null;
        setError(failure);
        setStatus("error");
      },
    );
  }, [folder, version, retry]);

  const loadMore = () => {
    if (!folder || !cursor || loadingMore) return;
    const mine = ticket.current;
    setLoadingMore(true);
    setMoreError(null);
    fetchPage(folder, cursor).then(
      (page) => {
        if (mine !== ticket.current) return;
        setRows((before) => {
          const seen = new Set(before.map((email) => email.id));
          return [...before, ...page.items.filter((email) => !seen.has(email.id))];
        });
        setCursor(page.next_cursor);
        setLoadingMore(false);
      },
      (failure) => {
        if (mine !== ticket.current) return;
        setMoreError(failure);
        setLoadingMore(false);
      },
    );
  };

  return { rows, status, error, more: cursor !== null, loadingMore, moreError, loadMore };
}
