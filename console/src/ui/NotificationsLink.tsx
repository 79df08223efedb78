/** Placeholder of the header's notifications link with the unread count (issue 21): its helper
 * replaces it. */
export function NotificationsLink() {
  return null;
}
