/** A started import: its status and progress (a live region while it runs), the counts, and each
 * failed row (line, column, message) with "エラー行をダウンロード" (a CSV built here). */
import type { Import } from "../../api/types";
import { formatNumber, useMessages } from "../../i18n";
import { download as save } from "../../lib/download";
import { isActive, percent } from "../../lib/jobs";
import { JobStatusBadge } from "../../ui/JobStatusBadge";
import { Empty } from "../../ui/states";
import { errorRowsCsv } from "./importRules";
import { importWords } from "./messages";

export function Result({ job }: { job: Import }) {
  const t = useMessages(importWords);
  const done = percent(job.progress);
  const failed = job.failed ?? 0;
  const download = () => {
    const csv = errorRowsCsv(job.errors, [t("line"), t("errorColumn"), t("message")]);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
    save(url, `import-errors-${job.id}.csv`);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <>
      <section aria-labelledby="import-result-heading">
        <h2 id="import-result-heading">{t("resultHeading")}</h2>
        <div class="import-progress" role="status" aria-live="polite">
          <JobStatusBadge status={job.status} />
          <label for="import-progress-bar">{t("progress")}</label>
          <progress id="import-progress-bar" max={100} value={done} />
          <span>{t("progressText", { percent: done, rows: job.rows ?? 0 })}</span>
        </div>
        {job.status === "failed" && job.error && <p class="error-summary" role="alert">{t("jobFailed", { error: job.error })}</p>}
        <dl class="import-counts">
          <div><dt>{t("created")}</dt><dd>{formatNumber(job.created)}</dd></div>
          <div><dt>{t("updated")}</dt><dd>{formatNumber(job.updated)}</dd></div>
          <div><dt>{t("skipped")}</dt><dd>{formatNumber(job.skipped)}</dd></div>
          <div class={failed ? "import-count-failed" : ""}><dt>{t("failed")}</dt><dd>{formatNumber(failed)}</dd></div>
        </dl>
      </section>
      <section aria-labelledby="import-errors-heading">
        <h2 id="import-errors-heading">{t("failedRows")}</h2>
        {job.errors.length === 0 ? (
          !isActive(job) && <Empty title={t("noErrors")} />
        ) : (
          <>
            <div class="actions">
              <button type="button" onClick={download}>{t("download")}</button>
            </div>
            {job.errors_truncated && <p class="notice">{t("truncated")}</p>}
            <table class="data import-errors">
              <caption class="visually-hidden">{t("failedCaption")}</caption>
              <thead>
                <tr><th scope="col" class="numeric">{t("line")}</th><th scope="col">{t("errorColumn")}</th><th scope="col">{t("message")}</th></tr>
              </thead>
              <tbody>
                {job.errors.map((error, index) => (
                  <tr key={`${error.row}:${index}`}>
                    <td class="numeric">{formatNumber(error.row)}</td>
                    <td>{error.column ?? ""}</td>
                    <td>{error.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      {!isActive(job) && (
        <p class="actions">
          <a class="button" href="/imports">{t("another")}</a>
          <a class="button" href="/contacts">{t("viewContacts")}</a>
        </p>
      )}
    </>
  );
}
