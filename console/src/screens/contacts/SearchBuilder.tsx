/** The advanced search builder (a dialog): groups of typed conditions joined by AND/OR, tag
 * conditions (include/exclude, any/all), a saved segment's members, the emails sent, opened or
 * clicked; apply it to the list, or save it as a segment. */
import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { EmailTemplate, Member, Segment } from "../../api/types";
import { segments as segmentsStore } from "../../lib/reference";
import { translate, useLanguage, useMessages, type Language } from "../../i18n";
import { deliveryLabels, engagementLabels, fieldLabel, statusLabels, type Status } from "../../lib/fields";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import {
  buildFilter, EMAIL_EVENTS, newEmailRule, newFieldRule, newSegmentRule, newTagRule, opsFor, valueCount,
  type Builder, type EmailEvent, type EmailRule, type FieldRule, type FieldSpec, type Join, type Op, type Problem, type Rule,
  type SegmentRule, type TagRule,
} from "./filterBuilder";
import { messages, type MessageKey } from "./messages";

function choiceLabel(spec: FieldSpec, choice: string, lang: Language, members: Member[]): string {
  if (spec.field === "status") return translate(statusLabels, choice as Status, {}, lang);
  if (spec.field === "engagement") return translate(engagementLabels, choice as keyof typeof engagementLabels.ja, {}, lang);
  if (spec.field === "delivery_status") return translate(deliveryLabels, choice as keyof typeof deliveryLabels.ja, {}, lang);
  if (spec.field === "owner_id") {
    const member = members.find((item) => item.id === choice);
    return member ? member.name || member.email : choice;
  }
  return choice;
}

function opLabel(op: Op, type: FieldSpec["type"], t: (key: MessageKey) => string): string {
  if (type === "time" && (op === "gte" || op === "lte")) return t(op === "gte" ? "time_gte" : "time_lte");
  return t(`op_${op}` as MessageKey);
}

export function SearchBuilder({ initial, fields, members, onApply, onSaved, onClose }: {
  initial: Builder;
  fields: FieldSpec[];
  members: Member[];
  onApply: (builder: Builder) => void;
  onSaved: (segment: Segment, builder: Builder) => void;
  onClose: () => void;
}) {
  const t = useMessages(messages);
  const lang = useLanguage();
  const [builder, setBuilder] = useState<Builder>(initial);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const propertyLabels = Object.fromEntries(fields.filter((spec) => spec.label).map((spec) => [spec.field.slice("properties.".length), spec.label!]));
  const specs = new Map(fields.map((spec) => [spec.field, spec]));
  const segments = segmentsStore.use();
  // the templates an email condition may name, read once the first such condition is shown
  const [templates, setTemplates] = useState<EmailTemplate[] | null>(null);
  const wantsTemplates = builder.groups.some((group) => group.rules.some((rule) => rule.kind === "emails"));
  useEffect(() => {
    if (wantsTemplates && templates === null) {
      unwrap(api.GET("/v1/email-templates")).then((page) => setTemplates(page.items), () => setTemplates([]));
    }
  }, [wantsTemplates]);
  const withOwners = (spec: FieldSpec): FieldSpec => (spec.field === "owner_id" ? { ...spec, choices: members.map((member) => member.id) } : spec);

  const setGroup = (index: number, change: (rules: Rule[]) => Rule[], join?: Join) =>
    setBuilder({
      ...builder,
      groups: builder.groups.map((group, at) => (at === index ? { join: join ?? group.join, rules: change(group.rules) } : group)),
    });
  const setRule = (group: number, index: number, rule: Rule) =>
    setGroup(group, (rules) => rules.map((item, at) => (at === index ? rule : item)));

  function built() {
    const result = buildFilter(builder, fields);
    setProblems(result.problems);
    return result.filter;
  }

  async function save(event: Event) {
    event.preventDefault();
    const filter = built();
    if (!filter) return;
    setBusy(true);
    setRefusal(null);
    try {
      const segment = await unwrap(api.POST("/v1/segments", { body: { name: name.trim(), filter } }));
      onSaved(segment, builder);
    } catch (failure) {
      setRefusal(failure);
    } finally {
      setBusy(false);
    }
  }

  /** aria-invalid and aria-describedby for the inputs of a rule with a problem. */
  const invalid = (group: number, index: number, id: string) =>
    problems.some((item) => item.group === group && item.rule === index)
      ? { "aria-invalid": true, "aria-describedby": `${id}-problem` }
      : {};

  function fieldRule(rule: FieldRule, group: number, index: number, id: string) {
    const spec = withOwners(specs.get(rule.field) ?? { field: rule.field, type: "string" });
    const count = valueCount(rule.op);
    const dayCount = rule.op === "within_days" || rule.op === "before_days";
    const input = (value: string, key: "value" | "value2", label: string) => {
      const inputId = `${id}-${key}`;
      const change = (event: Event) => setRule(group, index, { ...rule, [key]: (event.currentTarget as HTMLInputElement).value });
      let control;
      if (spec.choices && spec.type === "enum") {
        control = (
          <select id={inputId} value={value} onChange={change}>
            {spec.choices.map((choice) => <option key={choice} value={choice}>{choiceLabel(spec, choice, lang, members)}</option>)}
          </select>
        );
      } else if (spec.type === "boolean") {
        control = (
          <select id={inputId} value={value} onChange={change}>
            <option value="true">{t("yes")}</option>
            <option value="false">{t("no")}</option>
          </select>
        );
      } else if ((spec.type === "time" && !dayCount) || spec.type === "date") {
        control = <input id={inputId} type="date" value={value} onInput={change} {...invalid(group, index, id)} />;
      } else {
        control = <input id={inputId} type="text" inputMode={spec.type === "number" || dayCount ? "decimal" : undefined} value={value} onInput={change}
          {...invalid(group, index, id)} />;
      }
      return (
        <span class="builder-value">
          <label for={inputId}>{label}</label>
          {control}
        </span>
      );
    };
    return (
      <>
        <span class="builder-value">
          <label for={`${id}-field`}>{t("field")}</label>
          <select id={`${id}-field`} value={rule.field}
            onChange={(event) => setRule(group, index, newFieldRule(withOwners(specs.get((event.currentTarget as HTMLSelectElement).value)!)))}>
            {fields.map((item) => <option key={item.field} value={item.field}>{fieldLabel(item.field, lang, propertyLabels)}</option>)}
          </select>
        </span>
        <span class="builder-value">
          <label for={`${id}-op`}>{t("operator")}</label>
          <select id={`${id}-op`} value={rule.op}
            onChange={(event) => setRule(group, index, { ...rule, op: (event.currentTarget as HTMLSelectElement).value as Op })}>
            {opsFor(spec.type).map((op) => <option key={op} value={op}>{opLabel(op, spec.type, t)}</option>)}
          </select>
        </span>
        {count >= 1 && input(rule.value, "value", dayCount ? t("days") : t("value"))}
        {count === 2 && input(rule.value2, "value2", t("valueTo"))}
      </>
    );
  }

  function tagRule(rule: TagRule, group: number, index: number, id: string) {
    const text = (key: "include" | "exclude", label: MessageKey) => (
      <span class="builder-value">
        <label for={`${id}-${key}`}>{t(label)}</label>
        <input id={`${id}-${key}`} type="text" value={rule[key]} {...invalid(group, index, id)}
          onInput={(event) => setRule(group, index, { ...rule, [key]: (event.currentTarget as HTMLInputElement).value })} />
      </span>
    );
    const mode = (key: "includeMode" | "excludeMode", label: MessageKey) => (
      <span class="builder-value">
        <label for={`${id}-${key}`}>{t(label)}</label>
        <select id={`${id}-${key}`} value={rule[key]}
          onChange={(event) => setRule(group, index, { ...rule, [key]: (event.currentTarget as HTMLSelectElement).value as "any" | "all" })}>
          <option value="any">{t("modeAny")}</option>
          <option value="all">{t("modeAll")}</option>
        </select>
      </span>
    );
    return (
      <>
        <span class="builder-tag-title">{t("tagRule")}</span>
        {text("include", "includeTags")}
        {mode("includeMode", "includeMode")}
        {text("exclude", "excludeTags")}
        {mode("excludeMode", "excludeMode")}
      </>
    );
  }

  function segmentRule(rule: SegmentRule, group: number, index: number, id: string) {
    return (
      <>
        <span class="builder-tag-title">{t("segmentRule")}</span>
        <span class="builder-value">
          <label for={`${id}-segment`}>{t("segmentPick")}</label>
          <select id={`${id}-segment`} value={rule.segment} {...invalid(group, index, id)}
            onChange={(event) => setRule(group, index, { ...rule, segment: (event.currentTarget as HTMLSelectElement).value })}>
            <option value="">{t("segmentChoose")}</option>
            {rule.segment && !segments?.some((item) => item.id === rule.segment) && <option value={rule.segment}>{rule.segment}</option>}
            {(segments ?? []).map((item) => <option key={item.id} value={item.id}>{item.name}</option>)}
          </select>
        </span>
      </>
    );
  }

  function emailRule(rule: EmailRule, group: number, index: number, id: string) {
    return (
      <>
        <span class="builder-tag-title">{t("emailRule")}</span>
        <span class="builder-value">
          <label for={`${id}-event`}>{t("emailEvent")}</label>
          <select id={`${id}-event`} value={rule.event}
            onChange={(event) => setRule(group, index, { ...rule, event: (event.currentTarget as HTMLSelectElement).value as EmailEvent })}>
            {EMAIL_EVENTS.map((code) => <option key={code} value={code}>{t(`event_${code}`)}</option>)}
          </select>
        </span>
        <span class="builder-value">
          <label for={`${id}-template`}>{t("ruleTemplate")}</label>
          <select id={`${id}-template`} value={rule.template}
            onChange={(event) => setRule(group, index, { ...rule, template: (event.currentTarget as HTMLSelectElement).value })}>
            <option value="">{t("anyTemplate")}</option>
            {rule.template && !templates?.some((item) => item.id === rule.template) && <option value={rule.template}>{rule.template}</option>}
            {(templates ?? []).map((item) => <option key={item.id} value={item.id}>{item.name}</option>)}
          </select>
        </span>
        <span class="builder-value">
          <label for={`${id}-since`}>{t("emailSince")}</label>
          <input id={`${id}-since`} type="date" value={rule.since} {...invalid(group, index, id)}
            onInput={(event) => setRule(group, index, { ...rule, since: (event.currentTarget as HTMLInputElement).value })} />
        </span>
      </>
    );
  }

  function ruleControls(rule: Rule, group: number, index: number, id: string) {
    switch (rule.kind) {
      case "field": return fieldRule(rule, group, index, id);
      case "tags": return tagRule(rule, group, index, id);
      case "segment": return segmentRule(rule, group, index, id);
      case "emails": return emailRule(rule, group, index, id);
    }
  }

  const joinSelect = (id: string, label: MessageKey, value: Join, change: (join: Join) => void) => (
    <span class="builder-value">
      <label for={id}>{t(label)}</label>
      <select id={id} value={value} onChange={(event) => change((event.currentTarget as HTMLSelectElement).value as Join)}>
        <option value="and">{t("and")}</option>
        <option value="or">{t("or")}</option>
      </select>
    </span>
  );

  return (
    <Dialog title={t("builderTitle")} onClose={onClose} wide>
      <form class="builder" noValidate onSubmit={(event) => {
        event.preventDefault();
        if (built()) onApply(builder);
      }}>
        {builder.groups.length > 1 && joinSelect("builder-join", "groupsJoin", builder.join, (join) => setBuilder({ ...builder, join }))}
        {builder.groups.map((group, groupIndex) => (
          <fieldset key={groupIndex} class="builder-group">
            <legend>{t("group", { n: groupIndex + 1 })}</legend>
            {group.rules.length > 1 && joinSelect(`builder-${groupIndex}-join`, "rulesJoin", group.join,
              (join) => setGroup(groupIndex, (rules) => rules, join))}
            <ol class="builder-rules">
              {group.rules.map((rule, ruleIndex) => {
                const id = `rule-${groupIndex}-${ruleIndex}`;
                const problem = problems.find((item) => item.group === groupIndex && item.rule === ruleIndex);
                return (
                  <li key={ruleIndex} class="builder-rule">
                    {ruleControls(rule, groupIndex, ruleIndex, id)}
                    <button type="button" class="link" onClick={() => setGroup(groupIndex, (rules) => rules.filter((_, at) => at !== ruleIndex))}
                      disabled={group.rules.length === 1 && builder.groups.length === 1}>
                      {t("removeRule")}
                    </button>
                    {problem && <p class="field-error" id={`${id}-problem`}>{t(`problem_${problem.reason}` as MessageKey)}</p>}
                  </li>
                );
              })}
            </ol>
            <div class="actions">
              <button type="button" onClick={() => setGroup(groupIndex, (rules) => [...rules, newFieldRule(fields[0]!)])}>{t("addRule")}</button>
              <button type="button" onClick={() => setGroup(groupIndex, (rules) => [...rules, newTagRule()])}>{t("addTagRule")}</button>
              <button type="button" onClick={() => setGroup(groupIndex, (rules) => [...rules, newSegmentRule()])}>{t("addSegmentRule")}</button>
              <button type="button" onClick={() => setGroup(groupIndex, (rules) => [...rules, newEmailRule()])}>{t("addEmailRule")}</button>
              {builder.groups.length > 1 && (
                <button type="button" class="link" onClick={() => setBuilder({ ...builder, groups: builder.groups.filter((_, at) => at !== groupIndex) })}>
                  {t("removeGroup")}
                </button>
              )}
            </div>
          </fieldset>
        ))}
        <div class="actions">
          <button type="button" onClick={() => setBuilder({ ...builder, groups: [...builder.groups, { join: "and", rules: [newFieldRule(fields[0]!)] }] })}>
            {t("addGroup")}
          </button>
        </div>
        <div class="actions builder-footer">
          <button type="submit" class="primary">{t("apply")}</button>
          {!naming && <button type="button" onClick={() => setNaming(true)}>{t("saveSegment")}</button>}
        </div>
      </form>
      {naming && (
        <form class="segment-save" onSubmit={save} noValidate>
          <div class="field">
            <label for="segment-name">{t("segmentName")}</label>
            <input id="segment-name" value={name} required maxLength={100} autoFocus
              onInput={(event) => setName((event.currentTarget as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="primary" disabled={busy}>{t("saveSegmentConfirm")}</button>
        </form>
      )}
      <ErrorSummary error={refusal} />
    </Dialog>
  );
}
