/** One message of a thread, collapsed to a short excerpt; 更に表示 shows all of it (as Digima's
 * タイムライン does): the sanitised HTML in its sandboxed frame, else the text, as text. */
import { useState } from "preact/hooks";
import type { Email } from "../../api/types";
import { formatDateTime, useLanguage, useMessages } from "../../i18n";
import { MailFrame } from "./MailFrame";
import { excerpt, isReceived } from "./mailView";
import { mailMessages } from "./messages";
import { Counts, StatusText, tracked } from "./parts";

function senderOf(email: Email): string {
  const { name, email: address } = email.from;
  return name ? `${name} <${address}>` : address;
}

export function MessageCard({ email, selected }: { email: Email; selected: boolean }) {
  const t = useMessages(mailMessages);
  const lang = useLanguage();
  const [open, setOpen] = useState(false);
  const brief = excerpt(email.body_text);
  const html = email.body_html_safe;
  const expandable = brief.cut || html !== null || email.body_text.trim().includes("\n");
  const time = email.status === "scheduled" ? email.send_at : email.sent_at ?? email.created_at;
  const headId = `message-${email.id}`;
  const bodyId = `message-${email.id}-body`;
  return (
    <article class={`mail-message${selected ? " mail-message-selected" : ""}${isReceived(email) ? " mail-message-received" : ""}`}
      aria-labelledby={headId}>
      <header class="mail-message-head">
        <h3 id={headId} class="mail-message-from">{senderOf(email)}</h3>
        <time dateTime={time ?? undefined}>{formatDateTime(time, lang)}</time>
        <StatusText email={email} />
        {selected && <span class="mail-selected-badge">{t("selected")}</span>}
      </header>
      <p class="mail-message-to muted">
        {t("toLine", { to: email.to })}
        {email.cc.length > 0 && ` ${t("ccLine", { cc: email.cc.join(", ") })}`}
      </p>
      <p class="mail-message-subject">{email.subject || t("noSubject")}</p>
      {email.status === "failed" && email.failure_reason && <p class="field-error">{email.failure_reason}</p>}
      {tracked(email) && <p class="mail-message-counts"><Counts email={email} /></p>}
      {open ? (
        html !== null ? <MailFrame safeHtml={html} subject={email.subject} id={bodyId} />
          : <div class="mail-text" id={bodyId}>{email.body_text || t("noText")}</div>
      ) : (
        <p class="mail-excerpt">{brief.text || t("noText")}</p>
      )}
      {expandable && (
        <button type="button" class="link" aria-expanded={open} aria-controls={open ? bodyId : undefined} onClick={() => setOpen(!open)}>
          {open ? t("less") : t("more")}
        </button>
      )}
    </article>
  );
}
