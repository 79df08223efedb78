/** The contact's profile: star, status, owner and tags changed at once; every other writable
 * field and each custom property edited in place (PATCH /v1/contacts/{id}); the linked company
 * and the fields the system keeps, read only. */
import { MemberGroupsCard } from "./MemberGroupsCard";
import { useRef, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Company, Contact, ContactInput, ContactPatch, Member, PropertyDefinition } from "../../api/types";
import { formatNumber, useLanguage, useMessages } from "../../i18n";
import { fieldLabel, fieldText, STATUSES, statusLabels, type FieldKey } from "../../lib/fields";
import { memberNames } from "../../lib/members";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { EditableField, type InputKind } from "./EditableField";
import { HistoryButton } from "./FieldHistory";
import { contactMessages } from "./messages";
import { dateInput, propertyInput, propertyValue, withTag } from "./values";

const PROFILE_FIELDS: [FieldKey, InputKind][] = [
  ["family_name", "text"], ["given_name", "text"], ["family_name_kana", "text"], ["given_name_kana", "text"],
  ["email", "email"], ["phone", "tel"], ["address", "textarea"], ["website", "url"],
];
const COMPANY_FIELDS: [FieldKey, InputKind][] = [["company", "text"], ["department", "text"], ["title", "text"]];
const ACQUISITION_FIELDS: [FieldKey, InputKind][] = [["acquired_at", "date"], ["acquisition_channel", "text"], ["memo", "textarea"]];
const SYSTEM_FIELDS: FieldKey[] = [
  "score", "engagement", "delivery_status", "first_contacted_at", "last_contacted_at", "last_customer_action_at",
  "last_seen_at", "session_count", "emails_sent_count", "purchase_count", "last_purchase_at", "created_at", "updated_at",
];

export function Profile({ contact, company, properties, members, onChange }: {
  contact: Contact;
  company: Company | null;
  properties: PropertyDefinition[];
  members: Member[] | null;
  onChange: (contact: Contact) => void;
}) {
  const t = useMessages(contactMessages);
  const lang = useLanguage();
  const names = memberNames(members);
  const [error, setError] = useState<unknown>(null);
  const [newTag, setNewTag] = useState("");
  const tagInput = useRef<HTMLInputElement>(null);

  /** PATCH the contact; the caller shows a refusal where it belongs. */
  const patch = async (changes: ContactPatch) => {
    const updated = await unwrap(api.PATCH("/v1/contacts/{id}", { params: { path: { id: contact.id } }, body: changes as ContactInput }));
    onChange(updated);
  };
  /** A change made at once (star, status, owner, tags, a boolean): its refusal shows above the profile. */
  const change = async (changes: ContactPatch) => {
    setError(null);
    try {
      await patch(changes);
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    }
  };

  const field = ([key, kind]: [FieldKey, InputKind]) => (
    <EditableField
      key={key}
      contactId={contact.id}
      id={`field-${key}`}
      label={fieldLabel(key, lang)}
      field={key}
      kind={kind}
      shown={fieldText(contact, key, lang, names)}
      initial={key === "acquired_at" ? dateInput(contact.acquired_at) : String((contact as Record<string, unknown>)[key] ?? "")}
      onSave={(raw) => patch({ [key]: raw.trim() === "" ? null : raw } as ContactPatch)}
    />
  );

  const tags = contact.tags ?? [];
  const values = (contact.properties ?? {}) as Record<string, unknown>;
  const assignable = (members ?? []).filter((member) => member.status !== "disabled" || member.id === contact.owner_id);

  return (
    <div class="profile">
      <ErrorSummary error={error} />
      <section class="card" aria-labelledby="profile-heading">
        <div class="card-head">
          <h2 id="profile-heading">{t("profile")}</h2>
          <button
            type="button"
            class={contact.starred ? "star on" : "star"}
            aria-pressed={contact.starred}
            onClick={() => change({ starred: !contact.starred })}
          >
            {/* one glyph whatever the state (the name stays "★ スター"); unpressed it is drawn hollow */}
            ★<span class="visually-hidden"> {t("star")}</span>
          </button>
        </div>
        <div class="field">
          <label for="contact-status">{fieldLabel("status", lang)}</label>
          <HistoryButton contactId={contact.id} field="status" label={fieldLabel("status", lang)} />
          <select id="contact-status" value={contact.status} onChange={(event) => change({ status: event.currentTarget.value as Contact["status"] })}>
            {STATUSES.map((status) => <option key={status} value={status}>{statusLabels[lang][status]}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="contact-owner">{fieldLabel("owner_id", lang)}</label>
          <HistoryButton contactId={contact.id} field="owner_id" label={fieldLabel("owner_id", lang)} />
          <select
            id="contact-owner"
            value={contact.owner_id ?? ""}
            disabled={members === null}
            onChange={(event) => change({ owner_id: event.currentTarget.value || null })}
          >
            <option value="">{t("ownerNone")}</option>
            {members !== null && contact.owner_id && !names[contact.owner_id] && <option value={contact.owner_id}>{contact.owner_id}</option>}
            {assignable.map((member) => <option key={member.id} value={member.id}>{member.name || member.email}</option>)}
          </select>
        </div>
        <dl class="profile-fields">{PROFILE_FIELDS.map(field)}</dl>
        <div class="tags">
          <h3 id="tags-heading">{t("tagsLabel")}</h3>
          <HistoryButton contactId={contact.id} field="tags" label={t("tagsLabel")} />
          {tags.length === 0 ? <p class="muted">{t("noTags")}</p> : (
            <ul class="tag-list" aria-labelledby="tags-heading">
              {tags.map((tag) => (
                <li key={tag} class="tag">
                  <span>{tag}</span>
                  <button type="button" class="icon-button tag-remove" aria-label={t("removeTag", { tag })}
                    onClick={async () => { if (await change({ tags: tags.filter((name) => name !== tag) })) tagInput.current?.focus(); }}>
                    <span aria-hidden="true">×</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form
            class="tag-add"
            onSubmit={async (event) => {
              event.preventDefault();
              const next = withTag(tags, newTag);
              if (next !== tags && (await change({ tags: next }))) setNewTag("");
            }}
          >
            <label class="visually-hidden" for="new-tag">{t("newTag")}</label>
            <input id="new-tag" ref={tagInput} value={newTag} placeholder={t("newTag")} onInput={(event) => setNewTag(event.currentTarget.value)} />
            <button type="submit">{t("addTag")}</button>
          </form>
        </div>
      </section>

      <MemberGroupsCard contact={contact} />

      <section class="card" aria-labelledby="company-heading">
        <h2 id="company-heading">{t("companySection")}</h2>
        <dl class="profile-fields">{COMPANY_FIELDS.map(field)}</dl>
        {company ? (
          <dl class="profile-fields readonly">
            {([
              ["companyDomain", company.domain], ["companyPhone", company.phone], ["companyWebsite", company.website],
              ["companyIndustry", company.industry], ["companyAddress", company.address],
              ["companyContacts", company.contact_count === null ? null : formatNumber(company.contact_count, lang)],
            ] as const).filter(([, value]) => value).map(([key, value]) => (
              <div class="profile-field" key={key}><dt>{t(key)}</dt><dd>{value}</dd></div>
            ))}
          </dl>
        ) : (
          <p class="muted">{t("noCompany")}</p>
        )}
      </section>

      {properties.length > 0 && (
        <section class="card" aria-labelledby="custom-heading">
          <h2 id="custom-heading">{t("customSection")}</h2>
          <dl class="profile-fields">
            {properties.map((definition) => definition.type === "boolean" ? (
              <div class="profile-field" key={definition.key}>
                <dt><label for={`property-${definition.key}`}>{definition.label}</label></dt>
                <dd>
                  <input
                    id={`property-${definition.key}`}
                    type="checkbox"
                    checked={values[definition.key] === true}
                    onChange={(event) => change({ properties: { [definition.key]: event.currentTarget.checked } })}
                  />
                  <HistoryButton contactId={contact.id} field={`properties.${definition.key}`} label={definition.label} />
                </dd>
              </div>
            ) : (
              <EditableField
                key={definition.key}
                contactId={contact.id}
                id={`property-${definition.key}`}
                label={definition.label}
                field={`properties.${definition.key}`}
                kind={({ text: "text", email: "email", number: "number", date: "date", select: "select" } as const)[definition.type as "text"] ?? "text"}
                options={definition.options ?? []}
                shown={typeof values[definition.key] === "number" ? formatNumber(values[definition.key] as number, lang) : propertyInput(values[definition.key])}
                initial={propertyInput(values[definition.key])}
                onSave={(raw) => patch({ properties: { [definition.key]: propertyValue(definition, raw) } })}
              />
            ))}
          </dl>
        </section>
      )}

      <section class="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">{t("activitySection")}</h2>
        <dl class="profile-fields">{ACQUISITION_FIELDS.map(field)}</dl>
        <dl class="profile-fields readonly">
          {SYSTEM_FIELDS.map((key) => (
            <div class="profile-field" key={key}>
              <dt>{fieldLabel(key, lang)}</dt>
              <dd>{fieldText(contact, key, lang, names) || <span class="muted">—</span>}</dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}
