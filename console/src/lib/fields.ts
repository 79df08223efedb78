/** The contact's fields as people read them (Digima's and SATORI's words in Japanese), shared by
 * the list's columns, the contact page, the add-contact form and the settings. */
import type { Contact } from "../api/types";
import labels from "../../../shared/domain/field_labels.json";
import { defineMessages, formatDate, formatDateTime, formatNumber, translate, type Language } from "../i18n";

/** One table with the API's export headers: shared/domain/field_labels.json (esbuild inlines it). */
export const fieldLabels = defineMessages(labels.ja, labels.en);

export type FieldKey = keyof typeof fieldLabels.ja;

export const statusLabels = defineMessages(
  { new: "新規", replied: "返信あり", called: "電話済み", visited: "訪問済み", won: "受注", lost: "失注" },
  { new: "New", replied: "Replied", called: "Called", visited: "Visited", won: "Won", lost: "Lost" },
);
export type Status = keyof typeof statusLabels.ja;
export const STATUSES = Object.keys(statusLabels.ja) as Status[];

export const engagementLabels = defineMessages(
  { hot: "ホット", active: "アクティブ", inactive: "非アクティブ" },
  { hot: "Hot", active: "Active", inactive: "Inactive" },
);

export const deliveryLabels = defineMessages(
  { unconfirmed: "未確認", normal: "正常", invalid_address: "無効なアドレス", error: "エラー", temporary_error: "一時的なエラー", spam: "迷惑メール報告" },
  { unconfirmed: "Unconfirmed", normal: "Normal", invalid_address: "Invalid address", error: "Error", temporary_error: "Temporary error", spam: "Marked as spam" },
);

/** The API's default `settings.list_columns` (shared/domain/settings.py): every sortable column shown. */
export const DEFAULT_LIST_COLUMNS: readonly string[] = [
  "name", "company", "email", "phone", "status", "owner_id", "created_at", "last_contacted_at", "last_customer_action_at",
];

/** The sorts of GET /v1/contacts, by the column that offers them. */
export const SORTABLE: Partial<Record<FieldKey, string>> = {
  display_name: "name",
  email: "email",
  created_at: "created_at",
  last_contacted_at: "last_contacted_at",
  last_customer_action_at: "last_customer_action_at",
};

const TIMES = new Set(["created_at", "updated_at", "first_contacted_at", "last_contacted_at", "last_customer_action_at", "last_seen_at",
  "last_purchase_at"]);

/** The label of FIELD: a contact field's, else the custom property's label, else the key itself. */
export function fieldLabel(field: string, lang: Language, propertyLabels: Record<string, string> = {}): string {
  if (field in fieldLabels.ja) return translate(fieldLabels, field as FieldKey, {}, lang);
  const key = field.startsWith("properties.") ? field.slice("properties.".length) : field;
  return propertyLabels[key] ?? key;
}

/** A contact's FIELD as text for a cell (times in the user's zone, labels for codes). */
export function fieldText(contact: Contact, field: string, lang: Language, memberNames: Record<string, string> = {}): string {
  if (field.startsWith("properties.")) {
    const value = (contact.properties as Record<string, unknown> | undefined)?.[field.slice("properties.".length)];
    return value === null || value === undefined ? "" : String(value);
  }
  const value = (contact as Record<string, unknown>)[field];
  if (value === null || value === undefined) return "";
  if (TIMES.has(field)) return formatDateTime(String(value), lang);
  if (field === "acquired_at") return formatDate(String(value), lang);
  if (field === "status") return translate(statusLabels, value as Status, {}, lang);
  if (field === "engagement") return translate(engagementLabels, value as keyof typeof engagementLabels.ja, {}, lang);
  if (field === "delivery_status") return translate(deliveryLabels, value as keyof typeof deliveryLabels.ja, {}, lang);
  if (field === "owner_id") return memberNames[String(value)] ?? "";
  if (typeof value === "number") return formatNumber(value, lang);
  if (typeof value === "boolean") return value ? "✓" : "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}
