/** The bar of bulk actions over the selected contacts, and the dialog that runs one: its
 * parameters, then the answer (at once for up to 100 ids) or the job's progress, polled every
 * second until it ends, with its counts. */
import { FormActions } from "../../ui/forms";
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Job, Member } from "../../api/types";
import { useMessages } from "../../i18n";
import { bulkActionLabels } from "../../lib/bulkActions";
import { STATUSES, statusLabels, type Status } from "../../lib/fields";
import { memberGroups } from "../../lib/reference";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { bulkBody, outcomeOf, type BulkAction, type Outcome, type Selection } from "./bulk";
import { BulkEmailDialog } from "./BulkEmailDialog";
import { messages } from "./messages";

const POLL_MS = 1000;

export function BulkBar({ count, total, matching, actions, selection, members, tagNames, onClear, onDone, onExport }: {
  count: number;
  total: number | null;
  matching: boolean;
  actions: BulkAction[];
  selection: Selection;
  members: Member[];
  tagNames: string[];
  onClear: () => void;
  onDone: () => void;
  /** Opens /exports with the selection (for the roles that may export). */
  onExport?: () => void;
}) {
  const t = useMessages(messages);
  const label = useMessages(bulkActionLabels);
  const [action, setAction] = useState<BulkAction | null>(null);
  const [emailing, setEmailing] = useState(false);
  const summary = matching
    ? total === null ? t("selectedMatching") : t("selectedMatchingTotal", { total })
    : t("selected", { count });
  return (
    <section class="bulk-bar" aria-label={t("bulkActions")}>
      <p class="bulk-count" role="status">{summary}</p>
      <div class="actions">
        {actions.map((name) => (
          <button type="button" key={name} class={name === "delete" ? "danger" : undefined} onClick={() => setAction(name)}>
            {label(name)}
          </button>
        ))}
        <button type="button" onClick={() => setEmailing(true)}>{t("emailAction")}</button>
        {onExport && <button type="button" onClick={onExport}>{t("export")}</button>}
        <button type="button" class="link" onClick={onClear}>{t("clearSelection")}</button>
      </div>
      {action && (
        <BulkDialog action={action} count={count} matching={matching} selection={selection} members={members} tagNames={tagNames}
          onClose={(finished) => {
            setAction(null);
            if (finished) onClear();
          }} onDone={onDone} />
      )}
      {emailing && (
        <BulkEmailDialog count={count} matching={matching} selection={selection} onDone={onDone}
          onClose={(finished) => {
            setEmailing(false);
            if (finished) onClear();
          }} />
      )}
    </section>
  );
}

type Run =
  | { state: "editing" }
  | { state: "running"; job: Job | null }
  | { state: "done"; outcome: Outcome }
  | { state: "failed"; error: string };

function BulkDialog({ action, count, matching, selection, members, tagNames, onClose, onDone }: {
  action: BulkAction;
  count: number;
  matching: boolean;
  selection: Selection;
  members: Member[];
  tagNames: string[];
  /** FINISHED: the action ran (the selection is then cleared). */
  onClose: (finished: boolean) => void;
  onDone: () => void;
}) {
  const t = useMessages(messages);
  const status = useMessages(statusLabels);
  const [run, setRun] = useState<Run>({ state: "editing" });
  const [refusal, setRefusal] = useState<unknown>(null);
  const [input, setInput] = useState({ tags: "", status: "new" as Status, owner: "", group: "" });
  const groups = memberGroups.use();

  const jobId = run.state === "running" ? run.job?.id : undefined;
  useEffect(() => {
    if (!jobId) return;
    let stopped = false;
    const poll = async () => {
      if (stopped) return;
      try {
        const job = (await unwrap(api.GET("/v1/jobs/{id}", { params: { path: { id: jobId } } }))) as Job;
        if (stopped) return;
        if (job.status === "succeeded") {
          setRun({ state: "done", outcome: { ...job.counts, errors: [] } });
          onDone();
        } else if (job.status === "failed") {
          setRun({ state: "failed", error: job.error ?? "" });
          onDone();
        } else {
          setRun({ state: "running", job });
          timer = setTimeout(poll, POLL_MS);
        }
      } catch (failure) {
        if (!stopped) setRun({ state: "failed", error: failure instanceof Error ? failure.message : String(failure) });
      }
    };
    let timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId]);

  async function submit(event: Event) {
    event.preventDefault();
    setRefusal(null);
    setRun({ state: "running", job: null });
    try {
      const answer = await unwrap(api.POST("/v1/contacts/bulk", { body: bulkBody(selection, action, input) }));
      if ("results" in answer) {
        setRun({ state: "done", outcome: outcomeOf(answer.results) });
        onDone();
      } else {
        setRun({ state: "running", job: answer as Job });
      }
    } catch (failure) {
      setRefusal(failure);
      setRun({ state: "editing" });
    }
  }

  const title = useMessages(bulkActionLabels)(action);
  const job = run.state === "running" ? run.job : null;
  return (
    <Dialog title={title} onClose={() => onClose(run.state === "done" || run.state === "failed")}>
      {run.state === "editing" && (
        <form onSubmit={submit} noValidate>
          <p>{matching ? t("selectedMatching") : t("selected", { count })}</p>
          {(action === "add_tags" || action === "remove_tags") && (
            <div class="field">
              <label for="bulk-tags">{t("tagsInput")}</label>
              <input id="bulk-tags" value={input.tags} required list="bulk-tag-names"
                onInput={(event) => setInput({ ...input, tags: (event.currentTarget as HTMLInputElement).value })} />
              <datalist id="bulk-tag-names">
                {tagNames.map((name) => <option key={name} value={name} />)}
              </datalist>
            </div>
          )}
          {action === "set_status" && (
            <div class="field">
              <label for="bulk-status">{t("newStatus")}</label>
              <select id="bulk-status" value={input.status}
                onChange={(event) => setInput({ ...input, status: (event.currentTarget as HTMLSelectElement).value as Status })}>
                {STATUSES.map((code) => <option key={code} value={code}>{status(code)}</option>)}
              </select>
            </div>
          )}
          {action === "set_owner" && (
            <div class="field">
              <label for="bulk-owner">{t("newOwner")}</label>
              <select id="bulk-owner" value={input.owner}
                onChange={(event) => setInput({ ...input, owner: (event.currentTarget as HTMLSelectElement).value })}>
                <option value="">{t("ownerless")}</option>
                {members.map((member) => <option key={member.id} value={member.id}>{member.name || member.email}</option>)}
              </select>
            </div>
          )}
          {(action === "add_to_group" || action === "remove_from_group") && (
            <div class="field">
              <label for="bulk-group">{t("groupInput")}</label>
              <select id="bulk-group" value={input.group} required
                onChange={(event) => setInput({ ...input, group: (event.currentTarget as HTMLSelectElement).value })}>
                <option value="">{groups ? t("groupChoose") : t("groupLoading")}</option>
                {(groups ?? []).map((group) => <option key={group.id} value={group.id}>{group.name}</option>)}
              </select>
            </div>
          )}
          {action === "delete" && (
            <p class="warning">{matching ? t("confirmDeleteMatching") : t("confirmDelete", { count })}</p>
          )}
          <ErrorSummary error={refusal} />
          <FormActions label={t("run")} danger={action === "delete"} onCancel={() => onClose(false)} />
        </form>
      )}
      {run.state === "running" && (
        <div role="status" aria-live="polite">
          <p>{t("running")}</p>
          <label for="bulk-progress">{t("progress")}</label>{" "}
          <progress id="bulk-progress" max={1} value={job ? job.progress : undefined} />
          {job && job.total !== null && job.total !== undefined && (
            <p>{t("progressText", { processed: job.processed, total: job.total })}</p>
          )}
        </div>
      )}
      {run.state === "done" && (
        <div>
          <p role="status">{t("done", { ok: run.outcome.ok, not_found: run.outcome.not_found, forbidden: run.outcome.forbidden })}</p>
          {run.outcome.errors.length > 0 && (
            <>
              <h3>{t("errorsTitle")}</h3>
              <ul class="bulk-errors">
                {run.outcome.errors.slice(0, 50).map((item) => <li key={item.id}><code>{item.id}</code> {item.error}</li>)}
              </ul>
            </>
          )}
          <button type="button" class="primary" onClick={() => onClose(true)}>{t("close")}</button>
        </div>
      )}
      {run.state === "failed" && (
        <div>
          <p role="alert" class="field-error">{t("failed", { error: run.error })}</p>
          <button type="button" onClick={() => onClose(true)}>{t("close")}</button>
        </div>
      )}
    </Dialog>
  );
}
