/** One profile field edited in place: its value with an edit button and its 履歴 (its change
 * history); editing turns it into an input (Enter or 保存 saves, Escape cancels) that shows
 * each refusal of the API on the field. */
import { FormActions } from "../../ui/forms";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { useMessages } from "../../i18n";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { HistoryButton } from "./FieldHistory";
import { contactMessages } from "./messages";

export type InputKind = "text" | "email" | "tel" | "url" | "number" | "date" | "textarea" | "select";

export function EditableField({ contactId, id, label, field, shown, initial, kind = "text", options = [], onSave }: {
  contactId: string;
  /** Unique on the page: the input's id. */
  id: string;
  label: string;
  /** The field the API's details name (`company`, `properties.size`). */
  field: string;
  /** The value as read (empty: not set). */
  shown: string;
  /** The input's starting text. */
  initial: string;
  kind?: InputKind;
  options?: string[];
  onSave: (raw: string) => Promise<void>;
}) {
  const t = useMessages(contactMessages);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement & HTMLTextAreaElement & HTMLSelectElement>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (editing) inputRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      editRef.current?.focus();
    }
  }, [editing]);

  const start = () => {
    setDraft(initial);
    setError(null);
    setEditing(true);
  };
  const stop = () => {
    returnFocus.current = true;
    setEditing(false);
    setError(null);
  };
  const save = async (event?: Event) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave(draft);
      stop();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <div class="profile-field">
        <dt>{label}</dt>
        <dd>
          <span class={shown ? "value" : "value muted"}>{shown || t("empty")}</span>
          <button type="button" class="edit-button" ref={editRef} onClick={start} aria-label={t("edit", { field: label })}>
            <span aria-hidden="true">✎</span>
          </button>
          <HistoryButton contactId={contactId} field={field} label={label} />
        </dd>
      </div>
    );
  }

  const fieldErrors = error instanceof ApiError ? error.detailsFor(field) : [];
  const errorId = `${id}-errors`;
  const common = {
    id,
    ref: inputRef,
    value: draft,
    "aria-invalid": fieldErrors.length > 0,
    "aria-describedby": fieldErrors.length ? errorId : undefined,
    onInput: (event: Event) => setDraft((event.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="profile-field editing">
      <dt><label for={id}>{label}</label></dt>
      <dd>
      <form
        noValidate
        onSubmit={save}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            stop();
          }
        }}
      >
        {kind === "textarea" ? (
          <textarea {...common} rows={4} />
        ) : kind === "select" ? (
          <select {...common} onChange={common.onInput}>
            <option value="">{t("empty")}</option>
            {options.map((option) => <option key={option} value={option}>{option}</option>)}
          </select>
        ) : (
          <input {...common} type={kind as "text"} step={kind === "number" ? "any" : undefined} />
        )}
        <FieldErrors id={errorId} messages={fieldErrors} />
        {error && fieldErrors.length === 0 ? <ErrorSummary error={error} /> : null}
        <FormActions busy={busy} onCancel={stop} />
      </form>
      </dd>
    </div>
  );
}
