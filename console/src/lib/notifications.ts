/** The signed-in user's unread notifications count, shared by the header's 通知 link, the page
 * title of every screen and the 通知 screen: refreshed by polling while the tab is visible, and
 * after the user marks notifications read. */
import { api, unwrap } from "../api/client";
import { onSessionChange } from "../auth/session";
import { createStore } from "./store";

/** How often the count is asked for while the tab is visible: an open or a click reaches the user within a minute. */
export const POLL_MS = 60_000;

export const unreadStore = createStore<number>(0);

/** Asks the API for the count (one notification's page: `unread_count` counts them all). */
export async function refreshUnread(): Promise<void> {
  const page = await unwrap(api.GET("/v1/me/notifications", { params: { query: { limit: 1 } } }));
  unreadStore.set(page.unread_count);
}

/** Keeps the count fresh: now, every POLL_MS while the tab is visible, and when it becomes
 * visible again. The returned function stops it. A failed poll keeps the last count. */
export function pollUnread(): () => void {
  const poll = () => {
    if (document.visibilityState === "visible") refreshUnread().catch(() => undefined);
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
  return () => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", poll);
  };
}

onSessionChange(() => unreadStore.set(0));
