/** /contacts/{id}: the contact's profile and company on the left, the timeline on the right (as
 * Digima lays it out), and the actions メールを送信, コール and メモを追加. */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Call, Company, Contact, Email, PropertyDefinition } from "../../api/types";
import { formatDateTime, useMessages } from "../../i18n";
import { useMembers, memberNames } from "../../lib/members";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Loading, LoadError } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { CallDialog, CallPanel } from "./CallDialog";
import { Composer } from "./Composer";
import { MemoDialog } from "./MemoDialog";
import { contactMessages } from "./messages";
import { Profile } from "./Profile";
import { Timeline } from "./Timeline";

type Open = null | "compose" | "memo" | "callNotes";

/** The contact, its company and the tenant's property definitions, loaded together. */
function useContact(id: string) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [company, setCompany] = useState<Company | null>(null);
  const [properties, setProperties] = useState<PropertyDefinition[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    setError(null);
    setContact(null);
    try {
      const [loaded, definitions] = await Promise.all([
        unwrap(api.GET("/v1/contacts/{id}", { params: { path: { id } } })),
        unwrap(api.GET("/v1/properties")),
      ]);
      setProperties(definitions.items.filter((definition) => !definition.archived));
      setContact(loaded);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, [id]);
  const companyId = contact?.company_id ?? null;
  useEffect(() => {
    setCompany(null);
    if (companyId) {
      unwrap(api.GET("/v1/companies/{id}", { params: { path: { id: companyId } } })).then(setCompany, () => setCompany(null));
    }
  }, [companyId]);
  return { contact, setContact, company, properties, error, load };
}

export function ContactPage({ id }: { id?: string; params?: Record<string, string> }) {
  const contactId = id ?? "";
  const t = useMessages(contactMessages);
  const { contact, setContact, company, properties, error, load } = useContact(contactId);
  const members = useMembers();
  const [open, setOpen] = useState<Open>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [timelineVersion, setTimelineVersion] = useState(0);
  const [calling, setCalling] = useState(false);
  const [logged, setLogged] = useState<Call | null>(null);
  const name = contact ? contact.display_name || contact.email || t("noName") : "";
  usePageTitle(error instanceof ApiError && error.status === 404 ? t("notFoundTitle") : name);

  if (error instanceof ApiError && error.status === 404) {
    return (
      <section class="state state-empty contact-not-found">
        <h1>{t("notFoundTitle")}</h1>
        <p>{t("notFoundHelp")}</p>
        <a class="button" href="/contacts">{t("backToContacts")}</a>
      </section>
    );
  }
  if (error) return <LoadError error={error} retry={load} />;
  if (!contact) return <Loading />;

  const refreshTimeline = () => setTimelineVersion((version) => version + 1);
  const names = memberNames(members);
  /** After a call or an email: the contacted times, and the owner of an ownerless contact, moved. */
  const reloadContact = () => unwrap(api.GET("/v1/contacts/{id}", { params: { path: { id: contact.id } } })).then(setContact, () => undefined);
  const begin = (next: Open) => {
    setActionError(null);
    setNotice("");
    setLogged(null);
    setOpen(next);
  };

  /** コール: the API logs the call and answers the number to dial (or refuses, e.g. no phone). */
  const call = async () => {
    begin(null);
    setCalling(true);
    try {
      const body = { direction: "outbound", outcome: "connected", duration_seconds: 0 } as const;
      setLogged(await unwrap(api.POST("/v1/contacts/{id}/calls", { params: { path: { id: contact.id } }, body })));
      refreshTimeline();
      void reloadContact();
    } catch (failure) {
      setActionError(failure);
    } finally {
      setCalling(false);
    }
  };

  const emailed = (email: Email) => {
    setOpen(null);
    setNotice(email.status === "scheduled" ? t("emailScheduled", { time: formatDateTime(email.send_at) }) : t("emailSent"));
    refreshTimeline();
    void reloadContact();
  };

  return (
    <div class="contact-page">
      <header class="contact-head">
        <h1>{name}</h1>
        <div class="actions" role="group" aria-label={t("actions")}>
          <button type="button" class="primary" onClick={() => begin("compose")}>
            {t("sendEmail")}
          </button>
          <button type="button" onClick={call} disabled={calling} aria-busy={calling}>{t("call")}</button>
          <button type="button" onClick={() => begin("memo")}>{t("addMemo")}</button>
        </div>
      </header>
      <ErrorSummary error={actionError} />
      {logged && <CallPanel contact={contact} call={logged} onNotes={() => setOpen("callNotes")} />}
      <p class="notice" role="status" aria-live="polite" hidden={!notice}>{notice}</p>
      <div class="contact-columns">
        <Profile
          contact={contact}
          company={company}
          properties={properties}
          members={members}
          onChange={(updated) => { setContact(updated); refreshTimeline(); }}
        />
        <Timeline contact={contact} contactName={name} memberNames={names} version={timelineVersion} />
      </div>
      {open === "compose" && (
        <Composer contact={contact} properties={properties} onClose={() => setOpen(null)} onSent={emailed} />
      )}
      {open === "memo" && (
        <MemoDialog
          contactId={contact.id}
          onClose={() => setOpen(null)}
          onAdded={() => { setOpen(null); setNotice(t("memoSaved")); refreshTimeline(); }}
        />
      )}
      {open === "callNotes" && logged && (
        <CallDialog contact={contact} call={logged} onClose={() => setOpen(null)} onSaved={(activity) => { setOpen(null); setLogged({ ...logged, activity: activity as Call["activity"] }); setNotice(t("callSaved")); refreshTimeline(); }} />
      )}
    </div>
  );
}
