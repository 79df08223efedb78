/** The mailbox's dialogs that ask for something: テンプレートとして保存 (the name) and 送信日時を変更
 * (a time in the user's zone). Each shows the API's refusal and keeps the dialog open. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Email, EmailTemplate } from "../../api/types";
import { timeZone, useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { localDateTimeToUtc, utcToLocalDateTime } from "../contact/schedule";
import { Field, FormActions, FormError, messagesFor } from "../../ui/forms";
import { useSubmit } from "../../lib/async";
import { mailMessages } from "./messages";

/** The template's name the API takes: at most 100 characters. */
const NAME_LENGTH = 100;

export function SaveTemplateDialog({ email, onClose, onSaved }: {
  email: Email;
  onClose: () => void;
  onSaved: (template: EmailTemplate) => void;
}) {
  const t = useMessages(mailMessages);
  const [name, setName] = useState(() => Array.from(email.subject).slice(0, NAME_LENGTH).join(""));
  const { busy, error, onSubmit } = useSubmit(async () => {
    onSaved(await unwrap(api.POST("/v1/email-templates", { body: { from_email_id: email.id, name: name.trim() } })));
  });
  return (
    <Dialog title={t("saveTemplate")} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={["name"]} />
        <Field id="template-name" label={t("templateName")} hint={t("templateNameHelp")} errors={messagesFor(error, "name")}>
          {(described) => (
            <input {...described} value={name} maxLength={NAME_LENGTH} required autoFocus
              onInput={(event) => setName(event.currentTarget.value)} />
          )}
        </Field>
        <FormActions busy={busy} label={t("templateSave")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function RescheduleDialog({ email, onClose, onMoved }: {
  email: Email;
  onClose: () => void;
  onMoved: (email: Email) => void;
}) {
  const t = useMessages(mailMessages);
  const zone = timeZone();
  const [value, setValue] = useState(() => (email.send_at ? utcToLocalDateTime(email.send_at, zone) : ""));
  const [invalid, setInvalid] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async () => {
    const sendAt = localDateTimeToUtc(value, zone);
    setInvalid(sendAt === null);
    if (sendAt === null) return;
    onMoved(await unwrap(api.PATCH("/v1/emails/{id}", { params: { path: { id: email.id } }, body: { send_at: sendAt } })));
  });
  return (
    <Dialog title={t("rescheduleTitle")} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={["send_at"]} />
        <Field id="reschedule-send-at" label={t("newSendAt")} hint={t("sendAtHelp", { zone })}
          errors={[...(invalid ? [t("sendAtInvalid")] : []), ...messagesFor(error, "send_at")]}>
          {(described) => (
            <input {...described} type="datetime-local" value={value} required autoFocus
              onInput={(event) => setValue(event.currentTarget.value)} />
          )}
        </Field>
        <FormActions busy={busy} label={t("rescheduleSave")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
