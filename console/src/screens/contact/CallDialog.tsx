/** After コール logged the call: a panel (not modal: the page stays usable) with the number to
 * dial (the API's `tel:` URI, focused so that Enter dials) and a dialog for the call's notes, saved
 * on the call's timeline entry (PATCH .../activities/{id}: a call's notes are its body). */
import { FormActions } from "../../ui/forms";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Activity, Call, Contact } from "../../api/types";
import { useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { contactMessages } from "./messages";

export function CallPanel({ contact, call, onNotes }: { contact: Contact; call: Call; onNotes: () => void }) {
  const t = useMessages(contactMessages);
  const dial = useRef<HTMLAnchorElement>(null);
  useEffect(() => dial.current?.focus(), [call.activity.id]);
  const name = contact.display_name || contact.email || "";
  return (
    <div class="notice call-panel">
      <p role="status">{t("callLogged", { name })}</p>
      <div class="actions">
        <a class="button primary" ref={dial} href={call.dial}>{t("dial", { phone: contact.phone ?? call.dial.slice("tel:".length) })}</a>
        <button type="button" onClick={onNotes}>{t("callNotesOpen")}</button>
      </div>
    </div>
  );
}

export function CallDialog({ contact, call, onClose, onSaved }: { contact: Contact; call: Call; onClose: () => void; onSaved: (activity: Activity) => void }) {
  const t = useMessages(contactMessages);
  const [notes, setNotes] = useState(String((call.activity.data as { notes?: string | null }).notes ?? ""));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await unwrap(api.PATCH("/v1/contacts/{id}/activities/{activity_id}", {
        params: { path: { id: contact.id, activity_id: call.activity.id } },
        body: { body: notes.trim() ? notes : null },
      }));
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("callNotesOpen")} onClose={onClose}>
      <form onSubmit={save}>
        <ErrorSummary error={error} />
        <div class="field">
          <label for="call-notes">{t("callNotes")}</label>
          <textarea id="call-notes" autoFocus value={notes} onInput={(event) => setNotes(event.currentTarget.value)} />
        </div>
        <FormActions busy={busy} label={t("saveNotes")} onCancel={onClose} cancelLabel={t("close")} />
      </form>
    </Dialog>
  );
}
