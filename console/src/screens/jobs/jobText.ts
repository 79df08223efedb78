/** What the jobs table says of a job: its kind, its counts. Pure. */
import type { AnyJob } from "../../api/types";

export type JobKind = "bulk_action" | "bulk_email" | "import" | "export";

export function kindOf(job: Pick<AnyJob, "type">): JobKind {
  return job.type === "import" || job.type === "export" || job.type === "bulk_email" ? job.type : "bulk_action";
}

/** An email to a selection's counts, in the order they are shown: the sent, then each skip reason. */
export const BULK_EMAIL_COUNTS = ["sent", "scheduled", "failed", "no_email", "empty_merge_field", "delivery_status", "opted_out", "not_found"] as const;

/** The counts of a job by kind, each [message key, value]: a bulk action's outcomes, an email to a
 * selection's sent and skipped (those above zero), an import's
 * rows, an export's rows (while running: those written so far). */
export function jobCounts(job: AnyJob): [string, number][] {
  const loose = job as Record<string, unknown>;
  const number = (name: string) => (typeof loose[name] === "number" ? (loose[name] as number) : 0);
  switch (kindOf(job)) {
    case "bulk_action": {
      const counts = (loose.counts ?? {}) as Record<string, number>;
      return [["ok", counts.ok ?? 0], ["not_found", counts.not_found ?? 0], ["forbidden", counts.forbidden ?? 0]];
    }
    case "bulk_email": {
      const counts = (loose.counts ?? {}) as Record<string, number>;
      return BULK_EMAIL_COUNTS.filter((name) => name === "sent" || (counts[name] ?? 0) > 0)
        .map((name) => [`email_${name}`, counts[name] ?? 0]);
    }
    case "import":
      return [["created", number("created")], ["updated", number("updated")], ["skipped", number("skipped")], ["failedRows", number("failed")]];
    case "export":
      return [["rows", typeof loose.row_count === "number" ? (loose.row_count as number) : number("rows_written")]];
  }
}

/** The job's detail page, if it has one (the bulk actions and emails have none). */
export function detailHref(job: AnyJob): string | null {
  const kind = kindOf(job);
  return kind === "bulk_action" || kind === "bulk_email" ? null : `/${kind}s/${job.id}`;
}
