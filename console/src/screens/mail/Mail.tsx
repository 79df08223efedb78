/** /mail, /mail/:folder, /mail/:folder/:id: the mailbox (Digima's メールボックス). The folders
 * 受信済み, 送信済み and 予約 (and a link to the templates), the folder's emails page by page,
 * and beside them the open email's thread. The folder and the open email are in the URL. */
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useMessages } from "../../i18n";
import { usePageTitle } from "../../ui/title";
import { refocus } from "../../ui/forms";
import { FolderList } from "./FolderList";
import { FOLDERS, isFolder } from "./mailView";
import { mailMessages } from "./messages";
import { Thread, type Changed } from "./Thread";
import { useFolder } from "./useFolder";

export function Mail({ folder, id }: { folder?: string; id?: string }) {
  const t = useMessages(mailMessages);
  const { route } = useLocation();
  const known = isFolder(folder) ? folder : null;
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<{ text: string; templates?: boolean } | null>(null);
  const pages = useFolder(known, version);
  usePageTitle(known ? `${t(known)} - ${t("title")}` : t("title"));
  useEffect(() => {
    // the mailbox opens on 受信済み, as Digima's does
    if (folder === undefined) route("/mail/received", true);
  }, [folder]);
  useEffect(() => setNotice(null), [known]);

  const changed: Changed = (said, left) => {
    setNotice(said);
    setVersion((value) => value + 1);
    if (left && known) {
      route(`/mail/${known}`);
      refocus("mail-list-heading");
    }
  };

  return (
    <div class="mail">
      <div class="mail-head">
        <h1>{t("title")}</h1>
        <nav class="mail-folders" aria-label={t("folders")}>
          <ul>
            {FOLDERS.map((name) => (
              <li key={name}><a href={`/mail/${name}`} aria-current={name === known ? "page" : undefined}>{t(name)}</a></li>
            ))}
            <li><a href="/mail/templates">{t("templates")}</a></li>
          </ul>
        </nav>
      </div>
      <p class="notice" role="status" aria-live="polite" hidden={!notice}>
        {notice?.text}
        {notice?.templates && <> <a href="/mail/templates">{t("openTemplates")}</a></>}
      </p>
      {folder !== undefined && !known ? (
        <p class="notice">{t("unknownFolder")}</p>
      ) : known && (
        <div class={id ? "mail-panes mail-panes-open" : "mail-panes"}>
          <section class="mail-list" aria-labelledby="mail-list-heading">
            <h2 id="mail-list-heading" tabIndex={-1}>{t(known)}</h2>
            <FolderList folder={known} pages={pages} openId={id ?? null} retry={pages.reload} />
          </section>
          <div class="mail-preview">
            {id ? <Thread key={id} id={id} version={version} onChanged={changed} />
              : <p class="state muted mail-pick">{t("pickOne")}</p>}
          </div>
        </div>
      )}
    </div>
  );
}
