/** The open email's thread (Digima's プレビュー画面): the newest message on top, each collapsed
 * to an excerpt; the open email's actions: 返信 (continues the thread), 複製, テンプレートとして
 * 保存, 削除 of an imported message, 送信日時を変更 and 予約を取り消す of a scheduled one. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Contact, Email, EmailTemplate, PropertyDefinition } from "../../api/types";
import { formatDateTime, useMessages } from "../../i18n";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Loading, LoadError } from "../../ui/states";
import type { ComposeForm } from "../contact/composeRequest";
import { Composer } from "../contact/Composer";
import { ConfirmRemoval } from "../../ui/forms";
import { RescheduleDialog, SaveTemplateDialog } from "./dialogs";
import { isReceived, newestFirst, replySubject } from "./mailView";
import { mailMessages } from "./messages";
import { MessageCard } from "./MessageCard";
import { tracked } from "./parts";

/** Pages of a thread read at most (50 emails each): every message, since the newest goes on top. */
const THREAD_PAGES = 10;

type Open = null | "template" | "delete" | "cancel" | "reschedule";

interface Draft {
  contact: Contact;
  properties: PropertyDefinition[];
  initial: Partial<ComposeForm>;
  title: string;
  note?: string;
}

/** What the screen hears of a change: the words to announce, and whether the open email left its folder. */
export type Changed = (notice: { text: string; templates?: boolean }, left: boolean) => void;

async function wholeThread(id: string): Promise<Email[]> {
  const items: Email[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < THREAD_PAGES; page += 1) {
    const answer: { items: Email[]; next_cursor: string | null } = await unwrap(api.GET("/v1/emails/{id}/thread", {
      params: { path: { id }, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
    }));
    items.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

export function Thread({ id, version, onChanged }: { id: string; version: number; onChanged: Changed }) {
  const t = useMessages(mailMessages);
  const [items, setItems] = useState<Email[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [retry, setRetry] = useState(0);
  const [open, setOpen] = useState<Open>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [preparing, setPreparing] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const focused = useRef<string | null>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    setActionError(null);
    if (focused.current !== id) setItems(null);
    wholeThread(id).then(
      (loaded) => { if (current) setItems(loaded); },
      (failure) => { if (current) setError(failure); },
    );
    return () => { current = false; };
  }, [id, version, retry]);
  useEffect(() => {
    // a newly opened email: its thread's heading takes the focus (the list's link has done its job)
    if (items && focused.current !== id) {
      focused.current = id;
      heading.current?.focus();
    }
  }, [items, id]);

  if (error instanceof ApiError && error.status === 404) return <p class="notice mail-gone">{t("threadNotFound")}</p>;
  if (error) return <LoadError error={error} retry={() => setRetry(retry + 1)} />;
  if (!items) return <Loading />;
  const email = items.find((item) => item.id === id);
  if (!email) return <p class="notice mail-gone">{t("threadNotFound")}</p>;

  const compose = async (kind: "reply" | "duplicate") => {
    setActionError(null);
    setPreparing(true);
    try {
      const copy = kind === "duplicate"
        ? (await unwrap(api.POST("/v1/emails/{id}/duplicate", { params: { path: { id: email.id } } }))).draft : null;
      const contactId = copy ? copy.contact_id : email.contact_id;
      if (!contactId) throw new Error(t("noContact"));
      const [contact, definitions] = await Promise.all([
        unwrap(api.GET("/v1/contacts/{id}", { params: { path: { id: contactId } } })),
        unwrap(api.GET("/v1/properties")),
      ]);
      const properties = definitions.items.filter((definition) => !definition.archived);
      setDraft(copy ? {
        contact, properties, title: t("duplicateTitle"),
        ...(copy.body_html ? { note: t("duplicateHtml") } : {}),
        initial: {
          cc: copy.cc.join(", "), bcc: copy.bcc.join(", "), subject: copy.subject, body: copy.body_text ?? "",
          trackOpens: copy.track_opens, trackClicks: copy.track_clicks,
        },
      } : {
        contact, properties, title: t("replyTitle"), initial: { subject: replySubject(email.subject), inReplyTo: email.id },
      });
    } catch (failure) {
      setActionError(failure);
    } finally {
      setPreparing(false);
    }
  };

  const sent = (reply: Email) => {
    setDraft(null);
    onChanged({ text: reply.status === "scheduled" ? t("scheduledNotice", { time: formatDateTime(reply.send_at) }) : t("sentNotice") }, false);
  };
  const templateSaved = (template: EmailTemplate) => {
    setOpen(null);
    onChanged({ text: t("templateSaved", { name: template.name }), templates: true }, false);
  };
  const remove = async () => {
    await unwrap(api.DELETE("/v1/emails/{id}", { params: { path: { id: email.id } } }));
    setOpen(null);
    onChanged({ text: isReceived(email) ? t("deleted") : t("cancelled") }, true);
  };
  const moved = (changed: Email) => {
    setOpen(null);
    onChanged({ text: t("rescheduled", { time: formatDateTime(changed.send_at) }) }, false);
  };

  const scheduled = email.status === "scheduled";
  const answerable = isReceived(email) || email.status === "sent";
  const copyable = answerable || email.status === "failed";
  const shown = newestFirst(items);
  return (
    <section class="mail-thread" aria-labelledby="mail-thread-heading">
      <h2 id="mail-thread-heading" ref={heading} tabIndex={-1}>{t("threadOf", { subject: email.subject || t("noSubject") })}</h2>
      <div class="actions mail-actions" role="group" aria-label={t("actions")}>
        {answerable && <button type="button" class="primary" onClick={() => compose("reply")} disabled={preparing}>{t("reply")}</button>}
        {copyable && <button type="button" onClick={() => compose("duplicate")} disabled={preparing}>{t("duplicate")}</button>}
        {copyable && <button type="button" onClick={() => setOpen("template")}>{t("saveTemplate")}</button>}
        {scheduled && <button type="button" onClick={() => setOpen("reschedule")}>{t("reschedule")}</button>}
        {scheduled && <button type="button" class="danger" onClick={() => setOpen("cancel")}>{t("cancelSchedule")}</button>}
        {isReceived(email) && <button type="button" class="danger" onClick={() => setOpen("delete")}>{t("delete")}</button>}
        {preparing && <span class="spinner" role="status" aria-label={t("loadingMore")} />}
      </div>
      <ErrorSummary error={actionError} />
      {items.some(tracked) && (
        <details class="mail-counts-help">
          <summary>{t("countsWhat")}</summary>
          <p>{t("countsHelp")}</p>
        </details>
      )}
      <ol class="mail-messages">
        {shown.map((item) => <li key={item.id}><MessageCard email={item} selected={item.id === email.id} /></li>)}
      </ol>
      {draft && (
        <Composer contact={draft.contact} properties={draft.properties} initial={draft.initial} title={draft.title}
          note={draft.note} onClose={() => setDraft(null)} onSent={sent} />
      )}
      {open === "template" && <SaveTemplateDialog email={email} onClose={() => setOpen(null)} onSaved={templateSaved} />}
      {open === "reschedule" && <RescheduleDialog email={email} onClose={() => setOpen(null)} onMoved={moved} />}
      {open === "delete" && (
        <ConfirmRemoval title={t("deleteTitle")} text={t("deleteText", { subject: email.subject })} confirm={t("deleteYes")}
          remove={remove} onClose={() => setOpen(null)} />
      )}
      {open === "cancel" && (
        <ConfirmRemoval title={t("cancelTitle")} text={t("cancelText", { subject: email.subject, time: formatDateTime(email.send_at) })}
          confirm={t("cancelYes")} remove={remove} onClose={() => setOpen(null)} />
      )}
    </section>
  );
}
