/** A job's status as a badge, the same words and colours for a bulk action, an import and an export. */
import { useMessages } from "../i18n";
import { jobStatusLabels, type JobStatus } from "../lib/jobs";

export function JobStatusBadge({ status }: { status: string }) {
  const t = useMessages(jobStatusLabels);
  return <span class={`job-status job-${status}`}>{t(status as JobStatus)}</span>;
}
