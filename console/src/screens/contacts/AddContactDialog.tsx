/** "連絡先を追加": the contact's fields and the tenant's custom properties (typed inputs), sent to
 * POST /v1/contacts as they are; the API decides, and each of its refusals is shown on its field
 * (422 details, a 409 duplicate email). Once added, the contact's page opens. */
import { FormActions } from "../../ui/forms";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, ApiError, unwrap } from "../../api/client";
import type { ContactInput, Member, PropertyDefinition } from "../../api/types";
import { useMessages } from "../../i18n";
import { fieldLabels, STATUSES, statusLabels, type FieldKey } from "../../lib/fields";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { contactBody, type FormValues } from "./contactForm";
import { messages } from "./messages";

const TEXT_FIELDS: { name: FieldKey; type?: "text" | "email" | "tel" | "url"; autocomplete?: string }[] = [
  { name: "family_name", autocomplete: "family-name" },
  { name: "given_name", autocomplete: "given-name" },
  { name: "family_name_kana" },
  { name: "given_name_kana" },
  { name: "email", type: "email", autocomplete: "off" },
  { name: "phone", type: "tel", autocomplete: "off" },
  { name: "company", autocomplete: "off" },
  { name: "department" },
  { name: "title" },
  { name: "website", type: "url" },
  { name: "acquisition_channel" },
];

export function AddContactDialog({ properties, members, me, onClose }: {
  properties: PropertyDefinition[];
  members: Member[];
  me: string;
  onClose: () => void;
}) {
  const t = useMessages(messages);
  const label = useMessages(fieldLabels);
  const status = useMessages(statusLabels);
  const { route } = useLocation();
  const [values, setValues] = useState<FormValues>({ owner_id: me, status: "new" });
  const [refusal, setRefusal] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const live = properties.filter((property) => !property.archived);

  const set = (name: string) => (event: Event) => {
    const target = event.currentTarget as HTMLInputElement;
    setValues({ ...values, [name]: target.type === "checkbox" ? target.checked : target.value });
  };

  /** The API's messages for FIELD: its 422 details, and a 409 duplicate's message on the email. */
  const errorsOf = (field: string): string[] => {
    if (!(refusal instanceof ApiError)) return [];
    const details = refusal.detailsFor(field);
    if (field === "email" && refusal.status === 409 && details.length === 0) return [refusal.message];
    return details;
  };
  const shownFields = new Set([
    ...TEXT_FIELDS.map((field) => field.name), "address", "memo", "owner_id", "status", "acquired_at", "tags",
    ...live.map((property) => `properties.${property.key}`),
  ]);
  const summary = refusal instanceof ApiError
    ? new ApiError(refusal.status, refusal.code, refusal.message, refusal.details.filter((detail) => !shownFields.has(detail.field)))
    : refusal;

  const described = (field: string) => {
    const errors = errorsOf(field);
    return errors.length ? { "aria-invalid": true, "aria-describedby": `add-${field}-error` } : {};
  };
  const errorText = (field: string) => <FieldErrors id={`add-${field}-error`} messages={errorsOf(field)} />;

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const created = await unwrap(api.POST("/v1/contacts", { body: contactBody(values, live) as ContactInput }));
      onClose();
      route(`/contacts/${encodeURIComponent(created.id)}`);
    } catch (failure) {
      setRefusal(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  }

  const text = (name: string) => (values[name] as string | undefined) ?? "";
  return (
    <Dialog title={t("addTitle")} onClose={onClose} wide>
      <form class="add-contact" onSubmit={submit} noValidate>
        <ErrorSummary error={summary} />
        <fieldset>
          <legend>{t("basics")}</legend>
          <div class="form-grid">
            {TEXT_FIELDS.map(({ name, type, autocomplete }) => (
              <div class="field" key={name}>
                <label for={`add-${name}`}>{label(name)}</label>
                <input id={`add-${name}`} name={name} type={(type ?? "text") as "text"} autocomplete={autocomplete} value={text(name)}
                  onInput={set(name)} {...described(name)} />
                {errorText(name)}
              </div>
            ))}
            <div class="field">
              <label for="add-owner_id">{label("owner_id")}</label>
              <select id="add-owner_id" value={text("owner_id")} onChange={set("owner_id")} {...described("owner_id")}>
                <option value="">{t("ownerless")}</option>
                {members.map((member) => <option key={member.id} value={member.id}>{member.name || member.email}</option>)}
              </select>
              {errorText("owner_id")}
            </div>
            <div class="field">
              <label for="add-status">{label("status")}</label>
              <select id="add-status" value={text("status")} onChange={set("status")} {...described("status")}>
                {STATUSES.map((code) => <option key={code} value={code}>{status(code)}</option>)}
              </select>
              {errorText("status")}
            </div>
            <div class="field">
              <label for="add-acquired_at">{label("acquired_at")}</label>
              <input id="add-acquired_at" type="date" value={text("acquired_at")} onInput={set("acquired_at")} {...described("acquired_at")} />
              {errorText("acquired_at")}
            </div>
            <div class="field">
              <label for="add-tags">{label("tags")}</label>
              <input id="add-tags" type="text" value={text("tags")} onInput={set("tags")} {...described("tags")} />
              {errorText("tags")}
            </div>
          </div>
          <div class="field">
            <label for="add-address">{label("address")}</label>
            <textarea id="add-address" rows={2} value={text("address")} onInput={set("address")} {...described("address")} />
            {errorText("address")}
          </div>
          <div class="field">
            <label for="add-memo">{label("memo")}</label>
            <textarea id="add-memo" rows={3} value={text("memo")} onInput={set("memo")} {...described("memo")} />
            {errorText("memo")}
          </div>
        </fieldset>
        {live.length > 0 && (
          <fieldset>
            <legend>{t("customProperties")}</legend>
            <div class="form-grid">
              {live.map((property) => {
                const field = `properties.${property.key}`;
                const id = `add-property-${property.key}`;
                const attributes = { id, ...described(field) };
                let control;
                if (property.type === "boolean") {
                  control = <input type="checkbox" {...attributes} checked={values[field] === true} onChange={set(field)} />;
                } else if (property.type === "select") {
                  control = (
                    <select {...attributes} value={text(field)} onChange={set(field)}>
                      <option value="">{t("none")}</option>
                      {(property.options ?? []).map((option) => <option key={option} value={option}>{option}</option>)}
                    </select>
                  );
                } else {
                  control = property.type === "date"
                    ? <input type="date" {...attributes} value={text(field)} onInput={set(field)} />
                    : <input type={(property.type === "email" ? "email" : "text") as "text"} inputMode={property.type === "number" ? "decimal" : undefined}
                      {...attributes} value={text(field)} onInput={set(field)} />;
                }
                return (
                  <div class={property.type === "boolean" ? "field field-check" : "field"} key={property.key}>
                    <label for={id}>{property.label}</label>
                    {control}
                    <FieldErrors id={`add-${field}-error`} messages={errorsOf(field)} />
                  </div>
                );
              })}
            </div>
          </fieldset>
        )}
        <FormActions busy={busy} label={t("submitAdd")} busyLabel={t("adding")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
