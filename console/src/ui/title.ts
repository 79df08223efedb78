import { useEffect } from "preact/hooks";
import { unreadStore } from "../lib/notifications";
import { useStore } from "../lib/store";

/** "(UNREAD) SCREEN | CRM": the screen, after the number of unread notifications when there are any. */
export function pageTitle(screen: string, unread: number): string {
  return `${unread > 0 ? `(${unread}) ` : ""}${screen ? `${screen} | CRM` : "CRM"}`;
}

/** The document title for a screen (what a screen reader announces on navigation), with the unread
 * notifications count kept up to date. */
export function usePageTitle(screen: string): void {
  const unread = useStore(unreadStore);
  useEffect(() => {
    document.title = pageTitle(screen, unread);
  }, [screen, unread]);
}
