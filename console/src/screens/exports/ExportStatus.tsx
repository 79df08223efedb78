/** /exports/{id}: the export's progress (watched while it is queued or running: lib/jobs), then its download while the 24 hours last, why it is gone after, or why it failed. */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Export } from "../../api/types";
import { formatDateTime, formatNumber, useLanguage, useMessages } from "../../i18n";
import { download as save } from "../../lib/download";
import { isActive, percent, useWatchedJob } from "../../lib/jobs";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { JobStatusBadge } from "../../ui/JobStatusBadge";
import { Loading, LoadError } from "../../ui/states";
import { downloadable } from "./exportForm";
import { messages } from "./messages";

export function ExportStatus({ id }: { id: string }) {
  const t = useMessages(messages);
  const lang = useLanguage();
  const { job, error, reload } = useWatchedJob<Export>(id, async () =>
    (await unwrap(api.GET("/v1/exports/{id}", { params: { path: { id } } }))) as Export);
  const [downloading, setDownloading] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [gone, setGone] = useState(false);

  useEffect(() => {
    setGone(false);
    setRefusal(null);
  }, [id]);

  async function download() {
    setDownloading(true);
    setRefusal(null);
    try {
      const link = await unwrap(api.GET("/v1/exports/{id}/download", {
        params: { path: { id } }, headers: { Accept: "application/json" },
      }));
      save(link.url);  // answered as an attachment: the page stays
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 410) setGone(true);
      setRefusal(failure);
    } finally {
      setDownloading(false);
    }
  }

  if (error) return <LoadError error={error} retry={reload} />;
  if (!job) return <Loading />;
  const rows = job.row_count ?? job.rows_written ?? 0;
  const available = !gone && downloadable(job.expires_at, new Date());
  return (
    <section class="export-status" aria-labelledby="export-status-heading">
      <h2 id="export-status-heading">{t("detailTitle")}</h2>
      <dl class="export-facts">
        <dt>{t("colStarted")}</dt>
        <dd>{formatDateTime(job.created_at, lang)}</dd>
        <dt>{t("colFormat")}</dt>
        <dd>
          {job.format === "xlsx" ? t("xlsx") : `${t("csv")} · ${t(`enc_${(job.encoding ?? "utf-8-bom") as "cp932" | "utf-8-bom" | "utf-8"}`)}`}
          {job.password_protected && ` · ${t("protected")}`}
        </dd>
        <dt>{t("colStatus")}</dt>
        <dd><JobStatusBadge status={job.status} /></dd>
      </dl>

      {isActive(job) && (
        <div class="export-progress">
          <label for="export-progress">{t("progress")}</label>
          <progress id="export-progress" max={1} value={job.progress} aria-valuetext={`${percent(job.progress)}%`} />
          <p role="status" aria-live="polite">
            {job.status === "queued" ? t("waiting") : t("written", { count: formatNumber(job.rows_written ?? 0, lang) })}
          </p>
        </div>
      )}

      {job.status === "succeeded" && (
        <div class="export-done">
          <p role="status">{t("done", { count: formatNumber(rows, lang) })}</p>
          {(job.replaced_characters ?? 0) > 0 && <p class="export-replaced">{t("replaced", { count: job.replaced_characters ?? 0 })}</p>}
          {available ? (
            <>
              <div class="actions">
                <button type="button" class="primary" onClick={download} disabled={downloading}>
                  {downloading ? t("downloading") : t("download")}
                </button>
              </div>
              <p class="muted">{t("expiresAt", { time: formatDateTime(job.expires_at, lang) })}</p>
            </>
          ) : (
            <p class="notice" role="note">{t("gone", { time: formatDateTime(job.expires_at, lang) })}</p>
          )}
          <ErrorSummary error={refusal} />
        </div>
      )}

      {job.status === "failed" && <p class="field-error" role="alert">{t("failed", { error: job.error ?? "" })}</p>}
    </section>
  );
}
