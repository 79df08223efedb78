/** /settings/permissions: owner visibility (a `user` sees only the contacts they own) and the
 * roles that may export. */
import { useState } from "preact/hooks";
import { defineMessages, useMessages } from "../../i18n";
import { useSettings } from "../../lib/account";
import type { Role } from "../../lib/roles";
import { shell } from "../../ui/messages";
import { DetailErrors, FormError, SaveButton } from "../../ui/forms";
import { useSubmit } from "../../lib/async";
import { saveSettings } from "./save";

const ROLES: Role[] = ["owner", "admin", "manager", "user"];

const words = defineMessages(
  {
    heading: "権限",
    visibility: "連絡先の閲覧範囲",
    restricted: "ユーザー権限のメンバーには、自分が担当する連絡先だけを表示する",
    restrictedHelp: "オン: ユーザー権限のメンバーは担当者が自分の連絡先だけを閲覧・検索・エクスポート・メール送信できます。",
    exportRoles: "エクスポートできるロール",
    exportHelp: "チェックしたロールのメンバーが連絡先をエクスポートできます。",
  },
  {
    heading: "Permissions",
    visibility: "Which contacts users see",
    restricted: "Members with the user role see only the contacts they own",
    restrictedHelp: "On: a member with the user role sees, searches, exports and emails only the contacts they own.",
    exportRoles: "Roles that may export",
    exportHelp: "Members with a ticked role may export contacts.",
  },
);

export function Permissions() {
  const t = useMessages(words);
  const roles = useMessages(shell);
  const settings = useSettings();
  const [restricted, setRestricted] = useState(Boolean(settings?.owner_visibility_restricted));
  const [exporters, setExporters] = useState<Role[]>((settings?.export_roles as Role[] | undefined) ?? ["owner", "admin"]);
  const { busy, error, onSubmit } = useSubmit(async () => {
    await saveSettings({ owner_visibility_restricted: restricted, export_roles: exporters });
  });

  return (
    <section aria-labelledby="permissions-heading">
      <h2 id="permissions-heading">{t("heading")}</h2>
      <form onSubmit={onSubmit}>
        <FormError error={error} fields={["owner_visibility_restricted", "export_roles"]} />
        <fieldset>
          <legend>{t("visibility")}</legend>
          <label class="choice">
            <input type="checkbox" checked={restricted} aria-describedby="restricted-help"
              onChange={(event) => setRestricted((event.currentTarget as HTMLInputElement).checked)} />
            {t("restricted")}
          </label>
          <p class="muted" id="restricted-help">{t("restrictedHelp")}</p>
          <DetailErrors error={error} field="owner_visibility_restricted" />
        </fieldset>
        <fieldset aria-describedby="export-help">
          <legend>{t("exportRoles")}</legend>
          <p class="muted" id="export-help">{t("exportHelp")}</p>
          {ROLES.map((role) => (
            <label class="choice" key={role}>
              <input type="checkbox" name="export_roles" value={role} checked={exporters.includes(role)}
                onChange={(event) => {
                  const on = (event.currentTarget as HTMLInputElement).checked;
                  setExporters(ROLES.filter((each) => (each === role ? on : exporters.includes(each))));
                }} />
              {roles(`role_${role}`)}
            </label>
          ))}
          <DetailErrors error={error} field="export_roles" />
        </fieldset>
        <div class="actions">
          <SaveButton busy={busy} />
        </div>
      </form>
    </section>
  );
}
