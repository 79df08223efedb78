/** What the mailbox shows of an email, worked out apart from the screen: the folders of the URL,
 * a collapsed message's excerpt, a reply's subject, who a row names, and the document of the
 * sandboxed frame that shows received HTML. Pure (no DOM), unit-tested in tests/mail.test.ts. */
import type { Email } from "../../api/types";

export const FOLDERS = ["received", "sent", "scheduled"] as const;
export type Folder = (typeof FOLDERS)[number];

export function isFolder(value: string | undefined): value is Folder {
  return (FOLDERS as readonly string[]).includes(value ?? "");
}

/** A received (imported) email: the API answers status `received`, which only deletion changes. */
export function isReceived(email: Pick<Email, "status">): boolean {
  return email.status === "received";
}

const EXCERPT_LENGTH = 120;

/** TEXT on one line, cut at about LENGTH characters (never inside a surrogate pair), with "…" when cut. */
export function excerpt(text: string, length: number = EXCERPT_LENGTH): { text: string; cut: boolean } {
  const line = text.replace(/\s+/g, " ").trim();
  const characters = Array.from(line);
  if (characters.length <= length) return { text: line, cut: false };
  return { text: `${characters.slice(0, length).join("").trimEnd()}…`, cut: true };
}

/** The subject of a reply: "Re: " once, whatever the original already had (Re:, RE:, Re[2]:, Ｒｅ：). */
export function replySubject(subject: string): string {
  const bare = subject.replace(/^\s*((re|ｒｅ)(\[\d+\])?\s*[:：]\s*)+/i, "");
  return `Re: ${bare}`;
}

/** Who a row of FOLDER names: the sender of a received email, the recipient of ours. */
export function counterpart(email: Pick<Email, "from" | "to">, folder: Folder): { name: string; address: string } {
  if (folder === "received") return { name: email.from.name ?? "", address: email.from.email };
  return { name: "", address: email.to };
}

/** The time a row of FOLDER shows: when it is due (scheduled), else when it went or came. */
export function folderTime(email: Pick<Email, "send_at" | "sent_at" | "created_at">, folder: Folder): string {
  if (folder === "scheduled") return email.send_at ?? email.created_at;
  return email.sent_at ?? email.created_at;
}

/** The thread as Digima shows it: the newest on top (the API answers the oldest first). */
export function newestFirst<T>(oldestFirst: T[]): T[] {
  return [...oldestFirst].reverse();
}

const REMOTE_IMAGE = /<img\b[^>]*\bsrc\s*=\s*["']?\s*https?:/i;

/** Whether sanitised HTML has images that would be fetched from elsewhere (tracking pixels too). */
export function hasRemoteImages(safeHtml: string): boolean {
  return REMOTE_IMAGE.test(safeHtml);
}

/** The Content-Security-Policy of the mail's frame: nothing may load but inline images, and
 * https: images once the user allowed them; the mail's style attributes (its layout) apply. It
 * only narrows what the console's own policy (which a srcdoc frame inherits) allows. */
export function framePolicy(showImages: boolean): string {
  return `default-src 'none'; style-src-attr 'unsafe-inline'; img-src data:${showImages ? " https:" : ""}; `
    + "form-action 'none'; base-uri 'none'";
}

/** The srcdoc of the sandboxed frame (no scripts, an opaque origin) for SAFE_HTML, the API's
 * `body_html_safe` (sanitised by the API: no script, style, meta or base element can be in it).
 * Its links open in a new tab (`<base target="_blank">`; the frame's sandbox lets only that
 * pop-up out), never inside the frame or over the console. */
export function frameDocument(safeHtml: string, showImages: boolean, lang: string): string {
  return `<!doctype html><html lang="${lang === "en" ? "en" : "ja"}"><head><meta charset="utf-8">`
    + `<meta http-equiv="Content-Security-Policy" content="${framePolicy(showImages)}">`
    + `<meta name="referrer" content="no-referrer"><base target="_blank"></head><body>${safeHtml}</body></html>`;
}
