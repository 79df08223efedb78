/** /settings and /settings/:section: the sub-navigation and the section; /settings opens the first
 * section the member's role may use. A section the role may not use is not offered (the API would
 * refuse its changes anyway). */
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { usePageTitle } from "../../ui/title";
import { ApiKeys } from "./ApiKeys";
import { Announcer, quiet } from "../../ui/forms";
import { ListColumns } from "./ListColumns";
import { Mailbox } from "./Mailbox";
import { Members } from "./Members";
import { common } from "./messages";
import { Permissions } from "./Permissions";
import { Properties } from "./Properties";
import { Scoring } from "./Scoring";
import { isSection, sectionsFor, type SectionId } from "./sections";
import { SiteKeys } from "./SiteKeys";
import { Tags } from "./Tags";
import { Usage } from "./Usage";

const SCREENS: Record<SectionId, () => JSX.Element> = {
  members: Members,
  list: ListColumns,
  permissions: Permissions,
  scoring: Scoring,
  properties: Properties,
  tags: Tags,
  mailbox: Mailbox,
  "site-keys": SiteKeys,
  "api-keys": ApiKeys,
  usage: Usage,
};

export function Settings({ section }: { section?: string }) {
  const t = useMessages(common);
  const role = roleOf(useMe());
  const { route } = useLocation();
  const sections = sectionsFor(role);
  const allowed = isSection(section) && sections.includes(section);
  usePageTitle(allowed ? `${t(section)} - ${t("title")}` : t("title"));
  useEffect(() => {
    if (section === undefined) route(`/settings/${sections[0]}`, true);
    quiet();
  }, [section]);
  if (section === undefined) return null;
  const Screen = allowed ? SCREENS[section] : null;
  return (
    <div class="settings">
      <div class="settings-side">
        <h1 class="settings-title">{t("title")}</h1>
        <nav class="settings-nav" aria-label={t("nav")}>
          <ul>
            {sections.map((id) => (
              <li key={id}>
                <a href={`/settings/${id}`} aria-current={id === section ? "page" : undefined}>{t(id)}</a>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <div class="settings-body">
        <Announcer />
        {Screen ? <Screen /> : <p class="notice">{isSection(section) ? t("adminOnly") : t("notFound")}</p>}
      </div>
    </div>
  );
}
