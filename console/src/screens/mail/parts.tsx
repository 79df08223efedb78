/** Small pieces the folder list and the thread share: an email's status and its tracking counts. */
import type { Email } from "../../api/types";
import { useMessages } from "../../i18n";
import { mailMessages } from "./messages";

/** The status as people read it, with what the mail system last said of the delivery. */
export function StatusText({ email }: { email: Email }) {
  const t = useMessages(mailMessages);
  const delivery = email.delivery_state ? t(`delivery_${email.delivery_state}`) : "";
  return (
    <span class={`mail-status mail-status-${email.status}`}>
      {t(`status_${email.status}`)}
      {delivery && <span class="muted"> · {delivery}</span>}
    </span>
  );
}

/** 開封 2(自動 1)・クリック 0(自動 0): a person's opens and clicks, and apart from them those
 * no person caused. */
export function Counts({ email }: { email: Email }) {
  const t = useMessages(mailMessages);
  return (
    <span class="mail-counts">
      {t("counts", {
        opens: email.open_count, machineOpens: email.machine_open_count,
        clicks: email.click_count, machineClicks: email.machine_click_count,
      })}
    </span>
  );
}

/** Whether an email has counts worth showing: ours, sent, with tracking or hits. */
export function tracked(email: Email): boolean {
  return email.status === "sent" && (email.track_opens || email.track_clicks || email.open_count + email.machine_open_count
    + email.click_count + email.machine_click_count > 0);
}
