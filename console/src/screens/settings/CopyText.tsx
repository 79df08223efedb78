/** Text to copy (a site key's snippet, a new API key): read-only, selected on focus, and a コピー
 * button that writes it to the clipboard. Where the clipboard is refused (no permission, an
 * insecure origin) the text is selected for the user to copy by hand. The result is said in a
 * status beside the button, so it is heard inside a modal dialog too. */
import { useRef, useState } from "preact/hooks";
import { defineMessages, useMessages } from "../../i18n";

const words = defineMessages(
  { copy: "コピー", copied: "コピーしました", selectToCopy: "選択しました。Ctrl+C（Mac は ⌘+C）でコピーしてください" },
  { copy: "Copy", copied: "Copied", selectToCopy: "Selected: press Ctrl+C (⌘+C on a Mac) to copy" },
);

export function CopyText({ id, label, text, what, rows = 2 }: {
  id: string;
  label: string;
  text: string;
  /** What is copied, for the button's accessible name ("コピー: コーポレートサイト"). */
  what: string;
  rows?: number;
}) {
  const t = useMessages(words);
  const area = useRef<HTMLTextAreaElement>(null);
  const [said, setSaid] = useState("");

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setSaid(t("copied"));
    } catch {
      area.current?.focus();
      area.current?.select();
      setSaid(t("selectToCopy"));
    }
  }

  return (
    <div class="field copy-text">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <textarea id={id} class="code" readOnly rows={rows} value={text} spellcheck={false}
          onFocus={(event) => (event.currentTarget as HTMLTextAreaElement).select()} />
        <button type="button" onClick={copy} aria-label={`${t("copy")}: ${what}`}>{t("copy")}</button>
      </div>
      <p class="copy-status" role="status">{said}</p>
    </div>
  );
}
