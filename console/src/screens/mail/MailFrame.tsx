/** A received (or our HTML) email's body: only the API's sanitised `body_html_safe`, inside a
 * sandboxed frame (no scripts, an opaque origin, no navigation of the console, no forms); its
 * only permission is the new tab a link opens, which is an ordinary page of its own. The frame's own Content-Security-Policy lets no remote image
 * load (a tracking pixel would tell the sender it was read) until the user asks for them for
 * this message; the frame is then rendered again allowing https: images. */
import { useRef, useState } from "preact/hooks";
import { useLanguage, useMessages } from "../../i18n";
import { frameDocument, hasRemoteImages } from "./mailView";
import { mailMessages } from "./messages";

export function MailFrame({ safeHtml, subject, id }: { safeHtml: string; subject: string; id: string }) {
  const t = useMessages(mailMessages);
  const lang = useLanguage();
  const [images, setImages] = useState(false);
  const shown = useRef<HTMLParagraphElement>(null);
  const remote = hasRemoteImages(safeHtml);
  const allow = () => {
    setImages(true);
    // the button goes away: focus stays on what replaced it
    setTimeout(() => shown.current?.focus());
  };
  return (
    <div class="mail-html" id={id}>
      {remote && (images ? (
        <p class="mail-images muted" ref={shown} tabIndex={-1}>{t("imagesShown")}</p>
      ) : (
        <div class="mail-images">
          <p class="muted">{t("imagesBlocked")}</p>
          <button type="button" onClick={allow}>{t("showImages")}</button>
        </div>
      ))}
      <iframe
        key={images ? "with-images" : "without-images"}
        class="mail-frame"
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerpolicy="no-referrer"
        title={t("htmlFrame", { subject })}
        srcdoc={frameDocument(safeHtml, images, lang)}
      />
    </div>
  );
}
