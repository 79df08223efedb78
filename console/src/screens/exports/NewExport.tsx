/** The export form: which contacts, which fields in which order, the file's format, encoding and
 * header row, a password and the reason. The 30-minute rule is said before the user meets it: the
 * button waits until the time the user's latest export allows. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, ApiError, unwrap } from "../../api/client";
import type { AnyJob, Export, Filter, PropertyDefinition } from "../../api/types";
import { formatNumber, formatTime, useLanguage, useMessages, type Language } from "../../i18n";
import { roleOf, useMe, useSettings } from "../../lib/account";
import { selectionOfQuery, storedIds, type ExportSelection } from "../../lib/exportSelection";
import { DEFAULT_LIST_COLUMNS, fieldLabel } from "../../lib/fields";
import { properties as propertiesStore, segments as segmentsStore } from "../../lib/reference";
import { canExport, type Role } from "../../lib/roles";
import { FieldErrors } from "../../ui/ErrorSummary";
import { shell } from "../../ui/messages";
import { ReorderableList } from "../../ui/ReorderableList";
import { Loading } from "../../ui/states";
import {
  ENCODINGS, exportBody, initialFields, nextExportAt, passwordProblem, type Encoding, type Format, type Headers,
} from "./exportForm";
import { messages, type MessageKey } from "./messages";
import { FormError } from "../../ui/forms";

/** The target select's values: every contact, the selection brought from the list, or a segment. */
type Target = "all" | "carried" | `segment:${string}`;

/** A field's label as the console shows it (and as the file's header row says it). */
export function exportFieldLabel(field: string, lang: Language, t: (key: MessageKey) => string,
  properties: readonly PropertyDefinition[]): string {
  if (field === "id") return t("field_id");
  if (field === "company_id") return t("field_company_id");
  return fieldLabel(field, lang, Object.fromEntries(properties.map((each) => [each.key, each.label])));
}

/** How many contacts TARGET holds when the API tells it cheaply (a search's or a segment's
 * `total`, asked for one row); null for every contact. */
async function countOf(selection: ExportSelection): Promise<number | null> {
  if ("ids" in selection) return selection.ids.length;
  if ("segment_id" in selection) {
    const page = await unwrap(api.GET("/v1/segments/{id}/contacts", { params: { path: { id: selection.segment_id }, query: { limit: 1 } } }));
    return page.total;
  }
  if ("filter" in selection) {
    return (await unwrap(api.POST("/v1/contacts/search", { body: { filter: selection.filter as Filter, limit: 1, sort: "created_at", order: "desc" } }))).total;
  }
  return null;
}

export function NewExport({ jobs }: { jobs: AnyJob[] | null }) {
  const t = useMessages(messages);
  const roles = useMessages(shell);
  const me = useMe();
  const settings = useSettings();
  const role = roleOf(me);
  const properties = propertiesStore.use();
  // segments and properties made since the list loaded them (here, in another tab, through the API)
  useEffect(() => {
    segmentsStore.reload().catch(() => undefined);
    propertiesStore.reload().catch(() => undefined);
  }, []);
  if (!canExport(role, settings)) {
    const allowed = ((settings?.export_roles ?? ["owner", "admin"]) as Role[]).map((each) => roles(`role_${each}`)).join(t("listSeparator"));
    return <p class="notice" role="note">{t("notAllowed", { role: roles(`role_${role}`), roles: allowed })}</p>;
  }
  if (!properties || !jobs) return <Loading />;
  return <ExportForm properties={properties} jobs={jobs} userId={me?.id ?? ""} listColumns={settings?.list_columns ?? [...DEFAULT_LIST_COLUMNS]} />;
}

function ExportForm({ properties, jobs, userId, listColumns }: {
  properties: PropertyDefinition[];
  jobs: AnyJob[];
  userId: string;
  listColumns: readonly string[];
}) {
  const t = useMessages(messages);
  const lang = useLanguage();
  const { query, route } = useLocation();
  const segments = segmentsStore.use();
  const carried = useMemo(() => selectionOfQuery(query, storedIds()), [JSON.stringify(query)]);
  const [target, setTarget] = useState<Target>(
    carried && "segment_id" in carried ? `segment:${carried.segment_id}` : carried ? "carried" : "all");
  const first = useMemo(() => initialFields(listColumns, properties), [properties]);
  const [order, setOrder] = useState(first.order);
  const [chosen, setChosen] = useState<Set<string>>(new Set(first.chosen));
  const [format, setFormat] = useState<Format>("csv");
  const [encoding, setEncoding] = useState<Encoding>("cp932");
  const [headers, setHeaders] = useState<Headers>("labels");
  const [password, setPassword] = useState("");
  const [reason, setReason] = useState("");
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [count, setCount] = useState<number | null | undefined>(undefined);
  const [now, setNow] = useState(() => new Date());

  const selection: ExportSelection = target === "all" ? { all: true }
    : target === "carried" && carried && !("segment_id" in carried) ? carried
    : { segment_id: target.slice("segment:".length) };
  const selectionKey = JSON.stringify(selection);
  useEffect(() => {
    let current = true;
    setCount("all" in selection ? null : undefined); // every contact: nothing tells the number cheaply
    countOf(selection).then((value) => current && setCount(value), () => current && setCount(null));
    return () => {
      current = false;
    };
  }, [selectionKey]);

  // the button waits for the time the user's latest export allows, then comes back by itself
  const next = nextExportAt(jobs, userId, now);
  useEffect(() => {
    if (!next) return;
    const timer = setTimeout(() => setNow(new Date()), Math.max(0, next.getTime() - Date.now()) + 500);
    return () => clearTimeout(timer);
  }, [next?.getTime()]);

  const label = (field: string) => exportFieldLabel(field, lang, t, properties);
  const problem = passwordProblem(password);
  const fieldsMissing = chosen.size === 0;
  const reasonMissing = reason.trim() === "";
  const apiDetails = (field: string) => (refusal instanceof ApiError ? refusal.detailsFor(field) : []);
  const passwordErrors = [...(checked && problem ? [t(`password_${problem}`)] : []), ...apiDetails("password")];
  const reasonErrors = [...(checked && reasonMissing ? [t("reasonMissing")] : []), ...apiDetails("reason")];
  const fieldErrors = [...(checked && fieldsMissing ? [t("noFields")] : []), ...apiDetails("fields")];

  async function submit(event: Event) {
    event.preventDefault();
    setChecked(true);
    setRefusal(null);
    if (problem || reasonMissing || fieldsMissing) {
      const first = fieldsMissing ? "export-fields-first" : problem ? "export-password" : "export-reason";
      document.getElementById(first)?.focus();
      return;
    }
    setBusy(true);
    try {
      const started = (await unwrap(api.POST("/v1/exports", {
        body: exportBody({ selection, order, chosen, format, encoding, headers, password, reason }),
      }))) as Export;
      route(`/exports/${started.id}`);
    } catch (failure) {
      setRefusal(failure);
      setBusy(false);
    }
  }

  const toggle = (field: string, on: boolean) => {
    const nextChosen = new Set(chosen);
    if (on) nextChosen.add(field);
    else nextChosen.delete(field);
    setChosen(nextChosen);
  };
  const describedBy = (id: string, errors: string[], hint = true) =>
    [hint ? `${id}-hint` : "", errors.length ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

  return (
    <form class="export-form" onSubmit={submit} noValidate aria-labelledby="export-new-heading">
      <h2 id="export-new-heading">{t("newExport")}</h2>
      {next && <p class="notice export-wait" id="export-wait" role="status">{t("nextAt", { time: formatTime(next.toISOString(), lang) })}</p>}
      <FormError error={refusal} fields={["password", "reason", "fields"]} />

      <div class="field">
        <label for="export-target">{t("target")}</label>
        <select id="export-target" value={target} aria-describedby="export-target-hint export-target-count"
          onChange={(event) => setTarget((event.currentTarget as HTMLSelectElement).value as Target)}>
          <option value="all">{t("targetAll")}</option>
          {carried && "filter" in carried && <option value="carried">{t("targetSearch")}</option>}
          {carried && "ids" in carried && <option value="carried">{t("targetSelected", { count: carried.ids.length })}</option>}
          {(segments ?? []).length > 0 && (
            <optgroup label={t("targetSegments")}>
              {(segments ?? []).map((segment) => <option key={segment.id} value={`segment:${segment.id}`}>{segment.name}</option>)}
            </optgroup>
          )}
          {carried && "segment_id" in carried && !segments?.some((segment) => segment.id === carried.segment_id) && (
            <option value={`segment:${carried.segment_id}`}>{carried.segment_id}</option>
          )}
        </select>
        <p class="muted field-hint" id="export-target-hint">{t("targetHelp")}</p>
        <p class="export-count" id="export-target-count" role="status">
          {count === undefined ? t("targetCounting") : count === null ? "" : t("targetCount", { count })}
        </p>
      </div>

      <fieldset aria-describedby={describedBy("export-fields", fieldErrors)}>
        <legend>{t("fields")}</legend>
        <p class="muted" id="export-fields-hint">{t("fieldsHelp")}</p>
        <div class="actions">
          <button type="button" id="export-fields-first" onClick={() => setChosen(new Set(order))}>{t("chooseAll")}</button>
          <button type="button" onClick={() => setChosen(new Set())}>{t("chooseNone")}</button>
          <span class="muted" role="status">{t("chosenCount", { count: formatNumber(chosen.size, lang) })}</span>
        </div>
        <FieldErrors id="export-fields-error" messages={fieldErrors} />
        <div class="export-fields">
          <ReorderableList items={order} label={label} idPrefix="export-field" onChange={setOrder}
            lead={(field) => (
              <label class="choice">
                <input type="checkbox" checked={chosen.has(field)}
                  onChange={(event) => toggle(field, (event.currentTarget as HTMLInputElement).checked)} />
                {label(field)}
                {field.startsWith("properties.") && <span class="muted export-custom">{t("customField")}</span>}
              </label>
            )} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t("format")}</legend>
        {(["csv", "xlsx"] as const).map((value) => (
          <label class="choice" key={value}>
            <input type="radio" name="export-format" value={value} checked={format === value} onChange={() => setFormat(value)} />
            {t(value)}
          </label>
        ))}
        {format === "xlsx" && <p class="muted">{t("xlsxHelp")}</p>}
      </fieldset>

      {format === "csv" && (
        <fieldset aria-describedby="export-encoding-hint">
          <legend>{t("encoding")}</legend>
          {ENCODINGS.map((value) => (
            <label class="choice" key={value}>
              <input type="radio" name="export-encoding" value={value} checked={encoding === value} onChange={() => setEncoding(value)} />
              {t(`enc_${value}`)}
            </label>
          ))}
          <p class="muted" id="export-encoding-hint">{t("encodingHelp")}</p>
        </fieldset>
      )}

      <fieldset>
        <legend>{t("headers")}</legend>
        {(["labels", "keys"] as const).map((value) => (
          <label class="choice" key={value}>
            <input type="radio" name="export-headers" value={value} checked={headers === value} onChange={() => setHeaders(value)} />
            {t(value === "labels" ? "headersLabels" : "headersKeys")}
          </label>
        ))}
      </fieldset>

      <div class="field">
        <label for="export-password">{t("password")}</label>
        <p class="muted field-hint" id="export-password-hint">{t("passwordHelp")}</p>
        <input id="export-password" type="password" autocomplete="new-password" value={password} maxLength={128}
          aria-describedby={describedBy("export-password", passwordErrors)} aria-invalid={passwordErrors.length ? "true" : undefined}
          onInput={(event) => setPassword((event.currentTarget as HTMLInputElement).value)} />
        <FieldErrors id="export-password-error" messages={passwordErrors} />
      </div>

      <div class="field">
        <label for="export-reason">{t("reason")}</label>
        <p class="muted field-hint" id="export-reason-hint">{t("reasonHelp")}</p>
        <textarea id="export-reason" required maxLength={1000} rows={3} value={reason}
          aria-describedby={describedBy("export-reason", reasonErrors)} aria-invalid={reasonErrors.length ? "true" : undefined}
          onInput={(event) => setReason((event.currentTarget as HTMLTextAreaElement).value)} />
        <FieldErrors id="export-reason-error" messages={reasonErrors} />
      </div>

      <p class="muted" id="export-interval">{t("intervalRule")}</p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || next !== null} aria-describedby={next ? "export-wait export-interval" : "export-interval"}>
          {busy ? t("submitting") : t("submit")}
        </button>
      </div>
    </form>
  );
}
