import { defineMessages } from "../../i18n";

/** The words every settings section shares. */
export const common = defineMessages(
  {
    title: "設定",
    nav: "設定メニュー",
    members: "メンバー",
    list: "一覧の表示項目",
    permissions: "権限",
    scoring: "スコアリング",
    properties: "カスタム項目",
    tags: "タグ",
    saved: "保存しました",
    save: "保存",
    saving: "保存しています…",
    cancel: "キャンセル",
    adminOnly: "この設定を使えるのはオーナーと管理者です。",
    notFound: "この設定はありません。",
    invalidWhole: "整数で入力してください。",
  },
  {
    title: "Settings",
    nav: "Settings menu",
    members: "Members",
    list: "List columns",
    permissions: "Permissions",
    scoring: "Scoring",
    properties: "Custom fields",
    tags: "Tags",
    saved: "Saved",
    save: "Save",
    saving: "Saving…",
    cancel: "Cancel",
    adminOnly: "Only owners and admins use this setting.",
    notFound: "There is no such setting.",
    invalidWhole: "Enter a whole number.",
  },
);
