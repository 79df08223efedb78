/** After コール logged the call: the number to dial (the API's `tel:` URI) and the call's notes,
 * saved on the call's timeline entry (PATCH .../activities/{id}: a call's notes are its body). */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Call, Contact } from "../../api/types";
import { useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { contactMessages } from "./messages";

export function CallDialog({ contact, call, onClose, onSaved }: { contact: Contact; call: Call; onClose: () => void; onSaved: () => void }) {
  const t = useMessages(contactMessages);
  const [notes, setNotes] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.PATCH("/v1/contacts/{id}/activities/{activity_id}", {
        params: { path: { id: contact.id, activity_id: call.activity.id } },
        body: { body: notes.trim() ? notes : null },
      }));
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const name = contact.display_name || contact.email || "";
  return (
    <Dialog title={t("callTitle")} onClose={onClose}>
      <p>{t("callLogged", { name })}</p>
      <p>
        <a class="button primary" href={call.dial}>{t("dial", { phone: contact.phone ?? call.dial.slice(4) })}</a>
      </p>
      <form onSubmit={save}>
        <ErrorSummary error={error} />
        <div class="field">
          <label for="call-notes">{t("callNotes")}</label>
          <textarea id="call-notes" value={notes} onInput={(event) => setNotes(event.currentTarget.value)} />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>{t("saveNotes")}</button>
          <button type="button" onClick={onClose}>{t("close")}</button>
        </div>
      </form>
    </Dialog>
  );
}
