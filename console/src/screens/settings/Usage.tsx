/** /settings/usage (every role): what the tenant uses of its plan. The contacts against the plan's
 * limit (a meter, and what the limit does), from GET /v1/settings, read fresh; the members from the
 * list the console already holds. A reader who sees only their own contacts (owner visibility) is
 * told the tenant-wide count is not shown to them, as the API gives them none. */
import { api, unwrap } from "../../api/client";
import type { SettingsWithUsage } from "../../api/types";
import { defineMessages, formatNumber, useLanguage, useMessages } from "../../i18n";
import { settingsStore } from "../../lib/account";
import { useMembers } from "../../lib/members";
import { Loading, LoadError } from "../../ui/states";
import { useLoaded } from "../../lib/async";
import { usageShare } from "./usageRules";

const words = defineMessages(
  {
    heading: "ご利用状況",
    contacts: "連絡先数",
    countOfLimit: "{count} 件 / 上限 {limit} 件（{percent}%）",
    countNoLimit: "{count} 件（上限なし）",
    meterLabel: "プランの連絡先の上限に対する使用量",
    hidden: "連絡先数は表示されません。担当の連絡先だけを閲覧する設定（担当者による閲覧制限）のため、ワークスペース全体の件数はオーナー・管理者・マネージャーのみが確認できます。",
    near: "上限に近づいています。不要な連絡先を削除するか、プランの変更をご検討ください。",
    full: "上限に達しています。新しい連絡先は登録できません。",
    atLimitHeading: "上限に達すると",
    atLimitCreate: "連絡先の作成（画面・API）はエラーになり、何も保存されません。",
    atLimitImport: "インポートは上限まで作成し、残りの新規行はエラーとして報告します。既存の連絡先の更新は続けて行われます。",
    atLimitForms: "Web フォームから新しく作られる連絡先は、常に 1 日あたりプランの 1%（最低 20 件）までです。",
    noLimit: "このワークスペースには連絡先数の上限が設定されていません。",
    whoChanges: "プランの上限はオーナーが変更します。",
    members: "メンバー数",
    memberCount: "{active} 人（招待中 {invited} 人、無効 {disabled} 人）",
  },
  {
    heading: "Plan usage",
    contacts: "Contacts",
    countOfLimit: "{count} of {limit} ({percent}%)",
    countNoLimit: "{count} (no limit)",
    meterLabel: "Contacts used of the plan's limit",
    hidden: "The number of contacts is not shown to you: you see only the contacts you own (owner visibility), so the workspace-wide count is for owners, admins and managers.",
    near: "Close to the limit: delete contacts you no longer need, or consider another plan.",
    full: "The limit is reached: no new contact can be added.",
    atLimitHeading: "At the limit",
    atLimitCreate: "Creating a contact (screen or API) is refused and stores nothing.",
    atLimitImport: "An import creates what fits and reports each other new row as an error; rows updating known contacts still do.",
    atLimitForms: "Web forms always create at most 1% of the plan a day (at least 20).",
    noLimit: "This workspace has no limit on its contacts.",
    whoChanges: "The owner changes the plan's limit.",
    members: "Members",
    memberCount: "{active} active ({invited} invited, {disabled} disabled)",
  },
);

export function Usage() {
  const t = useMessages(words);
  const lang = useLanguage();
  const members = useMembers();
  const loaded = useLoaded(async () => {
    const settings = (await unwrap(api.GET("/v1/settings"))) as SettingsWithUsage;
    settingsStore.set(settings);
    return settings;
  });
  if (loaded.error) return <LoadError error={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <Loading />;
  const count = loaded.data.usage.contacts;
  const limit = loaded.data.contact_limit;
  const share = typeof count === "number" ? usageShare(count, limit) : null;
  const number = (value: number) => formatNumber(value, lang);
  const byStatus = (status: string) => (members ?? []).filter((member) => member.status === status).length;

  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading" tabIndex={-1}>{t("heading")}</h2>
      <dl class="usage">
        <dt id="usage-contacts">{t("contacts")}</dt>
        <dd>
          {typeof count !== "number" ? <p class="notice">{t("hidden")}</p>
            : !share || limit === null || limit === undefined ? <p class="usage-count">{t("countNoLimit", { count: number(count) })}</p>
            : (
              <>
                <p class="usage-count">{t("countOfLimit", { count: number(count), limit: number(limit), percent: Math.floor(share.share * 100) })}</p>
                <meter class="usage-meter" min={0} max={limit} value={Math.min(count, limit)} low={Math.floor(limit * 0.9)} high={limit - 0.5}
                  optimum={0} aria-label={t("meterLabel")} aria-describedby="usage-contacts" />
                {share.level !== "ok" && <p class={share.level === "full" ? "usage-full" : "usage-near"} role="status">{t(share.level)}</p>}
              </>
            )}
        </dd>
        <dt>{t("members")}</dt>
        <dd>{members === null ? "—" : t("memberCount", { active: number(byStatus("active")), invited: number(byStatus("invited")), disabled: number(byStatus("disabled")) })}</dd>
      </dl>
      {limit === null || limit === undefined ? <p class="muted">{t("noLimit")}</p> : (
        <section aria-labelledby="usage-limit-heading" class="usage-limit">
          <h3 id="usage-limit-heading">{t("atLimitHeading")}</h3>
          <ul>
            <li>{t("atLimitCreate")}</li>
            <li>{t("atLimitImport")}</li>
            <li>{t("atLimitForms")}</li>
          </ul>
        </section>
      )}
      <p class="muted">{t("whoChanges")}</p>
    </section>
  );
}
