/** The header's 通知 link to /notifications with the unread count (in its accessible name: "通知
 * 3件未読"), polled while the user is signed in. */
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useMessages } from "../i18n";
import { pollUnread, unreadStore } from "../lib/notifications";
import { useStore } from "../lib/store";
import { shell } from "./messages";

export function NotificationsLink() {
  const t = useMessages(shell);
  const unread = useStore(unreadStore);
  const { path } = useLocation();
  useEffect(pollUnread, []);
  return (
    <a class="notifications-link" href="/notifications" aria-current={path === "/notifications" ? "page" : undefined}>
      {t("notifications")}
      <span class={unread > 0 ? "unread-badge" : "visually-hidden"}> {t("unread", { count: unread })}</span>
    </a>
  );
}
