/** The email composer (a modal dialog, as Digima's): To prefilled with the contact's address, Cc,
 * Bcc, 件名, 本文 (text), a template, merge fields inserted at the cursor, tracking and
 * notifications; プレビュー renders it through the API; 今すぐ送信 or 予約送信 (a time in the
 * user's zone) asks once more (確認) before POST /v1/emails. A refusal shows the API's message and
 * each detail, also beside the field it names. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Contact, Email, EmailPreview, EmailTemplate, PropertyDefinition } from "../../api/types";
import { formatDateTime, timeZone, useLanguage, useMessages } from "../../i18n";
import { detailsBeyond, mergeFieldProblems } from "../../lib/mergeFields";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { MergeFieldPicker, useMergeProblemText, useMergeTargets } from "../../ui/MergeFieldPicker";
import { composeMessages } from "./messages";
import { emailRequest, EMPTY_FORM, formFieldOf, type ComposeForm } from "./composeRequest";
import { localDateTimeToUtc, tomorrowAtNine } from "./schedule";

type Step = { kind: "edit" } | { kind: "confirm"; sendAt: string | null };

export function Composer({ contact, properties, onClose, onSent, initial, title, note }: {
  contact: Contact;
  properties: PropertyDefinition[];
  onClose: () => void;
  onSent: (email: Email) => void;
  /** What the form starts with (a reply's subject and in_reply_to, a duplicate's draft). */
  initial?: Partial<ComposeForm>;
  /** The dialog's title instead of メールを作成. */
  title?: string;
  /** A word on where the draft came from, above the form. */
  note?: string;
}) {
  const t = useMessages(composeMessages);
  const problemText = useMergeProblemText();
  const lang = useLanguage();
  const zone = timeZone();
  const [form, setForm] = useState<ComposeForm>(() => ({ ...EMPTY_FORM, ...initial }));
  const [sendAt, setSendAt] = useState(() => tomorrowAtNine(new Date(), zone));
  const [sendAtError, setSendAtError] = useState("");
  const [templates, setTemplates] = useState<EmailTemplate[] | null>(null);
  const [preview, setPreview] = useState<EmailPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState<Step>({ kind: "edit" });
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const previewRef = useRef<HTMLElement>(null);

  useEffect(() => {
    unwrap(api.GET("/v1/email-templates")).then((page) => setTemplates(page.items), () => setTemplates([]));
  }, []);
  useEffect(() => {
    // the confirmation takes focus; back from it (a refusal, or 戻る) the subject does
    if (step.kind === "confirm") confirmRef.current?.focus();
    else targets.element("subject")?.focus();
  }, [step.kind]);
  useEffect(() => {
    previewRef.current?.scrollIntoView({ block: "nearest" });
  }, [preview]);

  const update = (changes: Partial<ComposeForm>) => {
    setForm((current) => ({ ...current, ...changes }));
    setPreview(null);
  };
  const text = (name: "cc" | "bcc" | "subject" | "body") => (event: Event) => update({ [name]: (event.currentTarget as HTMLInputElement).value });
  const check = (name: "trackOpens" | "trackClicks" | "notifyOnOpen" | "notifyOnClick") => (event: Event) =>
    update({ [name]: (event.currentTarget as HTMLInputElement).checked });
  const targets = useMergeTargets<"subject" | "body">("body", { subject: form.subject, body: form.body }, (target, value) => update({ [target]: value }));

  const chooseTemplate = (id: string) => {
    const template = templates?.find((item) => item.id === id);
    // the template fills subject and text; the API adds its HTML version (body_html is left out)
    update(template ? { templateId: id, subject: template.subject, body: template.body_text } : { templateId: "" });
  };

  const detailsOf = (name: keyof ComposeForm | "sendAt") =>
    error instanceof ApiError ? error.details.filter((detail) => formFieldOf(detail.field) === name) : [];
  const detailErrors = (name: keyof ComposeForm | "sendAt") => detailsOf(name).map((detail) => detail.message);
  /** What the live check says of a text field's merge fields, then the API's other refusals of it. */
  const mergeErrors = (name: "subject" | "body") => {
    const live = mergeFieldProblems(form[name], properties);
    return [...problemText(live), ...detailsBeyond(detailsOf(name), live).map((detail) => detail.message)];
  };
  const described = (id: string, messages: string[]) =>
    ({ "aria-invalid": messages.length > 0, "aria-describedby": messages.length ? id : undefined });

  const runPreview = async () => {
    setError(null);
    setBusy(true);
    try {
      setPreview(await unwrap(api.POST("/v1/emails/preview", { body: emailRequest(form, contact.id) })));
    } catch (failure) {
      setPreview(null);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const askSchedule = () => {
    const at = localDateTimeToUtc(sendAt, zone);
    if (!at) {
      setSendAtError(t("sendAtInvalid"));
      return;
    }
    setSendAtError("");
    setError(null);
    setStep({ kind: "confirm", sendAt: at });
  };

  const send = async (at: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const email = await unwrap(api.POST("/v1/emails", { body: emailRequest(form, contact.id, at) }));
      if (email.status === "failed") {
        setError(new Error(email.failure_reason ?? ""));
        setStep({ kind: "edit" });
      } else {
        onSent(email);
      }
    } catch (failure) {
      setError(failure);
      setStep({ kind: "edit" });
    } finally {
      setBusy(false);
    }
  };

  if (step.kind === "confirm") {
    return (
      <Dialog title={t("confirmTitle")} onClose={() => setStep({ kind: "edit" })} wide>
        <p>{step.sendAt ? t("confirmScheduled", { time: formatDateTime(step.sendAt, lang) }) : t("confirmNow")}</p>
        <dl class="compose-summary">
          <dt>{t("to")}</dt><dd>{contact.email ?? ""}</dd>
          {form.cc.trim() && <><dt>{t("cc")}</dt><dd>{form.cc}</dd></>}
          {form.bcc.trim() && <><dt>{t("bcc")}</dt><dd>{form.bcc}</dd></>}
          <dt>{t("subject")}</dt><dd>{form.subject}</dd>
        </dl>
        <pre class="compose-body">{form.body}</pre>
        <div class="actions">
          <button type="button" class="primary" ref={confirmRef} onClick={() => send(step.sendAt)} disabled={busy} aria-busy={busy}>
            {t("confirm")}
          </button>
          <button type="button" onClick={() => setStep({ kind: "edit" })} disabled={busy}>{t("back")}</button>
          {busy && <span role="status">{t("sending")}</span>}
        </div>
      </Dialog>
    );
  }

  const ccErrors = detailErrors("cc");
  const bccErrors = detailErrors("bcc");
  // merge fields are checked as the user types, by the API's rules
  const subjectErrors = mergeErrors("subject");
  const bodyErrors = mergeErrors("body");
  const scheduleErrors = [...(sendAtError ? [sendAtError] : []), ...detailErrors("sendAt")];
  return (
    <Dialog title={title ?? t("title")} onClose={onClose} wide>
      <form class="composer" noValidate onSubmit={(event) => event.preventDefault()}>
        {note && <p class="notice">{note}</p>}
        <ErrorSummary error={error} />
        <div class="field">
          <label for="compose-to">{t("to")}</label>
          <input id="compose-to" type="email" value={contact.email ?? ""} readOnly />
        </div>
        <div class="compose-row">
          <div class="field">
            <label for="compose-cc">{t("cc")}</label>
            <input id="compose-cc" value={form.cc} onInput={text("cc")} aria-describedby={ccErrors.length ? "compose-cc-errors" : "compose-addresses-help"} aria-invalid={ccErrors.length > 0} />
            <FieldErrors id="compose-cc-errors" messages={ccErrors} />
          </div>
          <div class="field">
            <label for="compose-bcc">{t("bcc")}</label>
            <input id="compose-bcc" value={form.bcc} onInput={text("bcc")} aria-describedby={bccErrors.length ? "compose-bcc-errors" : "compose-addresses-help"} aria-invalid={bccErrors.length > 0} />
            <FieldErrors id="compose-bcc-errors" messages={bccErrors} />
          </div>
        </div>
        <p class="muted hint" id="compose-addresses-help">{t("addressesHelp")}</p>
        <div class="compose-row">
          <div class="field">
            <label for="compose-template">{t("template")}</label>
            <select id="compose-template" value={form.templateId} onChange={(event) => chooseTemplate(event.currentTarget.value)} disabled={templates === null}>
              <option value="">{templates === null ? t("loadingTemplates") : t("noTemplate")}</option>
              {(templates ?? []).map((template) => <option key={template.id} value={template.id}>{template.name}</option>)}
            </select>
            {templates?.find((template) => template.id === form.templateId)?.body_html
              ? <p class="muted hint">{t("templateHtml")}</p> : null}
          </div>
          <MergeFieldPicker id="compose-merge" properties={properties} help={t("mergeHelp")} onInsert={targets.insert} />
        </div>
        <div class="field">
          <label for="compose-subject">{t("subject")}</label>
          <input id="compose-subject" value={form.subject} onInput={text("subject")}
            {...targets.bind("subject")} {...described("compose-subject-errors", subjectErrors)} />
          <FieldErrors id="compose-subject-errors" messages={subjectErrors} />
        </div>
        <div class="field">
          <label for="compose-body">{t("body")}</label>
          <textarea id="compose-body" rows={7} value={form.body} onInput={text("body")}
            {...targets.bind("body")} {...described("compose-body-errors", bodyErrors)} />
          <FieldErrors id="compose-body-errors" messages={bodyErrors} />
        </div>
        <fieldset class="compose-options">
          <legend>{t("tracking")}</legend>
          <label class="check"><input type="checkbox" checked={form.trackOpens} onChange={check("trackOpens")} /> {t("trackOpens")}</label>
          <label class="check"><input type="checkbox" checked={form.trackClicks} onChange={check("trackClicks")} /> {t("trackClicks")}</label>
          <label class="check"><input type="checkbox" checked={form.notifyOnOpen} onChange={check("notifyOnOpen")} /> {t("notifyOnOpen")}</label>
          <label class="check"><input type="checkbox" checked={form.notifyOnClick} onChange={check("notifyOnClick")} /> {t("notifyOnClick")}</label>
        </fieldset>
        <div class="field">
          <label for="compose-send-at">{t("sendAt")}</label>
          <input id="compose-send-at" type="datetime-local" value={sendAt} onInput={(event) => setSendAt(event.currentTarget.value)}
            aria-describedby={scheduleErrors.length ? "compose-send-at-errors compose-send-at-help" : "compose-send-at-help"} aria-invalid={scheduleErrors.length > 0} />
          <p class="muted hint" id="compose-send-at-help">{t("sendAtHelp", { zone })}</p>
          <FieldErrors id="compose-send-at-errors" messages={scheduleErrors} />
        </div>
        {preview && (
          <section class="compose-preview" ref={previewRef} aria-labelledby="compose-preview-heading">
            <h3 id="compose-preview-heading">{t("previewTitle")}</h3>
            <p class="preview-subject"><span class="muted">{t("previewSubject")}</span> {preview.subject}</p>
            <pre class="compose-body">{preview.body_text}</pre>
          </section>
        )}
        <div class="actions compose-actions">
          <button type="button" onClick={runPreview} disabled={busy}>{t("preview")}</button>
          <span class="spacer" />
          <button type="button" onClick={askSchedule} disabled={busy}>{t("schedule")}</button>
          <button type="button" class="primary" onClick={() => { setError(null); setStep({ kind: "confirm", sendAt: null }); }} disabled={busy}>
            {t("sendNow")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
