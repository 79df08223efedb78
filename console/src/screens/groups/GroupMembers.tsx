/** /groups/{id}: the group's members page after page (each row links to its contact), each one's
 * member-site login (招待中 / 有効 / —), and per row: ログインに招待 (again while invited: a new temporary
 * password) or, once active, パスワード再設定メールを送信; and グループから外す. */
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Contact } from "../../api/types";
import { useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { useAction, useLoaded } from "../../lib/async";
import { useCursorPages } from "../../lib/cursorPages";
import { canManageGroups } from "../../lib/roles";
import { memberGroups } from "../../lib/reference";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Announcer, announce, quiet, refocus } from "../../ui/forms";
import { Empty, Loading, LoadError } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { groupMessages } from "./messages";

const PAGE_SIZE = 100;

export function GroupMembers({ id }: { id?: string; params?: Record<string, string> }) {
  const groupId = id ?? "";
  const t = useMessages(groupMessages);
  const manages = canManageGroups(roleOf(useMe()));
  const group = useLoaded(() => unwrap(api.GET("/v1/member-groups/{id}", { params: { path: { id: groupId } } })));
  usePageTitle(group.data?.name ?? t("title"));
  const pages = useCursorPages<Contact>(groupId, async (cursor) =>
    unwrap(api.GET("/v1/member-groups/{id}/members", {
      params: { path: { id: groupId }, query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    })));
  // what this page changed since the rows were read: a login's state, a member taken out
  const [updated, setUpdated] = useState<Record<string, Contact>>({});
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const action = useAction();
  useEffect(quiet, [groupId]); // the groups screen's last word is not this page's
  const nameOf = (contact: Contact) => contact.display_name || contact.email || t("unnamed");

  const memberCall = (contact: Contact, kind: "invite" | "password-reset") => action.run(async () => {
    const path = { id: groupId, contact_id: contact.id };
    const answer = kind === "invite"
      ? await unwrap(api.POST("/v1/member-groups/{id}/members/{contact_id}/invite", { params: { path }, body: {} }))
      : await unwrap(api.POST("/v1/member-groups/{id}/members/{contact_id}/password-reset", { params: { path }, body: {} }));
    setUpdated((before) => ({ ...before, [contact.id]: answer }));
    announce(t(kind === "invite" ? "invited" : "resetSent", { name: nameOf(contact) }));
  });
  const leave = (contact: Contact) => action.run(async () => {
    await unwrap(api.DELETE("/v1/member-groups/{id}/members/{contact_id}", { params: { path: { id: groupId, contact_id: contact.id } } }));
    setRemoved((before) => new Set([...before, contact.id]));
    announce(t("left", { name: nameOf(contact) }));
    refocus("group-heading");
    memberGroups.reload().catch(() => undefined);
  });

  if (group.error) return <LoadError error={group.error} retry={group.reload} />;
  if (!group.data) return <Loading />;
  const rows = pages.rows.filter((contact) => !removed.has(contact.id)).map((contact) => updated[contact.id] ?? contact);
  const loginLabel = (status: Contact["member_login_status"]) =>
    status === "invited" ? t("login_invited") : status === "active" ? t("login_active") : t("login_none");

  return (
    <section class="groups" aria-labelledby="group-heading">
      <p><a href="/groups">{t("backToGroups")}</a></p>
      <h1 id="group-heading" tabIndex={-1}>{group.data.name}</h1>
      <Announcer />
      <ErrorSummary error={action.error} />
      {pages.status === "loading" && <Loading />}
      {pages.status === "error" && <LoadError error={pages.error} retry={pages.reload} />}
      {pages.status === "ready" && rows.length === 0 && (
        <Empty title={t("noMembers")}><p>{t("noMembersHelp")} <a href="/contacts">{t("backToContacts")}</a></p></Empty>
      )}
      {pages.status === "ready" && rows.length > 0 && (
        <>
          <div class="table-scroll">
            <table class="data">
              <caption class="visually-hidden">{t("membersCaption", { name: group.data.name })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("contactName")}</th>
                  <th scope="col">{t("email")}</th>
                  <th scope="col">{t("login")}</th>
                  <th scope="col">{t("actions")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((contact) => {
                  const name = nameOf(contact);
                  const active = contact.member_login_status === "active";
                  return (
                    <tr key={contact.id} class="member-row">
                      <td><a href={`/contacts/${encodeURIComponent(contact.id)}`}>{name}</a></td>
                      <td>{contact.email ?? t("none")}</td>
                      <td><span class={`login-state login-${contact.member_login_status ?? "none"}`}>{loginLabel(contact.member_login_status)}</span></td>
                      <td><div class="row-actions">
                        {manages && contact.email && (
                          <button type="button" disabled={action.busy} aria-label={`${t(active ? "reset" : "invite")}: ${name}`}
                            onClick={() => memberCall(contact, active ? "password-reset" : "invite")}>
                            {t(active ? "reset" : "invite")}
                          </button>
                        )}
                        <button type="button" class="danger" disabled={action.busy} aria-label={`${t("leave")}: ${name}`}
                          onClick={() => leave(contact)}>{t("leave")}</button>
                      </div></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div class="list-end">
            {pages.more ? (
              <button type="button" onClick={pages.loadMore} disabled={pages.loadingMore}>
                {pages.loadingMore ? t("loadingMore") : t("loadMore")}
              </button>
            ) : (
              <span class="muted">{t("loadedAll")}</span>
            )}
            {pages.moreError !== null && <LoadError error={pages.moreError} retry={pages.loadMore} />}
          </div>
        </>
      )}
    </section>
  );
}
