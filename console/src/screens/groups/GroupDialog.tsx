/** The dialog that creates or edits a member group: its name, redirect URL and whether web forms
 * may join it; the API's refusal beside each field. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { MemberGroup } from "../../api/types";
import { useMessages } from "../../i18n";
import { useSubmit } from "../../lib/async";
import { Dialog } from "../../ui/Dialog";
import { Field, FormActions, FormError, messagesFor } from "../../ui/forms";
import { groupMessages } from "./messages";

const FIELDS = ["name", "redirect_url", "web_form_joinable"];

export function GroupDialog({ group, onClose, onSaved }: {
  /** null: a new group. */
  group: MemberGroup | null;
  onClose: () => void;
  onSaved: (group: MemberGroup, created: boolean) => void;
}) {
  const t = useMessages(groupMessages);
  const [name, setName] = useState(group?.name ?? "");
  const [redirect, setRedirect] = useState(group?.redirect_url ?? "");
  const [joinable, setJoinable] = useState(group?.web_form_joinable ?? false);
  const submit = useSubmit(async () => {
    const body = { name, redirect_url: redirect.trim() || null, web_form_joinable: joinable };
    const saved = group
      ? await unwrap(api.PATCH("/v1/member-groups/{id}", { params: { path: { id: group.id } }, body }))
      : await unwrap(api.POST("/v1/member-groups", { body }));
    onSaved(saved, !group);
  });
  return (
    <Dialog title={group ? t("editTitle") : t("createTitle")} onClose={onClose}>
      <form onSubmit={submit.onSubmit} noValidate>
        <FormError error={submit.error} fields={FIELDS} />
        <Field id="group-name" label={t("name")} errors={messagesFor(submit.error, "name")}>
          {(described) => (
            <input {...described} value={name} maxLength={100} required
              onInput={(event) => setName((event.currentTarget as HTMLInputElement).value)} />
          )}
        </Field>
        <Field id="group-redirect" label={t("redirect")} hint={t("redirectHint")} errors={messagesFor(submit.error, "redirect_url")}>
          {(described) => (
            <input {...described} type="url" inputMode="url" value={redirect}
              onInput={(event) => setRedirect((event.currentTarget as HTMLInputElement).value)} />
          )}
        </Field>
        <div class="field checkbox-field">
          <input id="group-joinable" type="checkbox" checked={joinable} aria-describedby="group-joinable-hint"
            onChange={(event) => setJoinable((event.currentTarget as HTMLInputElement).checked)} />
          <label for="group-joinable">{t("joinable")}</label>
          <p class="muted field-hint" id="group-joinable-hint">{t("joinableHint")}</p>
        </div>
        <FormActions busy={submit.busy} label={group ? undefined : t("create")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
