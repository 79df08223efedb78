/** "メールを送信" from the list's bulk bar (seed 002): one email to each selected contact, merged
 * with its fields (POST /v1/emails/bulk). A template or a subject and body; プレビュー shows the
 * first recipients merged and how many would be skipped, and why (POST /v1/emails/bulk/preview);
 * 送信 starts the job, watched until it ends with its counts. */
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { BulkEmailJob, BulkEmailPreview, EmailTemplate } from "../../api/types";
import { formatNumber, useLanguage, useMessages } from "../../i18n";
import { isActive, useWatchedJob } from "../../lib/jobs";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { FormActions } from "../../ui/forms";
import { bulkEmailBody, SKIP_REASONS, type BulkEmailInput, type SkipReason } from "./bulkEmail";
import type { Selection } from "./bulk";
import { messages } from "./messages";

const SKIP_TEXT: Record<SkipReason, "emailSkipNoEmail" | "emailSkipEmptyMergeField" | "emailSkipDeliveryStatus" | "emailSkipOptedOut" | "emailSkipNotFound"> = {
  no_email: "emailSkipNoEmail",
  empty_merge_field: "emailSkipEmptyMergeField",
  delivery_status: "emailSkipDeliveryStatus",
  opted_out: "emailSkipOptedOut",
  not_found: "emailSkipNotFound",
};

export function BulkEmailDialog({ count, matching, selection, onClose, onDone }: {
  count: number;
  matching: boolean;
  selection: Selection;
  /** FINISHED: the job was started (the selection is then cleared). */
  onClose: (finished: boolean) => void;
  onDone: () => void;
}) {
  const t = useMessages(messages);
  const [templates, setTemplates] = useState<EmailTemplate[] | null>(null);
  const [input, setInput] = useState<BulkEmailInput>({ templateId: "", subject: "", body: "" });
  const [preview, setPreview] = useState<BulkEmailPreview | null>(null);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);

  useEffect(() => {
    unwrap(api.GET("/v1/email-templates")).then((page) => setTemplates(page.items), () => setTemplates([]));
  }, []);

  const update = (change: Partial<BulkEmailInput>) => {
    setInput({ ...input, ...change });
    setPreview(null);
  };

  async function ask(path: "/v1/emails/bulk/preview" | "/v1/emails/bulk") {
    setRefusal(null);
    setBusy(true);
    try {
      const body = bulkEmailBody(selection, input);
      if (path === "/v1/emails/bulk/preview") {
        setPreview(await unwrap(api.POST("/v1/emails/bulk/preview", { body })));
      } else {
        const job = (await unwrap(api.POST("/v1/emails/bulk", { body }))) as BulkEmailJob;
        setJobId(job.id);
      }
    } catch (failure) {
      setRefusal(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("emailTitle")} wide onClose={() => onClose(jobId !== null)}>
      {jobId === null ? (
        <form noValidate onSubmit={(event) => { event.preventDefault(); ask("/v1/emails/bulk"); }}>
          <p>{matching ? t("selectedMatching") : t("selected", { count })}</p>
          <div class="field">
            <label for="bulk-email-template">{t("emailTemplate")}</label>
            <select id="bulk-email-template" value={input.templateId} disabled={templates === null}
              onChange={(event) => {
                const id = (event.currentTarget as HTMLSelectElement).value;
                const template = templates?.find((item) => item.id === id);
                update(template ? { templateId: id, subject: template.subject, body: template.body_text } : { templateId: "" });
              }}>
              <option value="">{templates === null ? t("emailLoadingTemplates") : t("emailNoTemplate")}</option>
              {(templates ?? []).map((template) => <option key={template.id} value={template.id}>{template.name}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="bulk-email-subject">{t("emailSubject")}</label>
            <input id="bulk-email-subject" value={input.subject} required
              onInput={(event) => update({ subject: (event.currentTarget as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for="bulk-email-body">{t("emailBody")}</label>
            <textarea id="bulk-email-body" rows={8} value={input.body} required
              onInput={(event) => update({ body: (event.currentTarget as HTMLTextAreaElement).value })} />
            <p class="muted hint">{t("emailMergeHint")}</p>
          </div>
          <ErrorSummary error={refusal} />
          {preview && <PreviewResult preview={preview} />}
          <div class="actions">
            <button type="button" onClick={() => ask("/v1/emails/bulk/preview")} disabled={busy}>{t("emailPreview")}</button>
          </div>
          <FormActions label={t("emailSend")} busy={busy} busyLabel={t("emailStarting")} onCancel={() => onClose(false)} />
        </form>
      ) : (
        <JobProgress jobId={jobId} onDone={onDone} onClose={() => onClose(true)} />
      )}
    </Dialog>
  );
}

function Counts({ counts }: { counts: Record<string, number> }) {
  const t = useMessages(messages);
  const lang = useLanguage();
  const skipped = SKIP_REASONS.filter((reason) => (counts[reason] ?? 0) > 0);
  return (
    <ul class="bulk-email-counts">
      <li>{t("emailCountSent", { count: formatNumber(counts.sent ?? 0, lang) })}</li>
      {skipped.map((reason) => (
        <li key={reason}>{t(SKIP_TEXT[reason], { count: formatNumber(counts[reason] ?? 0, lang) })}</li>
      ))}
    </ul>
  );
}

function PreviewResult({ preview }: { preview: BulkEmailPreview }) {
  const t = useMessages(messages);
  return (
    <section class="bulk-email-preview" aria-label={t("emailPreviewResult")}>
      <h3>{t("emailPreviewResult")}</h3>
      <Counts counts={preview.counts as Record<string, number>} />
      {preview.recipients.length === 0 ? <p>{t("emailNobody")}</p> : (
        <ol class="bulk-email-recipients">
          {preview.recipients.map((recipient) => (
            <li key={recipient.contact_id}>
              <p><strong>{recipient.display_name ?? recipient.to}</strong> &lt;{recipient.to}&gt;</p>
              <p>{recipient.subject}</p>
              <pre class="bulk-email-body">{recipient.body_text}</pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function JobProgress({ jobId, onDone, onClose }: { jobId: string; onDone: () => void; onClose: () => void }) {
  const t = useMessages(messages);
  const { job, error } = useWatchedJob(jobId, async () =>
    (await unwrap(api.GET("/v1/jobs/{id}", { params: { path: { id: jobId } } }))) as BulkEmailJob);
  const ended = job !== null && !isActive(job);
  useEffect(() => {
    if (ended) onDone();
  }, [ended]);
  return (
    <div>
      {error !== null && <ErrorSummary error={error} />}
      {!ended && (
        <div role="status" aria-live="polite">
          <p>{t("emailSending")}</p>
          <label for="bulk-email-progress">{t("progress")}</label>{" "}
          <progress id="bulk-email-progress" max={1} value={job ? job.progress : undefined} />
        </div>
      )}
      {ended && job.status === "succeeded" && (
        <div role="status">
          <p>{t("emailDone")}</p>
          <Counts counts={job.counts as Record<string, number>} />
        </div>
      )}
      {ended && job.status === "failed" && <p role="alert" class="field-error">{t("failed", { error: job.error ?? "" })}</p>}
      <button type="button" class={ended ? "primary" : undefined} onClick={onClose}>{t("close")}</button>
    </div>
  );
}
