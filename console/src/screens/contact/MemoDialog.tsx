/** メモを追加: a memo (POST /v1/contacts/{id}/activities with type `memo`). */
import { FormActions } from "../../ui/forms";
import { useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import { useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { contactMessages } from "./messages";

export function MemoDialog({ contactId, onClose, onAdded }: { contactId: string; onClose: () => void; onAdded: () => void }) {
  const t = useMessages(contactMessages);
  const [body, setBody] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const bodyErrors = error instanceof ApiError ? [...error.detailsFor("body"), ...error.detailsFor("subject")] : [];
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/v1/contacts/{id}/activities", { params: { path: { id: contactId } }, body: { type: "memo", body } }));
      onAdded();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("memoTitle")} onClose={onClose}>
      <form onSubmit={submit}>
        <ErrorSummary error={error} />
        <div class="field">
          <label for="memo-body">{t("memoBody")}</label>
          <textarea
            id="memo-body"
            value={body}
            onInput={(event) => setBody(event.currentTarget.value)}
            aria-invalid={bodyErrors.length > 0}
            aria-describedby={bodyErrors.length ? "memo-body-errors" : undefined}
            autoFocus
          />
          <FieldErrors id="memo-body-errors" messages={bodyErrors} />
        </div>
        <FormActions busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
