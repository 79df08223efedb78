/** The contact's member groups (each linking to /groups/{id}) and its member-site login
 * (招待中 / 有効 / なし); both read-only here: membership changes from the list's bulk bar or the
 * group's page. */
import type { Contact } from "../../api/types";
import { useMessages } from "../../i18n";
import { memberGroups } from "../../lib/reference";
import { contactMessages } from "./messages";

export function MemberGroupsCard({ contact }: { contact: Contact }) {
  const t = useMessages(contactMessages);
  const groups = memberGroups.use();
  const ids = contact.groups ?? [];
  const names = new Map((groups ?? []).map((group) => [group.id, group.name]));
  const login = contact.member_login_status;
  return (
    <section class="card" aria-labelledby="member-groups-heading">
      <h2 id="member-groups-heading">{t("memberGroups")}</h2>
      {ids.length === 0 ? <p class="muted">{t("noMemberGroups")}</p> : (
        <ul class="member-group-list" aria-labelledby="member-groups-heading">
          {ids.map((id) => (
            <li key={id}><a href={`/groups/${encodeURIComponent(id)}`}>{names.get(id) ?? (groups ? id : t("loadingGroup"))}</a></li>
          ))}
        </ul>
      )}
      <dl class="profile-fields readonly">
        <div class="profile-field">
          <dt>{t("memberLogin")}</dt>
          <dd>{login === "invited" ? t("memberLoginInvited") : login === "active" ? t("memberLoginActive") : t("memberLoginNone")}</dd>
        </div>
      </dl>
    </section>
  );
}
