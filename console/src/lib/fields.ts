/** The contact's fields as people read them (Digima's and SATORI's words in Japanese), shared by
 * the list's columns, the contact page, the add-contact form and the settings. */
import type { Contact } from "../api/types";
import { defineMessages, formatDate, formatDateTime, formatNumber, translate, type Language } from "../i18n";

export const fieldLabels = defineMessages(
  {
    display_name: "名前",
    family_name: "姓",
    given_name: "名",
    family_name_kana: "セイ",
    given_name_kana: "メイ",
    email: "メールアドレス",
    phone: "電話番号",
    company: "会社名",
    department: "部署",
    title: "役職",
    address: "住所",
    website: "Webサイト",
    owner_id: "担当者",
    status: "ステータス",
    starred: "スター",
    tags: "タグ",
    marketing_opt_out: "配信停止",
    acquired_at: "獲得日",
    acquisition_channel: "獲得経路",
    memo: "メモ",
    created_at: "作成日",
    updated_at: "更新日時",
    first_contacted_at: "初回連絡日時",
    last_contacted_at: "直近連絡日時",
    last_customer_action_at: "直近顧客行動日時",
    last_customer_action_type: "直近顧客行動",
    last_seen_at: "最終訪問日時",
    session_count: "セッション数",
    score: "スコア",
    engagement: "エンゲージメント",
    delivery_status: "配信ステータス",
  },
  {
    display_name: "Name",
    family_name: "Family name",
    given_name: "Given name",
    family_name_kana: "Family name (kana)",
    given_name_kana: "Given name (kana)",
    email: "Email",
    phone: "Phone",
    company: "Company",
    department: "Department",
    title: "Title",
    address: "Address",
    website: "Website",
    owner_id: "Owner",
    status: "Status",
    starred: "Star",
    tags: "Tags",
    marketing_opt_out: "Opted out",
    acquired_at: "Acquired on",
    acquisition_channel: "Acquisition channel",
    memo: "Memo",
    created_at: "Created",
    updated_at: "Updated",
    first_contacted_at: "First contacted",
    last_contacted_at: "Last contacted",
    last_customer_action_at: "Last customer action",
    last_customer_action_type: "Last customer action type",
    last_seen_at: "Last seen",
    session_count: "Sessions",
    score: "Score",
    engagement: "Engagement",
    delivery_status: "Delivery status",
  },
);

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

const TIMES = new Set(["created_at", "updated_at", "first_contacted_at", "last_contacted_at", "last_customer_action_at", "last_seen_at"]);

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
