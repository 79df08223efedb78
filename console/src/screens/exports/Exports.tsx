/** /exports and /exports/{id} (the seeds' 顧客リストのエクスポート / SATORI's CSV出力): the form,
 * or one export's progress and download; below, the user's recent exports. The jobs are read in
 * one call (GET /v1/jobs), which also tells when the user's next export is allowed. */
import { formatDateTime, formatNumber, useLanguage, useMessages } from "../../i18n";
import { useMe } from "../../lib/account";
import { useJobs } from "../../lib/jobs";
import { JobStatusBadge } from "../../ui/JobStatusBadge";
import { Empty, LoadError } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import type { AnyJob } from "../../api/types";
import { ExportStatus } from "./ExportStatus";
import { messages } from "./messages";
import { NewExport } from "./NewExport";

/** Enough of the newest jobs to hold the user's latest export of the last 30 minutes. */
const JOBS_READ = 200;
const RECENT_SHOWN = 10;

export function Exports({ id }: { id?: string }) {
  const t = useMessages(messages);
  usePageTitle(t("title"));
  return (
    <section class="exports">
      <h1>{t("title")}</h1>
      {id ? (
        <>
          <p><a href="/exports">{t("backToExports")}</a></p>
          <ExportStatus id={id} />
        </>
      ) : (
        <ExportsHome />
      )}
    </section>
  );
}

function ExportsHome() {
  const t = useMessages(messages);
  const me = useMe();
  const jobs = useJobs(JOBS_READ);
  const mine = (jobs.items ?? []).filter((job) => job.type === "export" && job.created_by === me?.id);
  return (
    <>
      <p class="muted">{t("intro")}</p>
      {jobs.error ? <LoadError error={jobs.error} retry={jobs.reload} /> : <NewExport jobs={jobs.items} />}
      {jobs.items && <RecentExports jobs={mine.slice(0, RECENT_SHOWN)} />}
    </>
  );
}

function RecentExports({ jobs }: { jobs: AnyJob[] }) {
  const t = useMessages(messages);
  const lang = useLanguage();
  return (
    <section class="recent-exports" aria-labelledby="recent-exports-heading">
      <h2 id="recent-exports-heading">{t("recent")}</h2>
      {jobs.length === 0 ? <Empty title={t("recentEmpty")} /> : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("colStarted")}</th>
              <th scope="col">{t("colFormat")}</th>
              <th scope="col">{t("colStatus")}</th>
              <th scope="col">{t("colRows")}</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => {
              const exported = job as AnyJob & { format?: string; password_protected?: boolean; row_count?: number | null; rows_written?: number };
              const rows = exported.row_count ?? exported.rows_written;
              return (
                <tr key={job.id}>
                  <td><a href={`/exports/${job.id}`}>{formatDateTime(job.created_at, lang)}</a></td>
                  <td>{exported.format === "xlsx" ? t("xlsx") : t("csv")}{exported.password_protected && ` · ${t("protected")}`}</td>
                  <td><JobStatusBadge status={job.status} /></td>
                  <td class="number">{rows === null || rows === undefined ? "" : t("rows", { count: formatNumber(rows, lang) })}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
