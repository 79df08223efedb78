/** What every form of the console shares: the polite live region ("保存しました"), focus after a
 * removal, a labelled field with the API's messages for it, a form's refusal, its 保存 and
 * キャンセル, and a removal asked once more. */
import type { ComponentChildren } from "preact";
import { ApiError } from "../api/client";
import { createStore, useStore } from "../lib/store";
import { useMessages } from "../i18n";
import { Dialog } from "./Dialog";
import { FieldErrors } from "./ErrorSummary";
import { shell } from "./messages";
import { useSubmit } from "../lib/async";

const feedback = createStore<{ text: string; serial: number }>({ text: "", serial: 0 });
let clearing: ReturnType<typeof setTimeout> | undefined;

/** Says TEXT in the polite live region ("保存しました"), for a few seconds. */
export function announce(text: string): void {
  feedback.set({ text, serial: feedback.get().serial + 1 });
  clearTimeout(clearing);
  clearing = setTimeout(quiet, 6000);
}

/** Empties the live region (another section opened). */
export function quiet(): void {
  clearTimeout(clearing);
  feedback.set({ text: "", serial: feedback.get().serial });
}

/** The live region: present from the first render so that screen readers follow its changes. */
export function Announcer() {
  const { text, serial } = useStore(feedback);
  return (
    <p class={text ? "saved-notice" : "saved-notice saved-notice-idle"} role="status" aria-live="polite">
      <span key={serial}>{text}</span>
    </p>
  );
}

/** After a change that took away the focused control (a removed row, a closed dialog whose
 * opener is gone), focus goes to the section's heading (HEADING_ID, tabIndex -1), not to the page's start. */
export function refocus(headingId: string): void {
  setTimeout(() => {
    if (document.activeElement === document.body || !document.activeElement?.isConnected) {
      document.getElementById(headingId)?.focus();
    }
  });
}

/** The messages the API gave for FIELD. */
export function messagesFor(error: unknown, field: string): string[] {
  return error instanceof ApiError ? error.detailsFor(field) : [];
}

/** The API's messages for FIELD where a group of controls shows them. */
export function DetailErrors({ error, field }: { error: unknown; field: string }) {
  return <FieldErrors id={`error-${field.replace(/\W/g, "-")}`} messages={messagesFor(error, field)} />;
}

/** A labelled control with its errors under it (named by aria-describedby, aria-invalid set). */
export function Field({ id, label, errors = [], hint, children }: {
  id: string;
  label: string;
  errors?: string[];
  hint?: string;
  children: (described: { id: string; "aria-describedby"?: string; "aria-invalid"?: "true" }) => ComponentChildren;
}) {
  const describedBy = [hint ? `${id}-hint` : "", errors.length ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && <p class="muted field-hint" id={`${id}-hint`}>{hint}</p>}
      {children({ id, ...(describedBy ? { "aria-describedby": describedBy } : {}), ...(errors.length ? { "aria-invalid": "true" as const } : {}) })}
      <FieldErrors id={`${id}-error`} messages={errors} />
    </div>
  );
}

/** A refusal inside a form: the API's message, and the details no field of the form shows. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const others = error instanceof ApiError ? error.details.filter((detail) => !fields.includes(detail.field)) : [];
  return (
    <div class="error-summary" role="alert">
      <p>{message}</p>
      {others.length > 0 && (
        <ul>
          {others.map((detail) => <li key={`${detail.field}:${detail.message}`}><code>{detail.field}</code> {detail.message}</li>)}
        </ul>
      )}
    </div>
  );
}

/** A removal asked once more: what it does (TEXT), the red button CONFIRM, and the API's refusal. */
export function ConfirmRemoval({ title, text, confirm, remove, onClose }: {
  title: string;
  text: string;
  confirm: string;
  remove: () => Promise<void>;
  onClose: () => void;
}) {
  const { busy, error, onSubmit } = useSubmit(remove);
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <p>{text}</p>
        <FormError error={error} fields={[]} />
        <FormActions busy={busy} label={confirm} danger onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** A section's 保存 button: 保存中… while its save runs. */
export function SaveButton({ busy }: { busy: boolean }) {
  const c = useMessages(shell);
  return <button type="submit" class="primary" disabled={busy}>{busy ? c("saving") : c("save")}</button>;
}

/** A form's two buttons: submit (LABEL, 保存 by default; BUSY_LABEL or 保存しています… while BUSY,
 * but a red DANGER button keeps its words) and キャンセル (or CANCEL_LABEL). */
export function FormActions({ busy = false, label, busyLabel, danger = false, onCancel, cancelLabel }: {
  busy?: boolean;
  label?: string;
  busyLabel?: string;
  danger?: boolean;
  onCancel: () => void;
  cancelLabel?: string;
}) {
  const c = useMessages(shell);
  return (
    <div class="actions">
      <button type="submit" class={danger ? "danger" : "primary"} disabled={busy}>{busy && !danger ? busyLabel ?? c("saving") : label ?? c("save")}</button>
      <button type="button" onClick={onCancel}>{cancelLabel ?? c("cancel")}</button>
    </div>
  );
}

/** A one-field form that creates something by its name (a tag, an API key): the field LABEL with
 * the API's refusal on `name`, and the button SUBMIT_LABEL, offered once a name is typed. */
export function NameForm({ id, label, submitLabel, name, maxLength, onName, submit }: {
  id: string;
  label: string;
  submitLabel: string;
  name: string;
  maxLength: number;
  onName: (name: string) => void;
  submit: { busy: boolean; error: unknown; onSubmit: (event: Event) => unknown };
}) {
  return (
    <form class="inline-form" onSubmit={submit.onSubmit} noValidate>
      <FormError error={submit.error} fields={["name"]} />
      <Field id={id} label={label} errors={messagesFor(submit.error, "name")}>
        {(described) => (
          <input {...described} value={name} maxLength={maxLength} onInput={(event) => onName((event.currentTarget as HTMLInputElement).value)} />
        )}
      </Field>
      <button type="submit" class="primary" disabled={submit.busy || !name.trim()}>{submitLabel}</button>
    </form>
  );
}
