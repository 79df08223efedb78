/** The jobs the user may see (GET /v1/jobs: bulk actions, imports, exports, newest first), page
 * after page, the first page asked again every few seconds while any job is queued or running,
 * and no more once none is. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, unwrap } from "../api/client";
import type { AnyJob } from "../api/types";
import { defineMessages } from "../i18n";

export const JOB_POLL_MS = 2000;

/** A job's status as people read it (an import is `created` until its file is mapped and started). */
export const jobStatusLabels = defineMessages(
  { created: "未開始", queued: "待機中", running: "実行中", succeeded: "完了", failed: "失敗" },
  { created: "Not started", queued: "Queued", running: "Running", succeeded: "Done", failed: "Failed" },
);
export type JobStatus = keyof typeof jobStatusLabels.ja;

/** Whether the job is still to change (a screen watching it asks again). */
export function isActive(job: { status: string }): boolean {
  return job.status === "queued" || job.status === "running";
}

/** A job's progress (0..1) as a whole percentage, 0 to 100: 100 only when all is done. */
export function percent(progress: number): number {
  return Math.max(0, Math.min(100, Math.floor(progress * 100)));
}

/** How often a job's own page (/imports/{id}, /exports/{id}) asks for it while it is active. */
export const WATCH_MS = 1500;

/** One job on its own page: FETCH it for KEY, then again every WATCH_MS while it is queued or
 * running (also after the screen sets a started job itself); an answer to an older ask is dropped. */
export function useWatchedJob<T extends { status: string }>(key: string, fetch: () => Promise<T>): {
  job: T | null; error: unknown; setJob: (job: T) => void; reload: () => void;
} {
  const [job, setJob] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const asked = useRef(0);
  const load = () => {
    const mine = ++asked.current;
    setError(null);
    fetch().then(
      (loaded) => { if (mine === asked.current) setJob(loaded); },
      (failure) => { if (mine === asked.current) setError(failure); },
    );
  };
  useEffect(() => {
    setJob(null);
    load();
  }, [key]);
  useEffect(() => {
    if (!job || !isActive(job)) return;
    const timer = setTimeout(load, WATCH_MS);
    return () => clearTimeout(timer);
  }, [job]);
  return { job, error, setJob, reload: load };
}

/** The jobs after the first page was asked again: FIRST, then those loaded before that it does not hold. */
export function mergeFirstPage<T extends { id: string }>(first: readonly T[], loaded: readonly T[]): T[] {
  const fresh = new Set(first.map((job) => job.id));
  return [...first, ...loaded.filter((job) => !fresh.has(job.id))];
}

export interface Jobs {
  items: AnyJob[] | null;
  error: unknown;
  more: boolean;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
  reload: () => void;
  polling: boolean;
}

export function useJobs(limit: number): Jobs {
  const [items, setItems] = useState<AnyJob[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const [polling, setPolling] = useState(false);
  const loaded = useRef<AnyJob[]>([]);
  const paged = useRef(false);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      try {
        const page = await unwrap(api.GET("/v1/jobs", { params: { query: { limit } } }));
        if (stopped) return;
        const merged = mergeFirstPage(page.items, loaded.current);
        loaded.current = merged;
        setItems(merged);
        if (!paged.current) setCursor(page.next_cursor ?? null);
        setError(null);
        const active = merged.some(isActive);
        setPolling(active);
        if (active) timer = setTimeout(refresh, JOB_POLL_MS);
      } catch (failure) {
        if (stopped) return;
        setError(failure);
        setPolling(false);
      }
    };
    refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [limit, generation]);

  const loadMore = () => {
    if (!cursor || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    unwrap(api.GET("/v1/jobs", { params: { query: { limit, cursor } } })).then(
      (page) => {
        paged.current = true;
        loaded.current = mergeFirstPage(loaded.current, page.items);
        setItems(loaded.current);
        setCursor(page.next_cursor ?? null);
        setLoadingMore(false);
      },
      (failure) => {
        setMoreError(failure);
        setLoadingMore(false);
      },
    );
  };

  return {
    items, error, more: cursor !== null, loadingMore, moreError, loadMore, polling,
    reload: () => setGeneration((value) => value + 1),
  };
}
