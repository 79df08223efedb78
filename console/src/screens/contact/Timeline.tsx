/** The region タイムライン: the contact's entries newest first (GET .../timeline, paged by
 * cursor), filtered by type and by a range of days in the user's zone; the emails scheduled for
 * the contact above them; custom activities edited and deleted by those who may. */
import { FormActions } from "../../ui/forms";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Activity, Contact, Email } from "../../api/types";
import { formatDateTime, timeZone, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { canEditActivity } from "../../lib/roles";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { Empty, Loading, LoadError } from "../../ui/states";
import { activityText, actorName, isCustom, typeLabel, type ActivityType } from "./activityText";
import { contactMessages } from "./messages";
import { dayRange } from "./schedule";

const PAGE_SIZE = 50;

/** The type filter's choices, grouped as people look for them. */
const TYPE_GROUPS: { group: "emailGroup" | "customGroup" | "webGroup" | "changeGroup"; types: ActivityType[] }[] = [
  { group: "emailGroup", types: ["email_sent", "email_received", "email_opened", "email_reopened", "email_clicked", "email_delivered", "email_bounced", "email_complained"] },
  { group: "customGroup", types: ["call", "memo", "meeting", "custom_email", "other"] },
  { group: "webGroup", types: ["page_view", "form_submitted", "purchase"] },
  { group: "changeGroup", types: ["tag_added", "tag_removed", "status_changed", "owner_assigned", "group_joined", "group_left",
    "member_login_invited", "member_login_activated", "member_password_reset"] },
];

interface Filters {
  type: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { type: "", from: "", to: "" };

export function Timeline({ contact, contactName, memberNames, version }: {
  contact: Contact;
  contactName: string;
  memberNames: Record<string, string>;
  version: number;
}) {
  const t = useMessages(contactMessages);
  const lang = useLanguage();
  const me = useMe();
  const role = roleOf(me);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [items, setItems] = useState<Activity[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filterError, setFilterError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [reloading, setReloading] = useState(false);
  const [scheduled, setScheduled] = useState<Email[]>([]);
  const [editing, setEditing] = useState<Activity | null>(null);
  const [deleting, setDeleting] = useState<Activity | null>(null);

  const query = (after: string | null) => ({
    limit: PAGE_SIZE,
    ...(filters.type ? { type: filters.type } : {}),
    ...dayRange(filters.from, filters.to, timeZone()),
    ...(after ? { cursor: after } : {}),
  });
  const fetchPage = (after: string | null) =>
    unwrap(api.GET("/v1/contacts/{id}/timeline", { params: { path: { id: contact.id }, query: query(after) } }));

  // only the answer to the latest request is shown (filters change faster than answers come)
  const latest = useRef(0);
  const load = async () => {
    const request = ++latest.current;
    setError(null);
    setFilterError(null);
    setReloading(true);
    try {
      const page = await fetchPage(null);
      if (request !== latest.current) return;
      setItems(page.items);
      setCursor(page.next_cursor);
    } catch (failure) {
      if (request !== latest.current) return;
      // a refused filter (such as a start after the end) is the user's to fix, beside the filters
      if (failure instanceof ApiError && failure.status === 422) setFilterError(failure);
      else setError(failure);
      setItems([]);
      setCursor(null);
    } finally {
      if (request === latest.current) setReloading(false);
    }
  };
  const loadScheduled = () =>
    unwrap(api.GET("/v1/emails", { params: { query: { folder: "scheduled", limit: 200 } } }))
      .then((page) => setScheduled(page.items.filter((email) => email.contact_id === contact.id)), () => setScheduled([]));

  useEffect(() => {
    void load();
  }, [contact.id, version, filters.type, filters.from, filters.to]);
  useEffect(() => {
    void loadScheduled();
  }, [contact.id, version]);

  const more = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    const request = latest.current;
    try {
      const page = await fetchPage(cursor);
      if (request !== latest.current) return;
      setItems((current) => [...(current ?? []), ...page.items]);
      setCursor(page.next_cursor);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoadingMore(false);
    }
  };

  const cancelSchedule = async (email: Email) => {
    try {
      await unwrap(api.DELETE("/v1/emails/{id}", { params: { path: { id: email.id } } }));
      await loadScheduled();
    } catch (failure) {
      setError(failure);
    }
  };

  const filtered = filters.type !== "" || filters.from !== "" || filters.to !== "";
  const set = (name: keyof Filters) => (event: Event) =>
    setFilters((current) => ({ ...current, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value }));

  return (
    <section class="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">{t("timeline")}{reloading && items !== null && <span class="spinner timeline-spinner" aria-hidden="true" />}</h2>
      <div class="timeline-filters" role="group" aria-label={t("filters")}>
        <div class="field">
          <label for="timeline-type">{t("typeFilter")}</label>
          <select id="timeline-type" value={filters.type} onChange={set("type")}>
            <option value="">{t("allTypes")}</option>
            {TYPE_GROUPS.map(({ group, types }) => (
              <optgroup key={group} label={t(group)}>
                {types.map((type) => <option key={type} value={type}>{typeLabel(type, lang)}</option>)}
              </optgroup>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="timeline-from">{t("fromDate")}</label>
          <input id="timeline-from" type="date" value={filters.from} onChange={set("from")} />
        </div>
        <div class="field">
          <label for="timeline-to">{t("toDate")}</label>
          <input id="timeline-to" type="date" value={filters.to} onChange={set("to")} />
        </div>
        {filtered && <button type="button" class="link" onClick={() => setFilters(NO_FILTERS)}>{t("clearFilters")}</button>}
      </div>
      <ErrorSummary error={filterError} />

      {scheduled.length > 0 && (
        <div class="scheduled">
          <h3>{t("scheduledTitle")}</h3>
          <ul class="entries">
            {scheduled.map((email) => (
              <li key={email.id} class="entry entry-scheduled">
                <div class="entry-head">
                  <span class="entry-type">{t("scheduledBadge")}</span>
                  <time dateTime={email.send_at ?? undefined}>{t("scheduledAt", { time: formatDateTime(email.send_at, lang) })}</time>
                </div>
                <p class="entry-title">{email.subject}</p>
                <button type="button" class="link" onClick={() => cancelSchedule(email)}>{t("cancelSchedule")}</button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {error ? <LoadError error={error} retry={load} /> : items === null ? <Loading /> : items.length === 0 ? (
        <Empty title={filtered ? t("noMatches") : t("noEntries")} />
      ) : (
        <ol class="entries" aria-busy={reloading}>
          {items.map((activity) => {
            const { title, body } = activityText(activity, lang, memberNames);
            const editable = isCustom(activity) && me !== null && canEditActivity(role, activity.actor.id, me.id);
            return (
              <li key={activity.id} class={`entry entry-${activity.type}`}>
                <div class="entry-head">
                  <span class="entry-type">{typeLabel(activity.type, lang)}</span>
                  <time dateTime={activity.occurred_at}>{formatDateTime(activity.occurred_at, lang)}</time>
                  <span class="entry-actor">{actorName(activity, memberNames, contactName, t("system"))}</span>
                </div>
                {title && <p class="entry-title">{title}</p>}
                {body && <p class="entry-body">{body}</p>}
                {editable && (
                  <div class="entry-actions">
                    <button type="button" class="link" onClick={() => setEditing(activity)}>{t("editEntry")}</button>
                    <button type="button" class="link danger" onClick={() => setDeleting(activity)}>{t("deleteEntry")}</button>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {cursor && !error && (
        <button type="button" onClick={more} disabled={loadingMore} aria-busy={loadingMore}>{t("more")}</button>
      )}
      {editing && (
        <EditActivity contactId={contact.id} activity={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void load(); }} />
      )}
      {deleting && (
        <DeleteActivity contactId={contact.id} activity={deleting} onClose={() => setDeleting(null)} onDeleted={() => { setDeleting(null); void load(); }} />
      )}
    </section>
  );
}

function EditActivity({ contactId, activity, onClose, onSaved }: { contactId: string; activity: Activity; onClose: () => void; onSaved: () => void }) {
  const t = useMessages(contactMessages);
  const data = activity.data as { subject?: string | null; body?: string | null };
  const [subject, setSubject] = useState(data.subject ?? "");
  const [body, setBody] = useState(data.body ?? "");
  const [error, setError] = useState<unknown>(null);
  const errorsOf = (field: string) => (error instanceof ApiError ? error.detailsFor(field) : []);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      // a call's subject is the API's summary of it: only its notes are the user's
      const changes = activity.type === "call" ? { body: body || null } : { subject: subject || null, body: body || null };
      await unwrap(api.PATCH("/v1/contacts/{id}/activities/{activity_id}", { params: { path: { id: contactId, activity_id: activity.id } }, body: changes }));
      onSaved();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Dialog title={t("editEntryTitle")} onClose={onClose}>
      <form onSubmit={save}>
        <ErrorSummary error={error} />
        {activity.type !== "call" && (
          <div class="field">
            <label for="entry-subject">{t("entrySubject")}</label>
            <input id="entry-subject" value={subject} onInput={(event) => setSubject(event.currentTarget.value)}
              aria-invalid={errorsOf("subject").length > 0} aria-describedby={errorsOf("subject").length ? "entry-subject-errors" : undefined} />
            <FieldErrors id="entry-subject-errors" messages={errorsOf("subject")} />
          </div>
        )}
        <div class="field">
          <label for="entry-body">{t("entryBody")}</label>
          <textarea id="entry-body" value={body} onInput={(event) => setBody(event.currentTarget.value)}
            aria-invalid={errorsOf("body").length > 0} aria-describedby={errorsOf("body").length ? "entry-body-errors" : undefined} />
          <FieldErrors id="entry-body-errors" messages={errorsOf("body")} />
        </div>
        <FormActions onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function DeleteActivity({ contactId, activity, onClose, onDeleted }: { contactId: string; activity: Activity; onClose: () => void; onDeleted: () => void }) {
  const t = useMessages(contactMessages);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setError(null);
    try {
      await unwrap(api.DELETE("/v1/contacts/{id}/activities/{activity_id}", { params: { path: { id: contactId, activity_id: activity.id } } }));
      onDeleted();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Dialog title={t("deleteConfirm")} onClose={onClose}>
      <ErrorSummary error={error} />
      <div class="actions">
        <button type="button" class="danger" onClick={remove}>{t("deleteYes")}</button>
        <button type="button" onClick={onClose}>{t("cancel")}</button>
      </div>
    </Dialog>
  );
}
