/** /settings/members: the members table (every role); owners and admins invite, change roles,
 * disable, enable and remove members. After each change the shared members list is reloaded, so
 * owner names and pickers elsewhere follow. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Member } from "../../api/types";
import { defineMessages, formatDateTime, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { membersStore, reloadMembers } from "../../lib/members";
import { canManageMembers, type Role } from "../../lib/roles";
import { useStore } from "../../lib/store";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { shell } from "../../ui/messages";
import { Empty, Loading, LoadError } from "../../ui/states";
import { announce, refocus } from "../../ui/forms";
import { useAction, useLoaded } from "../../lib/async";
import { InviteDialog, RemoveDialog, RoleDialog } from "./MemberDialogs";
import { byJoined, displayName, memberActions } from "./memberRules";

export const memberWords = defineMessages(
  {
    heading: "メンバー",
    caption: "メンバー一覧",
    invite: "メンバーを招待",
    name: "名前",
    email: "メールアドレス",
    role: "ロール",
    status: "状態",
    created: "登録日時",
    actions: "操作",
    you: "（あなた）",
    invited: "招待中",
    active: "有効",
    disabled: "無効",
    changeRole: "ロールを変更",
    disable: "無効にする",
    enable: "有効にする",
    remove: "削除",
    empty: "メンバーはまだいません。",
    readOnly: "メンバーの招待や変更はオーナーと管理者が行います。",
    disabledDone: "{name} さんを無効にしました。次の操作からログインできなくなります。",
    enabledDone: "{name} さんを有効にしました。",
  },
  {
    heading: "Members",
    caption: "Members",
    invite: "Invite a member",
    name: "Name",
    email: "Email",
    role: "Role",
    status: "Status",
    created: "Added",
    actions: "Actions",
    you: " (you)",
    invited: "Invited",
    active: "Active",
    disabled: "Disabled",
    changeRole: "Change role",
    disable: "Disable",
    enable: "Enable",
    remove: "Remove",
    empty: "No members yet.",
    readOnly: "Owners and admins invite and change members.",
    disabledDone: "{name} is disabled: their next request is refused.",
    enabledDone: "{name} is enabled again.",
  },
);

type Open = { kind: "invite" } | { kind: "role"; member: Member } | { kind: "remove"; member: Member } | null;

export function Members() {
  const t = useMessages(memberWords);
  const roles = useMessages(shell);
  const lang = useLanguage();
  const me = useMe();
  const actor = roleOf(me);
  const members = useStore(membersStore);
  const loaded = useLoaded(reloadMembers);
  const [open, setOpen] = useState<Open>(null);
  const { busy, error, setError, run } = useAction();
  const manages = canManageMembers(actor);

  function setDisabled(member: Member, disabled: boolean) {
    return run(async () => {
      await unwrap(api.PATCH("/v1/members/{id}", { params: { path: { id: member.id } }, body: { disabled } }));
      await reloadMembers();
      announce(t(disabled ? "disabledDone" : "enabledDone", { name: displayName(member) }));
    });
  }

  async function changed(message: string) {
    setOpen(null);
    setError(null);
    await reloadMembers().catch(setError);
    announce(message);
    refocus("members-heading");
  }

  return (
    <section aria-labelledby="members-heading">
      <div class="section-head">
        <h2 id="members-heading" tabIndex={-1}>{t("heading")}</h2>
        {manages && <button type="button" class="primary" onClick={() => setOpen({ kind: "invite" })}>{t("invite")}</button>}
      </div>
      {!manages && <p class="muted">{t("readOnly")}</p>}
      <ErrorSummary error={error} />
      {members === null && loaded.error ? <LoadError error={loaded.error} retry={loaded.reload} />
        : members === null ? <Loading />
        : members.length === 0 ? <Empty title={t("empty")} />
        : (
          <table class="data">
            <caption class="visually-hidden">{t("caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("name")}</th>
                <th scope="col">{t("email")}</th>
                <th scope="col">{t("role")}</th>
                <th scope="col">{t("status")}</th>
                <th scope="col">{t("created")}</th>
                {manages && <th scope="col">{t("actions")}</th>}
              </tr>
            </thead>
            <tbody>
              {byJoined(members).map((member) => {
                const may = memberActions(actor, me?.id ?? "", member);
                const named = (action: string) => ({ "aria-label": `${action}: ${displayName(member)}` });
                return (
                  <tr key={member.id}>
                    <td>{member.name ?? ""}{member.id === me?.id && <span class="muted">{t("you")}</span>}</td>
                    <td>{member.email}</td>
                    <td>{roles(`role_${member.role as Role}`)}</td>
                    <td><span class={`member-status member-${member.status}`}>{t(member.status)}</span></td>
                    <td>{formatDateTime(member.created_at, lang)}</td>
                    {manages && (
                      <td><div class="row-actions">
                        {may.changeRole && (
                          <button type="button" disabled={busy} onClick={() => setOpen({ kind: "role", member })} {...named(t("changeRole"))}>{t("changeRole")}</button>
                        )}
                        {may.disable && (
                          <button type="button" disabled={busy} onClick={() => setDisabled(member, member.status !== "disabled")} {...named(t(member.status === "disabled" ? "enable" : "disable"))}>
                            {t(member.status === "disabled" ? "enable" : "disable")}
                          </button>
                        )}
                        {may.remove && (
                          <button type="button" class="danger" disabled={busy} onClick={() => setOpen({ kind: "remove", member })} {...named(t("remove"))}>{t("remove")}</button>
                        )}
                      </div></td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      {open?.kind === "invite" && <InviteDialog actor={actor} onClose={() => setOpen(null)} onDone={changed} />}
      {open?.kind === "role" && <RoleDialog actor={actor} member={open.member} onClose={() => setOpen(null)} onDone={changed} />}
      {open?.kind === "remove" && <RemoveDialog member={open.member} onClose={() => setOpen(null)} onDone={changed} />}
    </section>
  );
}
