/** /imports/{id}: until the import starts, its file's preview and the column mapping; then the
 * job watched while it runs (GET /v1/imports/{id} every 1.5 s), its counts and its failed rows. */
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Import } from "../../api/types";
import { useMessages } from "../../i18n";
import { Loading, LoadError } from "../../ui/states";
import { isRunning } from "./importRules";
import { Mapping } from "./Mapping";
import { importWords } from "./messages";
import { Result } from "./Result";

const POLL_MS = 1500;

export function ImportPage({ id }: { id: string }) {
  const t = useMessages(importWords);
  const [job, setJob] = useState<Import | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/v1/imports/{id}", { params: { path: { id } } })).then(setJob, setError);
  };
  useEffect(load, [id]);
  useEffect(() => {
    if (!job || !isRunning(job.status)) return;
    const timer = setTimeout(load, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  const started = job !== null && job.status !== "created";
  useEffect(() => {
    // the step's controls are gone (アップロード, インポート開始): focus goes to the page's heading, not to the start
    const focused = document.activeElement;
    if (!focused || focused === document.body || !focused.isConnected) document.getElementById("import-heading")?.focus();
  }, [started]);
  return (
    <section class="imports">
      <h1 id="import-heading" tabIndex={-1}>{t("title")}</h1>
      {error ? <LoadError error={error} retry={load} />
        : !job ? <Loading />
        : job.status === "created" ? <Mapping id={id} onStarted={setJob} /> : <Result job={job} />}
    </section>
  );
}

export function StatusBadge({ status }: { status: Import["status"] }) {
  const t = useMessages(importWords);
  return <span class={`import-status import-${status}`}>{t(`status_${status}`)}</span>;
}
