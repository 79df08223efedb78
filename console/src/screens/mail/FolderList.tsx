/** One folder of the mailbox as a table (Digima's メールボックス一覧): who, subject, date,
 * status; the subject opens the thread beside it (/mail/FOLDER/ID). */
import type { Email } from "../../api/types";
import { formatDateTime, useLanguage, useMessages } from "../../i18n";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Empty, Loading, LoadError } from "../../ui/states";
import { counterpart, folderTime, type Folder } from "./mailView";
import { mailMessages } from "./messages";
import { Counts, StatusText, tracked } from "./parts";
import type { FolderPages } from "./useFolder";

const EMPTY = {
  received: ["emptyReceived", "emptyReceivedHelp"],
  sent: ["emptySent", "emptySentHelp"],
  scheduled: ["emptyScheduled", "emptyScheduledHelp"],
} as const;

const TIME_HEADER = { received: "receivedAt", sent: "sentAt", scheduled: "sendAt" } as const;

export function FolderList({ folder, pages, openId, retry }: {
  folder: Folder;
  pages: FolderPages;
  openId: string | null;
  retry: () => void;
}) {
  const t = useMessages(mailMessages);
  const lang = useLanguage();
  if (pages.status === "loading") return <Loading />;
  if (pages.status === "error") return <LoadError error={pages.error} retry={retry} />;
  if (pages.rows.length === 0) {
    const [title, help] = EMPTY[folder];
    return <Empty title={t(title)}><p>{t(help)}</p></Empty>;
  }
  return (
    <>
      <table class="data mail-table">
        <caption class="visually-hidden">{t("listOf", { folder: t(folder) })}</caption>
        <thead>
          <tr>
            <th scope="col">{folder === "received" ? t("from") : t("to")}</th>
            <th scope="col">{t("subject")}</th>
            <th scope="col">{t(TIME_HEADER[folder])}</th>
            <th scope="col">{t("state")}</th>
          </tr>
        </thead>
        <tbody>
          {pages.rows.map((email) => (
            <Row key={email.id} email={email} folder={folder} open={email.id === openId} lang={lang} />
          ))}
        </tbody>
      </table>
      <ErrorSummary error={pages.moreError} />
      {pages.more && (
        <button type="button" class="mail-more" onClick={pages.loadMore} disabled={pages.loadingMore} aria-busy={pages.loadingMore}>
          {pages.loadingMore ? t("loadingMore") : t("loadMore")}
        </button>
      )}
    </>
  );
}

function Row({ email, folder, open, lang }: { email: Email; folder: Folder; open: boolean; lang: "ja" | "en" }) {
  const t = useMessages(mailMessages);
  const who = counterpart(email, folder);
  const time = folderTime(email, folder);
  return (
    <tr class={open ? "mail-row mail-row-open" : "mail-row"}>
      <td class="mail-who">
        {who.name && <span class="mail-who-name">{who.name}</span>}
        <span class={who.name ? "muted mail-who-address" : "mail-who-address"}>{who.address}</span>
      </td>
      <td class="mail-subject">
        <a href={`/mail/${folder}/${email.id}`} aria-current={open ? "page" : undefined}>{email.subject || t("noSubject")}</a>
      </td>
      <td class="mail-time"><time dateTime={time}>{formatDateTime(time, lang)}</time></td>
      <td class="mail-state">
        <StatusText email={email} />
        {tracked(email) && <><br /><Counts email={email} /></>}
      </td>
    </tr>
  );
}
