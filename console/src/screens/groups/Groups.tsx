/** /groups: the member groups (名前, メンバー数, redirect URL, web-form joinable); create, edit and
 * delete for the roles that may (owner, admin, manager; the API still decides). */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { MemberGroup } from "../../api/types";
import { formatNumber, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { useLoaded } from "../../lib/async";
import { loadMemberGroups, memberGroups } from "../../lib/reference";
import { canManageGroups } from "../../lib/roles";
import { Announcer, announce, ConfirmRemoval, refocus } from "../../ui/forms";
import { Empty, LoadedList } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { GroupDialog } from "./GroupDialog";
import { groupMessages } from "./messages";

type Open = { kind: "create" } | { kind: "edit"; group: MemberGroup } | { kind: "remove"; group: MemberGroup } | null;

export function Groups() {
  const t = useMessages(groupMessages);
  const lang = useLanguage();
  usePageTitle(t("title"));
  const manages = canManageGroups(roleOf(useMe()));
  const loaded = useLoaded(loadMemberGroups);
  const [open, setOpen] = useState<Open>(null);
  const changed = (groups: MemberGroup[], message: string) => {
    loaded.setData(groups);
    setOpen(null);
    announce(message);
    refocus("groups-heading");
    memberGroups.reload().catch(() => undefined);
  };
  const createButton = manages && (
    <button type="button" class="primary" onClick={() => setOpen({ kind: "create" })}>{t("create")}</button>
  );

  return (
    <section class="groups" aria-labelledby="groups-heading">
      <div class="groups-head">
        <h1 id="groups-heading" tabIndex={-1}>{t("title")}</h1>
        {loaded.data?.length ? createButton : null}
      </div>
      <p class="muted">{t("intro")}</p>
      <Announcer />
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("empty")}><p>{t("emptyHelp")}</p>{createButton}</Empty>}>
        {(groups) => (
          <div class="table-scroll">
            <table class="data">
              <caption class="visually-hidden">{t("caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("name")}</th>
                  <th scope="col" class="numeric">{t("count")}</th>
                  <th scope="col">{t("redirect")}</th>
                  <th scope="col">{t("joinable")}</th>
                  {manages && <th scope="col">{t("actions")}</th>}
                </tr>
              </thead>
              <tbody>
                {groups.map((group) => (
                  <tr key={group.id} class="group-row">
                    <td><a href={`/groups/${encodeURIComponent(group.id)}`}>{group.name}</a></td>
                    <td class="numeric">{group.contact_count === null ? t("none") : formatNumber(group.contact_count, lang)}</td>
                    <td class="group-url">{group.redirect_url ?? t("none")}</td>
                    <td>{group.web_form_joinable ? t("yes") : t("no")}</td>
                    {manages && (
                      <td><div class="row-actions">
                        <button type="button" onClick={() => setOpen({ kind: "edit", group })} aria-label={`${t("edit")}: ${group.name}`}>{t("edit")}</button>
                        <button type="button" class="danger" onClick={() => setOpen({ kind: "remove", group })} aria-label={`${t("remove")}: ${group.name}`}>{t("remove")}</button>
                      </div></td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadedList>
      {(open?.kind === "create" || open?.kind === "edit") && (
        <GroupDialog group={open.kind === "edit" ? open.group : null} onClose={() => setOpen(null)}
          onSaved={(saved, created) => {
            const before = loaded.data ?? [];
            const groups = created ? [...before, saved] : before.map((each) => (each.id === saved.id ? saved : each));
            changed(groups, t(created ? "created" : "saved", { name: saved.name }));
          }} />
      )}
      {open?.kind === "remove" && (
        <ConfirmRemoval title={t("removeTitle")} confirm={t("removeConfirm")} onClose={() => setOpen(null)}
          text={t("removeText", { name: open.group.name, count: formatNumber(open.group.contact_count ?? 0, lang) })}
          remove={async () => {
            await unwrap(api.DELETE("/v1/member-groups/{id}", { params: { path: { id: open.group.id } } }));
            changed((loaded.data ?? []).filter((each) => each.id !== open.group.id), t("removed", { name: open.group.name }));
          }} />
      )}
    </section>
  );
}
