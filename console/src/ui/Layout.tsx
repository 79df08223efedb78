/** The frame of every signed-in screen: skip link, header with the navigation, the member's name
 * and role, the language switch and sign-out. */
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { signOut } from "../auth/session";
import { LANGUAGES, setLanguage, useLanguage, useMessages } from "../i18n";
import { roleOf, useMe } from "../lib/account";
import { canManageSettings } from "../lib/roles";
import { shell } from "./messages";
import { NotificationsLink } from "./NotificationsLink";

export function Layout({ children }: { children: ComponentChildren }) {
  const t = useMessages(shell);
  const lang = useLanguage();
  const me = useMe();
  const { path, route } = useLocation();
  const role = roleOf(me);
  const links = [
    { href: "/contacts", label: t("contacts") },
    { href: "/mail", label: t("mail") },
    { href: "/groups", label: t("groups") },
    { href: "/imports", label: t("imports") },
    { href: "/exports", label: t("exports") },
    { href: "/jobs", label: t("jobs") },
    { href: canManageSettings(role) ? "/settings" : "/settings/members", label: t("settings") },
  ];
  return (
    <>
      <a class="skip-link" href="#main">{t("skip")}</a>
      <header class="app-header">
        <a class="brand" href="/contacts">{me?.tenant?.name || t("product")}</a>
        <nav aria-label={t("nav")}>
          <ul>
            {links.map((link) => {
              const here = path === link.href || path.startsWith(`${link.href.split("/").slice(0, 2).join("/")}/`) || path.startsWith(link.href.split("/").slice(0, 2).join("/"));
              return (
                <li key={link.href}>
                  <a href={link.href} aria-current={here ? "page" : undefined}>{link.label}</a>
                </li>
              );
            })}
          </ul>
        </nav>
        <NotificationsLink />
        <div class="account" aria-label={t("account")} role="group">
          {me && (
            <span class="who">
              <span class="who-name">{me.name || me.email}</span>
              <span class="role-badge">{t(`role_${role}`)}</span>
            </span>
          )}
          <label class="visually-hidden" for="language">{t("language")}</label>
          <select id="language" value={lang} onChange={(event) => setLanguage((event.currentTarget as HTMLSelectElement).value as "ja" | "en")}>
            {LANGUAGES.map((code) => (
              <option key={code} value={code}>{code === "ja" ? "日本語" : "English"}</option>
            ))}
          </select>
          <button type="button" onClick={async () => { await signOut(); route("/login"); }}>{t("signOut")}</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

export function NotFound() {
  const t = useMessages(shell);
  return (
    <section class="state state-empty">
      <h1>{t("notFound")}</h1>
      <p>{t("notFoundHelp")}</p>
      <a href="/contacts">{t("backToContacts")}</a>
    </section>
  );
}
