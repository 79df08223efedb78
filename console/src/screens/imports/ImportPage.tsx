/** /imports/{id}: until the import starts, its file's preview and the column mapping; then the
 * job watched while it runs (GET /v1/imports/{id} every 1.5 s), its counts and its failed rows. */
import { useEffect } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Import } from "../../api/types";
import { useMessages } from "../../i18n";
import { useWatchedJob } from "../../lib/jobs";
import { Loading, LoadError } from "../../ui/states";
import { Mapping } from "./Mapping";
import { importWords } from "./messages";
import { Result } from "./Result";

export function ImportPage({ id }: { id: string }) {
  const t = useMessages(importWords);
  const { job, error, setJob, reload } = useWatchedJob<Import>(id, () =>
    unwrap(api.GET("/v1/imports/{id}", { params: { path: { id } } })));
  const started = job !== null && job.status !== "created";
  useEffect(() => {
    // the step's controls are gone (アップロード, インポート開始): focus goes to the page's heading, not to the start
    const focused = document.activeElement;
    if (!focused || focused === document.body || !focused.isConnected) document.getElementById("import-heading")?.focus();
  }, [started]);
  return (
    <section class="imports">
      <h1 id="import-heading" tabIndex={-1}>{t("title")}</h1>
      {error ? <LoadError error={error} retry={reload} />
        : !job ? <Loading />
        : job.status === "created" ? <Mapping id={id} onStarted={setJob} /> : <Result job={job} />}
    </section>
  );
}
