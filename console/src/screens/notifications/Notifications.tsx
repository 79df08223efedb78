/** /notifications: the user's notifications newest first (GET /v1/me/notifications, one call a
 * page, さらに表示 for the next): what happened (開封 or クリック), the email's subject, a link to the
 * contact, when; unread ones marked (in words, not by colour alone). Mark one read or unread, or
 * すべて既読にする; the header's count and the page title follow. */
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import { useAction } from "../../lib/async";
import type { Notification } from "../../api/types";
import { formatDateTime, useLanguage, useMessages } from "../../i18n";
import { refreshUnread, unreadStore } from "../../lib/notifications";
import { useStore } from "../../lib/store";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Empty, LoadedList } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { announce, Announcer } from "../../ui/forms";
import { notificationMessages } from "./messages";

const PAGE_SIZE = 20;

export function Notifications() {
  const t = useMessages(notificationMessages);
  const lang = useLanguage();
  usePageTitle(t("title"));
  const unread = useStore(unreadStore);
  const [items, setItems] = useState<Notification[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const { busy, error, run: act } = useAction();

  const fetchPage = async (after: string | null) => {
    const page = await unwrap(api.GET("/v1/me/notifications", { params: { query: { limit: PAGE_SIZE, ...(after ? { cursor: after } : {}) } } }));
    unreadStore.set(page.unread_count);
    setCursor(page.next_cursor);
    return page.items;
  };
  const load = () => {
    setLoadError(null);
    fetchPage(null).then(setItems, setLoadError);
  };
  useEffect(load, []);

  const more = () => act(async () => {
    const next = await fetchPage(cursor);
    setItems((current) => [...(current ?? []), ...next]);
  });
  const mark = (notification: Notification, read: boolean) => act(async () => {
    const changed = await unwrap(api.PATCH("/v1/me/notifications/{id}", { params: { path: { id: notification.id } }, body: { read } }));
    setItems((current) => (current ?? []).map((each) => (each.id === changed.id ? changed : each)));
    await refreshUnread();
  });
  const readAll = () => act(async () => {
    await unwrap(api.POST("/v1/me/notifications/read-all"));
    setItems((current) => (current ?? []).map((each) => ({ ...each, read: true })));
    await refreshUnread();
    announce(t("readAllDone"));
  });

  return (
    <section class="notifications" aria-labelledby="notifications-heading">
      <div class="page-head">
        <h1 id="notifications-heading" tabIndex={-1}>{t("title")}</h1>
        <p class="muted">{t("summary", { count: unread })}</p>
        <button type="button" onClick={readAll} disabled={busy || unread === 0}>{t("readAll")}</button>
      </div>
      <Announcer />
      <ErrorSummary error={error} />
      <LoadedList items={items} error={loadError} retry={load}
        empty={<Empty title={t("empty")}><p>{t("emptyHelp")}</p></Empty>}>
        {(items) => (
          <ol class="notification-list" aria-label={t("list")}>
            {items.map((notification) => (
              <li key={notification.id} class={notification.read ? "notification" : "notification notification-unread"}>
                <div>
                  <p class="notification-what">
                    {!notification.read && <span class="notification-unread-mark">{t("unreadMark")}</span>}
                    {t(notification.kind)}
                  </p>
                  <p class="notification-subject">
                    <span class="muted">{t("subject")}: </span>{notification.subject || t("noSubject")}
                  </p>
                  <p class="notification-meta">
                    <time dateTime={notification.occurred_at}>{formatDateTime(notification.occurred_at, lang)}</time>
                    <a href={`/contacts/${encodeURIComponent(notification.contact_id)}`}>{t("contact")}</a>
                  </p>
                </div>
                <div class="notification-actions">
                  <button type="button" onClick={() => mark(notification, !notification.read)} disabled={busy}>
                    {notification.read ? t("markUnread") : t("markRead")}
                  </button>
                </div>
              </li>
            ))}
          </ol>
        )}
      </LoadedList>
      {items && cursor && !loadError && (
        <button type="button" onClick={more} disabled={busy} aria-busy={busy}>{t("more")}</button>
      )}
    </section>
  );
}
