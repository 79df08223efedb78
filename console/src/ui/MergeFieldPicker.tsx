/** The merge fields of the composer and the template editor: the picker (contact fields, live
 * custom properties, the sender) and 差し込む, which puts the chosen one at the cursor of whichever
 * text control (件名, 本文…) the user typed in last; and the words for what is wrong with one. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PropertyDefinition } from "../api/types";
import { defineMessages, useLanguage, useMessages } from "../i18n";
import { fieldLabel } from "../lib/fields";
import { insertAt, mergeFields, type MergeProblem } from "../lib/mergeFields";

const pickerMessages = defineMessages(
  {
    mergeField: "差し込み項目",
    insertMerge: "差し込む",
    senderName: "送信者名",
    senderEmail: "送信者メールアドレス",
    unknown_merge_field: "{token} は差し込みフィールドではありません。{{contact.FIELD}}、{{contact.properties.KEY}}、{{sender.name}}、{{sender.email}} のいずれかを使用してください。",
    undefined_property: "{token} は定義されていないカスタム項目です。設定の「カスタム項目」にあるキーを使用してください。",
    archived_merge_field: "{token} はアーカイブされたカスタム項目です。復元するか、差し込みフィールドを削除してください。",
    unclosed: "「{token}」の {{ が閉じていません（}} がありません）。このままでは文字どおりに送信されます。",
  },
  {
    mergeField: "Merge field",
    insertMerge: "Insert",
    senderName: "Sender name",
    senderEmail: "Sender email",
    unknown_merge_field: "{token} is not a merge field; use {{contact.FIELD}}, {{contact.properties.KEY}}, {{sender.name}} or {{sender.email}}.",
    undefined_property: "{token} is not a defined property; use a key listed in Settings, Properties.",
    archived_merge_field: "{token} is an archived property; restore it or remove the merge field.",
    unclosed: "The {{ of “{token}” is not closed (no }}); it would be sent as written.",
  },
);

/** Merge-field problems (lib/mergeFields) as sentences in the user's language. */
export function useMergeProblemText(): (problems: MergeProblem[]) => string[] {
  const t = useMessages(pickerMessages);
  return (problems) => problems.map((problem) => t(problem.kind, { token: problem.token }));
}

type TextControl = HTMLInputElement | HTMLTextAreaElement;

/** Where merge fields go: `bind(name)` goes on each text control; `insert(token)` puts TOKEN at the
 * cursor of the one focused last (FALLBACK until one was) and hands the new text to UPDATE, then
 * the cursor follows the token. */
export function useMergeTargets<T extends string>(fallback: T, values: Record<T, string>, update: (target: T, text: string) => void) {
  const elements = useRef<Partial<Record<T, TextControl | null>>>({});
  const last = useRef<T>(fallback);
  const caret = useRef<{ target: T; at: number } | null>(null);
  useEffect(() => {
    // after a merge field went in: the cursor right after it
    const place = caret.current;
    if (!place) return;
    caret.current = null;
    const element = elements.current[place.target];
    element?.focus();
    element?.setSelectionRange(place.at, place.at);
  });
  return {
    element: (target: T) => elements.current[target] ?? null,
    bind: (target: T) => ({
      ref: (element: TextControl | null) => {
        elements.current[target] = element;
      },
      onFocus: () => {
        last.current = target;
      },
    }),
    insert(token: string) {
      const target = last.current;
      const element = elements.current[target];
      const result = insertAt(values[target], element?.selectionStart ?? null, element?.selectionEnd ?? null, token);
      caret.current = { target, at: result.caret };
      update(target, result.text);
    },
  };
}

export function MergeFieldPicker({ id, properties, help, onInsert }: {
  id: string;
  properties: PropertyDefinition[];
  /** Says where the field goes (shown under the picker, named by its aria-describedby). */
  help: string;
  onInsert: (token: string) => void;
}) {
  const t = useMessages(pickerMessages);
  const lang = useLanguage();
  const [chosen, setChosen] = useState("");
  const labels = Object.fromEntries(properties.map((property) => [property.key, property.label]));
  return (
    <div class="field">
      <label for={id}>{t("mergeField")}</label>
      <div class="inline">
        <select id={id} value={chosen} onChange={(event) => setChosen(event.currentTarget.value)} aria-describedby={`${id}-help`}>
          <option value="" />
          {mergeFields(properties).map((item) => (
            <option key={item.token} value={item.token}>
              {item.field === "sender.name" ? t("senderName") : item.field === "sender.email" ? t("senderEmail")
                : fieldLabel(item.field, lang, labels)}
              {` ${item.token}`}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => chosen && onInsert(chosen)} disabled={!chosen}>{t("insertMerge")}</button>
      </div>
      <p class="muted hint" id={`${id}-help`}>{help}</p>
    </div>
  );
}
