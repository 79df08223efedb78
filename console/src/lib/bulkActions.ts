/** The bulk actions' names as people read them: the list's bulk bar offers them, the jobs screen
 * says which one a job runs. */
import { defineMessages } from "../i18n";

export const bulkActionLabels = defineMessages(
  {
    add_tags: "タグを付ける",
    remove_tags: "タグを外す",
    set_status: "ステータスを変更",
    set_owner: "担当者を変更",
    star: "スターを付ける",
    unstar: "スターを外す",
    opt_out: "配信停止にする",
    delete: "削除",
    add_to_group: "会員グループに追加",
    remove_from_group: "会員グループから外す",
  },
  {
    add_tags: "Add tags",
    remove_tags: "Remove tags",
    set_status: "Change status",
    set_owner: "Change owner",
    star: "Star",
    unstar: "Unstar",
    opt_out: "Opt out of marketing",
    delete: "Delete",
    add_to_group: "Add to a member group",
    remove_from_group: "Remove from a member group",
  },
);

export type BulkActionName = keyof typeof bulkActionLabels.ja;
