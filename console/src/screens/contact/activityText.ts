/** How a timeline entry reads: its type's label and its text, built from the entry's `data` in the
 * user's language (the API's `summary` is English). Pure; every value is plain text for the page
 * to show as text (memos, subjects, page titles are untrusted). */
import type { Activity } from "../../api/types";
import { defineMessages, formatNumber, translate, type Language } from "../../i18n";
import { statusLabels, type Status } from "../../lib/fields";

export const activityTypeLabels = defineMessages(
  {
    email_sent: "メール送信",
    email_received: "メール受信",
    email_opened: "開封",
    email_reopened: "再開封",
    email_clicked: "クリック",
    email_bounced: "バウンス",
    email_complained: "迷惑メール報告",
    email_delivered: "配信完了",
    custom_email: "メール(記録)",
    meeting: "面談",
    call: "コール",
    other: "その他",
    memo: "メモ",
    page_view: "ページ閲覧",
    form_submitted: "フォーム送信",
    purchase: "購入",
    tag_added: "タグ追加",
    tag_removed: "タグ削除",
    status_changed: "ステータス変更",
    owner_assigned: "担当者割り当て",
    group_joined: "会員グループ参加",
    group_left: "会員グループ退会",
    member_login_invited: "会員ログイン招待",
    member_login_activated: "会員サイト初回ログイン",
    member_password_reset: "会員パスワード再設定",
  },
  {
    email_sent: "Email sent",
    email_received: "Email received",
    email_opened: "Opened",
    email_reopened: "Reopened",
    email_clicked: "Clicked",
    email_bounced: "Bounced",
    email_complained: "Marked as spam",
    email_delivered: "Delivered",
    custom_email: "Email (logged)",
    meeting: "Meeting",
    call: "Call",
    other: "Other",
    memo: "Memo",
    page_view: "Page view",
    form_submitted: "Form submitted",
    purchase: "Purchase",
    tag_added: "Tag added",
    tag_removed: "Tag removed",
    status_changed: "Status changed",
    owner_assigned: "Owner assigned",
    group_joined: "Joined a member group",
    group_left: "Left a member group",
    member_login_invited: "Member login invited",
    member_login_activated: "First member site sign-in",
    member_password_reset: "Member password reset",
  },
);

export type ActivityType = keyof typeof activityTypeLabels.ja;
export const ACTIVITY_TYPES = Object.keys(activityTypeLabels.ja) as ActivityType[];

/** The types a person logs, edits and deletes (the contract's five); every other is the system's. */
export const CUSTOM_TYPES: readonly ActivityType[] = ["custom_email", "meeting", "call", "other", "memo"];

export function isCustom(activity: Pick<Activity, "type">): boolean {
  return (CUSTOM_TYPES as readonly string[]).includes(activity.type);
}

/** The label of a type; a tenant's own ingested type reads as itself. */
export function typeLabel(type: string, lang: Language): string {
  return type in activityTypeLabels.ja ? translate(activityTypeLabels, type as ActivityType, {}, lang) : type;
}

const words = defineMessages(
  {
    outbound: "発信",
    inbound: "着信",
    connected: "通話",
    no_answer: "不在",
    busy: "話し中",
    voicemail: "留守番電話",
    wrong_number: "番号違い",
    machine: "(自動アクセス)",
    ownerNone: "担当者なし",
    ownerChanged: "担当者: {name}",
    statusChanged: "{from} → {to}",
  },
  {
    outbound: "Outbound",
    inbound: "Inbound",
    connected: "connected",
    no_answer: "no answer",
    busy: "busy",
    voicemail: "voicemail",
    wrong_number: "wrong number",
    machine: "(automated)",
    ownerNone: "No owner",
    ownerChanged: "Owner: {name}",
    statusChanged: "{from} → {to}",
  },
);
type Word = keyof typeof words.ja;

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function word(key: string, lang: Language): string {
  return key in words.ja ? translate(words, key as Word, {}, lang) : key;
}

function status(value: unknown, lang: Language): string {
  const code = text(value);
  return code in statusLabels.ja ? translate(statusLabels, code as Status, {}, lang) : code;
}

/** "3:05" for 185 seconds. */
export function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${formatNumber(minutes, "en")}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The entry's headline and, when it has one, its longer text (a memo's or a call's notes). */
export function activityText(activity: Activity, lang: Language, memberNames: Record<string, string> = {}): { title: string; body: string } {
  const data = (activity.data ?? {}) as Record<string, unknown>;
  switch (activity.type) {
    case "call": {
      const seconds = typeof data.duration_seconds === "number" ? data.duration_seconds : 0;
      const title = data.outcome
        ? `${word(text(data.direction) || "outbound", lang)}: ${word(text(data.outcome), lang)} (${duration(seconds)})`
        : text(data.subject) || activity.summary;
      return { title, body: text(data.body) };
    }
    case "memo":
    case "custom_email":
    case "meeting":
    case "other":
      return { title: text(data.subject), body: text(data.body) };
    case "email_sent":
    case "email_received":
    case "email_opened":
    case "email_reopened":
    case "email_bounced":
    case "email_complained":
    case "email_delivered":
      return { title: text(data.subject) + (data.machine === true ? ` ${word("machine", lang)}` : ""), body: "" };
    case "email_clicked":
      return { title: text(data.subject) + (data.machine === true ? ` ${word("machine", lang)}` : ""), body: text(data.url) };
    case "page_view":
      return { title: text(data.title) || text(data.url), body: data.title ? text(data.url) : "" };
    case "form_submitted":
      return { title: text(data.title) || text(data.form) || text(data.url), body: text(data.email) };
    case "tag_added":
    case "tag_removed":
      return { title: text(data.tag), body: "" };
    case "group_joined":
    case "group_left":
      return { title: text(data.group_name), body: "" };
    case "member_login_invited":
    case "member_login_activated":
    case "member_password_reset":
      return { title: "", body: "" };
    case "status_changed":
      return { title: translate(words, "statusChanged", { from: status(data.from, lang), to: status(data.to, lang) }, lang), body: "" };
    case "owner_assigned": {
      const owner = text(data.owner_id);
      const name = owner ? memberNames[owner] ?? "" : translate(words, "ownerNone", {}, lang);
      return { title: name ? translate(words, "ownerChanged", { name }, lang) : "", body: "" };
    }
    default:
      return { title: activity.summary, body: "" };
  }
}

/** Who did it: a member's name (the API's, else the directory's), the contact, or the system. */
export function actorName(activity: Activity, memberNames: Record<string, string>, contactName: string, systemName: string): string {
  const actor = activity.actor;
  if (actor.kind === "user") return actor.name || (actor.id ? memberNames[actor.id] ?? "" : "");
  if (actor.kind === "contact") return contactName;
  return systemName;
}
