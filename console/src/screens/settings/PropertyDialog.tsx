/** Create a custom property (key, label, type, the options of a select) or change one (label,
 * options); each of the API's details shows on its field. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { PropertyDefinition } from "../../api/types";
import { defineMessages, useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { Field, FormActions, FormError, messagesFor } from "../../ui/forms";
import { useSubmit } from "../../lib/async";
import { common } from "./messages";
import { parseOptions, PROPERTY_TYPES, type PropertyType } from "./propertyRules";

export const typeLabels = defineMessages(
  { text: "テキスト", email: "メールアドレス形式", number: "数値", boolean: "はい／いいえ", date: "日付", select: "選択肢" },
  { text: "Text", email: "Email address", number: "Number", boolean: "Yes / no", date: "Date", select: "Choice" },
);

const words = defineMessages(
  {
    createTitle: "カスタム項目を追加",
    editTitle: "カスタム項目を編集: {label}",
    key: "キー",
    keyHint: "半角英小文字で始まり、英小文字・数字・_ の64文字まで。作成後は変えられません。",
    label: "表示名",
    type: "種類",
    options: "選択肢（1行に1つ）",
    create: "追加する",
    created: "「{label}」を追加しました。",
    changed: "「{label}」を保存しました。",
  },
  {
    createTitle: "Add a custom field",
    editTitle: "Edit custom field: {label}",
    key: "Key",
    keyHint: "Starts with a-z; a-z, 0-9 and _, up to 64 characters. It cannot change later.",
    label: "Label",
    type: "Type",
    options: "Options (one a line)",
    create: "Add",
    created: "{label} was added.",
    changed: "{label} was saved.",
  },
);

export function PropertyDialog({ property, onClose, onDone }: {
  property: PropertyDefinition | null;
  onClose: () => void;
  onDone: (property: PropertyDefinition, message: string) => void;
}) {
  const t = useMessages(words);
  const c = useMessages(common);
  const types = useMessages(typeLabels);
  const [type, setType] = useState<PropertyType>((property?.type as PropertyType | undefined) ?? "text");
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const label = String(form.get("label")).trim();
    const options = type === "select" ? parseOptions(String(form.get("options") ?? "")) : null;
    const saved = property
      ? await unwrap(api.PATCH("/v1/properties/{key}", {
        params: { path: { key: property.key } },
        body: { label, ...(options ? { options } : {}) },
      }))
      : await unwrap(api.POST("/v1/properties", {
        body: { key: String(form.get("key")).trim(), label, type, ...(options ? { options } : {}) },
      }));
    onDone(saved as PropertyDefinition, t(property ? "changed" : "created", { label: saved.label }));
  });
  return (
    <Dialog title={property ? t("editTitle", { label: property.label }) : t("createTitle")} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={["key", "label", "type", "options"]} />
        {!property && (
          <Field id="property-key" label={t("key")} hint={t("keyHint")} errors={messagesFor(error, "key")}>
            {(described) => <input {...described} name="key" required maxLength={64} autocomplete="off" spellcheck={false} autofocus />}
          </Field>
        )}
        <Field id="property-label" label={t("label")} errors={messagesFor(error, "label")}>
          {(described) => <input {...described} name="label" required maxLength={100} defaultValue={property?.label ?? ""} />}
        </Field>
        {!property && (
          <Field id="property-type" label={t("type")} errors={messagesFor(error, "type")}>
            {(described) => (
              <select {...described} name="type" value={type} onChange={(event) => setType((event.currentTarget as HTMLSelectElement).value as PropertyType)}>
                {PROPERTY_TYPES.map((each) => <option key={each} value={each}>{types(each)}</option>)}
              </select>
            )}
          </Field>
        )}
        {type === "select" && (
          <Field id="property-options" label={t("options")} errors={messagesFor(error, "options")}>
            {(described) => <textarea {...described} name="options" rows={5} defaultValue={(property?.options ?? []).join("\n")} />}
          </Field>
        )}
        <FormActions busy={busy} label={property ? c("save") : t("create")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
