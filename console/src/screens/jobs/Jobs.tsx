/** /jobs (SATORI's ジョブ確認): every bulk action, import and export the user may see (GET
 * /v1/jobs; owners and admins see the team's), newest first, with status, progress, counts,
 * errors, who and when; asked again every two seconds while one runs, and no more after. */
import { formatDateTime, formatNumber, useLanguage, useMessages } from "../../i18n";
import { bulkActionLabels, type BulkActionName } from "../../lib/bulkActions";
import { percent, useJobs } from "../../lib/jobs";
import { memberNames, useMembers } from "../../lib/members";
import type { AnyJob } from "../../api/types";
import { JobStatusBadge } from "../../ui/JobStatusBadge";
import { Empty, LoadedList, LoadError } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { detailHref, jobCounts, kindOf } from "./jobText";
import { messages, type MessageKey } from "./messages";

const PAGE = 50;

export function Jobs() {
  const t = useMessages(messages);
  usePageTitle(t("title"));
  const jobs = useJobs(PAGE);
  return (
    <section class="jobs">
      <h1>{t("title")}</h1>
      <p class="muted jobs-intro">{t("intro")}</p>
      <p class="muted" role="status" aria-live="polite">{jobs.polling ? t("polling") : ""}</p>
      <LoadedList items={jobs.items} error={jobs.error} retry={jobs.reload}
        empty={<Empty title={t("empty")}><p>{t("emptyHelp")}</p></Empty>}>
        {(items) => <JobsTable jobs={items} />}
      </LoadedList>
      {jobs.items && jobs.more && (
        <div class="jobs-more">
          <button type="button" onClick={jobs.loadMore} disabled={jobs.loadingMore}>{jobs.loadingMore ? t("loadingMore") : t("loadMore")}</button>
          {jobs.moreError !== null && <LoadError error={jobs.moreError} retry={jobs.loadMore} />}
        </div>
      )}
    </section>
  );
}

function JobsTable({ jobs }: { jobs: AnyJob[] }) {
  const t = useMessages(messages);
  const action = useMessages(bulkActionLabels);
  const lang = useLanguage();
  const names = memberNames(useMembers());
  const kindText = (job: AnyJob) => {
    const kind = kindOf(job);
    if (kind !== "bulk_action") return t(kind);
    const name = (job as { action?: string | null }).action;
    return name && name in bulkActionLabels.ja ? t("bulkOf", { action: action(name as BulkActionName) }) : t("bulk_action");
  };
  return (
    <div class="table-scroll">
      <table class="jobs-table">
        <thead>
          <tr>
            <th scope="col">{t("colStarted")}</th>
            <th scope="col">{t("colKind")}</th>
            <th scope="col">{t("colStatus")}</th>
            <th scope="col">{t("colProgress")}</th>
            <th scope="col">{t("colCounts")}</th>
            <th scope="col">{t("colErrors")}</th>
            <th scope="col">{t("colBy")}</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const href = detailHref(job);
            const started = formatDateTime(job.created_at, lang);
            const loose = job as { total?: number | null; processed?: number; errors?: unknown[]; error?: string | null };
            return (
              <tr key={job.id} class="job-row">
                <td>{href ? <a href={href}>{started}</a> : started}</td>
                <td>{kindText(job)}</td>
                <td><JobStatusBadge status={job.status} /></td>
                <td class="job-progress">
                  <progress max={1} value={job.progress ?? 0} aria-label={t("progressOf", { kind: kindText(job), time: started })} />
                  <span>{percent(job.progress ?? 0)}%</span>
                  {(kindOf(job) === "bulk_action" || kindOf(job) === "bulk_email") && typeof loose.total === "number" && (
                    <span class="muted"> {t("processed", { processed: formatNumber(loose.processed ?? 0, lang), total: formatNumber(loose.total, lang) })}</span>
                  )}
                </td>
                <td>{jobCounts(job).map(([key, value]) => t(key as MessageKey, { count: formatNumber(value, lang) })).join(t("separator"))}</td>
                <td>
                  {loose.error && <p class="job-error">{loose.error}</p>}
                  {kindOf(job) === "import" && (loose.errors?.length ?? 0) > 0 && (
                    <p class="job-error">{t("rowErrors", { count: formatNumber(loose.errors!.length, lang) })}</p>
                  )}
                </td>
                <td>{(job.created_by && names[job.created_by]) || t("unknownMember")}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
