/** The members section's dialogs: invite, change a role, remove (with what removal does). */
import { api, unwrap } from "../../api/client";
import type { Member } from "../../api/types";
import { defineMessages, useMessages } from "../../i18n";
import { rolesGrantable, type Role } from "../../lib/roles";
import { Dialog } from "../../ui/Dialog";
import { shell } from "../../ui/messages";
import { ConfirmRemoval, Field, FormActions, FormError, messagesFor } from "../../ui/forms";
import { useSubmit } from "../../lib/async";
import { displayName } from "./memberRules";

const words = defineMessages(
  {
    inviteTitle: "メンバーを招待",
    inviteHelp: "招待メールで仮パスワードが届きます。初回ログイン時に新しいパスワードを設定します。",
    email: "メールアドレス",
    name: "名前",
    role: "ロール",
    sendInvite: "招待する",
    invited: "{email} に招待を送りました。",
    roleTitle: "ロールを変更: {name}",
    changeRole: "変更する",
    roleChanged: "{name} さんのロールを{role}に変更しました。",
    removeTitle: "メンバーを削除",
    removeText: "{who} をメンバーから削除します。この人が担当している連絡先はすべて担当者なしになります。元に戻すことはできません。",
    removeConfirm: "削除する",
    removed: "{name} さんを削除しました。",
  },
  {
    inviteTitle: "Invite a member",
    inviteHelp: "The invitation mail carries a temporary password; they choose a new one when they first sign in.",
    email: "Email",
    name: "Name",
    role: "Role",
    sendInvite: "Send invitation",
    invited: "Invitation sent to {email}.",
    roleTitle: "Change role: {name}",
    changeRole: "Change",
    roleChanged: "{name} is now {role}.",
    removeTitle: "Remove member",
    removeText: "{who} will be removed. Every contact they own becomes ownerless. This cannot be undone.",
    removeConfirm: "Remove",
    removed: "{name} was removed.",
  },
);

function RoleSelect({ actor, value, described }: { actor: Role; value: string; described: Record<string, string> }) {
  const roles = useMessages(shell);
  return (
    <select name="role" {...described} defaultValue={value}>
      {rolesGrantable(actor).map((role) => <option key={role} value={role}>{roles(`role_${role}`)}</option>)}
    </select>
  );
}

export function InviteDialog({ actor, onClose, onDone }: { actor: Role; onClose: () => void; onDone: (message: string) => void }) {
  const t = useMessages(words);
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const body = { email: String(form.get("email")).trim(), name: String(form.get("name")).trim(), role: String(form.get("role")) as Role };
    await unwrap(api.POST("/v1/members", { body }));
    onDone(t("invited", { email: body.email }));
  });
  return (
    <Dialog title={t("inviteTitle")} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <p class="muted">{t("inviteHelp")}</p>
        <FormError error={error} fields={["email", "name", "role"]} />
        <Field id="invite-email" label={t("email")} errors={messagesFor(error, "email")}>
          {(described) => <input {...described} name="email" type="email" autocomplete="off" required autofocus />}
        </Field>
        <Field id="invite-name" label={t("name")} errors={messagesFor(error, "name")}>
          {(described) => <input {...described} name="name" required maxLength={256} />}
        </Field>
        <Field id="invite-role" label={t("role")} errors={messagesFor(error, "role")}>
          {(described) => <RoleSelect actor={actor} value="user" described={described} />}
        </Field>
        <FormActions busy={busy} label={t("sendInvite")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function RoleDialog({ actor, member, onClose, onDone }: {
  actor: Role; member: Member; onClose: () => void; onDone: (message: string) => void;
}) {
  const t = useMessages(words);
  const roles = useMessages(shell);
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const role = String(form.get("role")) as Role;
    await unwrap(api.PATCH("/v1/members/{id}", { params: { path: { id: member.id } }, body: { role } }));
    onDone(t("roleChanged", { name: displayName(member), role: roles(`role_${role}`) }));
  });
  return (
    <Dialog title={t("roleTitle", { name: displayName(member) })} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <FormError error={error} fields={["role"]} />
        <Field id="member-role" label={t("role")} errors={messagesFor(error, "role")}>
          {(described) => <RoleSelect actor={actor} value={member.role} described={described} />}
        </Field>
        <FormActions busy={busy} label={t("changeRole")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function RemoveDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const t = useMessages(words);
  return (
    <ConfirmRemoval
      title={t("removeTitle")}
      text={t("removeText", { who: member.name ? `${member.name} <${member.email}>` : member.email })}
      confirm={t("removeConfirm")}
      onClose={onClose}
      remove={async () => {
        await unwrap(api.DELETE("/v1/members/{id}", { params: { path: { id: member.id } } }));
        onDone(t("removed", { name: displayName(member) }));
      }}
    />
  );
}
