/** /settings/scoring: points per activity type for the 90-day score, and the engagement
 * thresholds (score ≥ hot is hot, ≥ active is active). Each of the API's 422 details shows on its
 * field; what is not a whole number is caught here first. */
import { useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { defineMessages, useMessages } from "../../i18n";
import { useSettings } from "../../lib/account";
import { engagementLabels } from "../../lib/fields";
import { DetailErrors, Field, FormError, messagesFor, SaveButton } from "../../ui/forms";
import { useSubmit } from "../../lib/async";
import { common } from "./messages";
import { parseAll } from "./numbers";
import { saveSettings } from "./save";

const words = defineMessages(
  {
    heading: "スコアリング",
    help: "直近90日の行動ごとに加算する点数です（-1000〜1000）。",
    weights: "行動ごとの点数",
    thresholds: "エンゲージメントの基準",
    thresholdsHelp: "スコアがこの点数以上の連絡先をそれぞれの段階とします。",
    points: "{label}の点数",
    addType: "行動の種類を追加",
    newType: "種類名（半角英小文字・数字・_）",
    remove: "外す",
  },
  {
    heading: "Scoring",
    help: "Points added for each action of the last 90 days (-1000 to 1000).",
    weights: "Points per action",
    thresholds: "Engagement thresholds",
    thresholdsHelp: "A contact whose score reaches a threshold is at that level.",
    points: "Points for {label}",
    addType: "Add an action type",
    newType: "Type name (a-z, 0-9, _)",
    remove: "Remove",
  },
);

/** The activity types people read (the timeline's words). */
export const activityTypeLabels = defineMessages(
  {
    email_sent: "メール送信", email_received: "メール受信", email_opened: "メール開封", email_reopened: "メール再開封",
    email_clicked: "メール内リンクのクリック", page_view: "ページ閲覧", form_submitted: "フォーム送信", purchase: "購入",
    meeting: "商談", call: "コール", memo: "メモ", custom_email: "メール（手動記録）", other: "その他",
  },
  {
    email_sent: "Email sent", email_received: "Email received", email_opened: "Email opened", email_reopened: "Email reopened",
    email_clicked: "Link clicked in an email", page_view: "Page view", form_submitted: "Form submitted", purchase: "Purchase",
    meeting: "Meeting", call: "Call", memo: "Memo", custom_email: "Email (logged)", other: "Other",
  },
);

const THRESHOLDS = ["hot", "active"] as const;

function texts(values: Record<string, number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, String(value)]));
}

export function Scoring() {
  const t = useMessages(words);
  const c = useMessages(common);
  const types = useMessages(activityTypeLabels);
  const levels = useMessages(engagementLabels);
  const settings = useSettings();
  const [weights, setWeights] = useState<Record<string, string>>(texts(settings?.score_weights));
  const [thresholds, setThresholds] = useState<Record<string, string>>(texts(settings?.engagement_thresholds));
  const [newType, setNewType] = useState("");
  const { busy, error, onSubmit } = useSubmit(async () => {
    const parsedWeights = parseAll(weights);
    const parsedThresholds = parseAll(thresholds);
    const invalid = [
      ...parsedWeights.invalid.map((name) => `score_weights.${name}`),
      ...parsedThresholds.invalid.map((name) => `engagement_thresholds.${name}`),
    ];
    if (invalid.length) {  // shown as the API's own 422 would be: a summary and each field's message
      throw new ApiError(422, "validation_failed", c("invalidWhole"),
        invalid.map((field) => ({ field, code: "invalid", message: c("invalidWhole") })));
    }
    const saved = await saveSettings({
      score_weights: parsedWeights.values,
      engagement_thresholds: parsedThresholds.values as { hot: number; active: number },
    });
    setWeights(texts(saved.score_weights));
    setThresholds(texts(saved.engagement_thresholds));
  });
  const label = (type: string) => (type in activityTypeLabels.ja ? types(type as keyof typeof activityTypeLabels.ja) : type);
  const shownFields = [
    ...Object.keys(weights).map((type) => `score_weights.${type}`),
    ...THRESHOLDS.map((name) => `engagement_thresholds.${name}`),
    "score_weights", "engagement_thresholds",
  ];

  return (
    <section aria-labelledby="scoring-heading">
      <h2 id="scoring-heading">{t("heading")}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={shownFields} />
        <fieldset>
          <legend>{t("weights")}</legend>
          <p class="muted">{t("help")}</p>
          <div class="number-grid">
            {Object.keys(weights).map((type) => (
              <div class="number-row" key={type}>
                <Field id={`weight-${type}`} label={t("points", { label: label(type) })} errors={messagesFor(error, `score_weights.${type}`)}>
                  {(described) => (
                    <input {...described} type="number" inputMode="numeric" step={1} min={-1000} max={1000} value={weights[type]}
                      onInput={(event) => setWeights({ ...weights, [type]: (event.currentTarget as HTMLInputElement).value })} />
                  )}
                </Field>
                {!(type in activityTypeLabels.ja) && (
                  <button type="button" onClick={() => setWeights(Object.fromEntries(Object.entries(weights).filter(([name]) => name !== type)))} aria-label={`${t("remove")}: ${type}`}>
                    {t("remove")}
                  </button>
                )}
              </div>
            ))}
          </div>
          <DetailErrors error={error} field="score_weights" />
          <div class="add-column">
            <label for="new-type">{t("newType")}</label>
            <input id="new-type" value={newType} pattern="[a-z][a-z0-9_]*" maxLength={64}
              onInput={(event) => setNewType((event.currentTarget as HTMLInputElement).value.trim())} />
            <button type="button" disabled={!newType || newType in weights}
              onClick={() => { setWeights({ ...weights, [newType]: "0" }); setNewType(""); }}>
              {t("addType")}
            </button>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("thresholds")}</legend>
          <p class="muted">{t("thresholdsHelp")}</p>
          <div class="number-grid">
            {THRESHOLDS.map((name) => (
              <Field key={name} id={`threshold-${name}`} label={levels(name)} errors={messagesFor(error, `engagement_thresholds.${name}`)}>
                {(described) => (
                  <input {...described} type="number" inputMode="numeric" step={1} min={0} value={thresholds[name]}
                    onInput={(event) => setThresholds({ ...thresholds, [name]: (event.currentTarget as HTMLInputElement).value })} />
                )}
              </Field>
            ))}
          </div>
          <DetailErrors error={error} field="engagement_thresholds" />
        </fieldset>
        <div class="actions">
          <SaveButton busy={busy} />
        </div>
      </form>
    </section>
  );
}
