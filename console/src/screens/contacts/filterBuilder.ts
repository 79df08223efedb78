/** The advanced search builder's model and the API filter it stands for (POST /v1/contacts/search,
 * segments, bulk selection by filter). Pure: no DOM, no API.
 *
 * The builder holds groups of rules; the groups are joined by one operator (AND/OR) and each
 * group joins its rules by its own. A rule is a typed field condition, a tag condition, a saved
 * segment's members (SATORI's 該当セグメント) or the emails a contact was sent, opened or clicked
 * (SATORI's 送信したメール). The
 * API's filter language (the `Filter` schema) nests groups at most 5 deep: this gives at most 2. */
import type { Filter, PropertyDefinition } from "../../api/types";

export type FieldType = "string" | "enum" | "boolean" | "number" | "time" | "date";
export type Join = "and" | "or";
export type Op =
  | "eq" | "ne" | "contains" | "prefix" | "gt" | "gte" | "lt" | "lte" | "between"
  | "exists" | "not_exists" | "within_days" | "before_days";

export interface FieldSpec {
  /** The API's field name: a contact field or `properties.KEY`. */
  field: string;
  type: FieldType;
  /** The choices of an enum field (status, a select property). */
  choices?: string[];
  /** A custom property's label (built-in fields take theirs from lib/fields.ts). */
  label?: string;
}

export interface FieldRule {
  kind: "field";
  field: string;
  op: Op;
  value: string;
  /** The upper bound of `between`. */
  value2: string;
}

export interface TagRule {
  kind: "tags";
  include: string;
  includeMode: "any" | "all";
  exclude: string;
  excludeMode: "any" | "all";
}

/** Members of a saved segment: `{"segment_id"}`. */
export interface SegmentRule {
  kind: "segment";
  segment: string;
}

export type EmailEvent = "sent" | "opened" | "clicked";
export const EMAIL_EVENTS: EmailEvent[] = ["sent", "opened", "clicked"];

/** Contacts sent an email (or who opened / clicked one), from TEMPLATE if given, on or after the
 * user's day SINCE if given: `{"emails": {"event", "template_id"?, "since"?}}`. */
export interface EmailRule {
  kind: "emails";
  event: EmailEvent;
  template: string;
  since: string;
}

export type Rule = FieldRule | TagRule | SegmentRule | EmailRule;

export interface RuleGroup {
  join: Join;
  rules: Rule[];
}

export interface Builder {
  join: Join;
  groups: RuleGroup[];
}

/** Searchable built-in fields and their types (the API's shared/domain/search.py FIELD_TYPES). */
const BUILT_IN: FieldSpec[] = [
  ...["display_name", "family_name", "given_name", "family_name_kana", "given_name_kana", "email", "phone", "company",
    "department", "title", "address", "website", "acquisition_channel", "memo"].map((field) => ({ field, type: "string" as const })),
  { field: "status", type: "enum", choices: ["new", "replied", "called", "visited", "won", "lost"] },
  { field: "engagement", type: "enum", choices: ["hot", "active", "inactive"] },
  { field: "delivery_status", type: "enum", choices: ["unconfirmed", "normal", "invalid_address", "error", "temporary_error", "spam"] },
  { field: "owner_id", type: "enum" },
  { field: "starred", type: "boolean" },
  { field: "marketing_opt_out", type: "boolean" },
  { field: "score", type: "number" },
  { field: "session_count", type: "number" },
  { field: "emails_sent_count", type: "number" },
  { field: "purchase_count", type: "number" },
  ...["created_at", "updated_at", "first_contacted_at", "last_contacted_at", "last_customer_action_at", "last_seen_at",
    "acquired_at", "last_purchase_at"].map((field) => ({ field, type: "time" as const })),
];

const PROPERTY_TYPES: Record<string, FieldType> = {
  text: "string", email: "string", select: "enum", boolean: "boolean", number: "number", date: "date",
};

/** Every field a rule may test: the built-in ones, then the tenant's live custom properties. */
export function builderFields(properties: PropertyDefinition[]): FieldSpec[] {
  const custom = properties
    .filter((property) => !property.archived)
    .map((property) => ({
      field: `properties.${property.key}`,
      type: PROPERTY_TYPES[property.type] ?? "string",
      label: property.label,
      ...(property.type === "select" ? { choices: property.options ?? [] } : {}),
    }));
  return [...BUILT_IN, ...custom];
}

/** The operators offered for a field type (a subset of what the API allows for it). */
export function opsFor(type: FieldType): Op[] {
  switch (type) {
    case "string": return ["contains", "prefix", "eq", "ne", "exists", "not_exists"];
    case "enum": return ["eq", "ne", "exists", "not_exists"];
    case "boolean": return ["eq"];
    case "number": return ["eq", "ne", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"];
    case "time": return ["within_days", "before_days", "gte", "lte", "between", "exists", "not_exists"];
    case "date": return ["eq", "gte", "lte", "between", "exists", "not_exists"];
  }
}

/** Whether OP takes no value, one, or two. */
export function valueCount(op: Op): 0 | 1 | 2 {
  if (op === "exists" || op === "not_exists") return 0;
  return op === "between" ? 2 : 1;
}

export function newFieldRule(spec: FieldSpec): FieldRule {
  const op = opsFor(spec.type)[0]!;
  return { kind: "field", field: spec.field, op, value: spec.type === "boolean" ? "true" : spec.choices?.[0] ?? "", value2: "" };
}

export function newTagRule(): TagRule {
  return { kind: "tags", include: "", includeMode: "any", exclude: "", excludeMode: "any" };
}

export function newSegmentRule(): SegmentRule {
  return { kind: "segment", segment: "" };
}

export function newEmailRule(): EmailRule {
  return { kind: "emails", event: "sent", template: "", since: "" };
}

export function emptyBuilder(first: FieldSpec): Builder {
  return { join: "and", groups: [{ join: "and", rules: [newFieldRule(first)] }] };
}

/** The start (or, with END, the last millisecond) of the user's day DAY ("YYYY-MM-DD") as an
 * ISO instant: the search compares instants, and the user means their own day, not UTC's. */
export type DayBound = (day: string, end: boolean) => string;

export const localDayBound: DayBound = (day, end) => {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const moment = end ? new Date(year, month - 1, date, 23, 59, 59, 999) : new Date(year, month - 1, date);
  return moment.toISOString();
};

/** A problem of one rule, before asking the API: its position and what is wrong. */
export interface Problem {
  group: number;
  rule: number;
  reason: "value" | "number" | "date" | "days" | "tags" | "segment";
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function splitTags(text: string): string[] {
  return [...new Set(text.split(/[,、，]/).map((name) => name.trim()).filter(Boolean))];
}

function fieldCondition(rule: FieldRule, spec: FieldSpec, dayBound: DayBound): Filter | Problem["reason"] {
  const { field, op } = rule;
  if (valueCount(op) === 0) return { field, op };
  const values = valueCount(op) === 2 ? [rule.value.trim(), rule.value2.trim()] : [rule.value.trim()];
  if (values.some((value) => value === "")) return "value";
  switch (spec.type) {
    case "number": {
      const numbers = values.map((value) => Number(value.replace(/[,，]/g, "")));
      if (numbers.some((value) => !Number.isFinite(value))) return "number";
      return { field, op, value: op === "between" ? numbers : numbers[0] };
    }
    case "boolean":
      return { field, op, value: rule.value === "true" };
    case "time": {
      if (op === "within_days" || op === "before_days") {
        const days = Number(values[0]);
        if (!Number.isInteger(days) || days < 0) return "days";
        return { field, op: op === "within_days" ? "gte" : "lt", value: { days_ago: days } };
      }
      if (values.some((value) => !DAY.test(value))) return "date";
      if (op === "between") return { field, op, value: [dayBound(values[0]!, false), dayBound(values[1]!, true)] };
      return { field, op, value: dayBound(values[0]!, op === "lte") };
    }
    case "date":
      if (values.some((value) => !DAY.test(value))) return "date";
      return { field, op, value: op === "between" ? values : values[0] };
    default:
      return { field, op, value: values[0] };
  }
}

function tagCondition(rule: TagRule): Filter | Problem["reason"] {
  const include = splitTags(rule.include);
  const exclude = splitTags(rule.exclude);
  if (include.length === 0 && exclude.length === 0) return "tags";
  return {
    tags: {
      ...(include.length ? { include, include_mode: rule.includeMode } : {}),
      ...(exclude.length ? { exclude, exclude_mode: rule.excludeMode } : {}),
    },
  };
}

function segmentCondition(rule: SegmentRule): Filter | Problem["reason"] {
  return rule.segment ? { segment_id: rule.segment } : "segment";
}

function emailCondition(rule: EmailRule, dayBound: DayBound): Filter | Problem["reason"] {
  const since = rule.since.trim();
  if (since && !DAY.test(since)) return "date";
  return {
    emails: {
      event: rule.event,
      ...(rule.template ? { template_id: rule.template } : {}),
      ...(since ? { since: dayBound(since, false) } : {}),
    },
  };
}

/** The condition of one rule, or what is wrong with it. */
function condition(rule: Rule, specs: Map<string, FieldSpec>, dayBound: DayBound): Filter | Problem["reason"] {
  switch (rule.kind) {
    case "field": return fieldCondition(rule, specs.get(rule.field) ?? { field: rule.field, type: "string" }, dayBound);
    case "tags": return tagCondition(rule);
    case "segment": return segmentCondition(rule);
    case "emails": return emailCondition(rule, dayBound);
  }
}

function joined(join: Join, children: Filter[]): Filter {
  return children.length === 1 ? children[0]! : { [join]: children };
}

/** The API filter of BUILDER, or the problems of its rules (none sent then). */
export function buildFilter(builder: Builder, fields: FieldSpec[], dayBound: DayBound = localDayBound):
  { filter: Filter; problems: [] } | { filter: null; problems: Problem[] } {
  const specs = new Map(fields.map((spec) => [spec.field, spec]));
  const problems: Problem[] = [];
  const groups: Filter[] = [];
  builder.groups.forEach((group, groupIndex) => {
    const children: Filter[] = [];
    group.rules.forEach((rule, ruleIndex) => {
      const built = condition(rule, specs, dayBound);
      if (typeof built === "string") problems.push({ group: groupIndex, rule: ruleIndex, reason: built });
      else children.push(built);
    });
    if (children.length) groups.push(joined(group.join, children));
  });
  if (problems.length) return { filter: null, problems };
  if (groups.length === 0) return { filter: null, problems: [{ group: 0, rule: 0, reason: "value" }] };
  return { filter: joined(builder.join, groups), problems: [] };
}

/** The builder as kept in the URL (reload and back keep an advanced search). */
export function encodeBuilder(builder: Builder): string {
  return JSON.stringify(builder);
}

/** A builder read back from the URL; null when the text is not one (a hand-edited address). */
export function decodeBuilder(text: string | undefined): Builder | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Builder;
    const joins = ["and", "or"];
    const valid = joins.includes(value.join) && Array.isArray(value.groups) && value.groups.length > 0
      && value.groups.every((group) => joins.includes(group.join) && Array.isArray(group.rules) && group.rules.every(
        (rule) => (rule.kind === "field" && typeof rule.field === "string" && typeof rule.op === "string"
          && typeof rule.value === "string" && typeof rule.value2 === "string")
          || (rule.kind === "tags" && typeof rule.include === "string" && typeof rule.exclude === "string")
          || (rule.kind === "segment" && typeof rule.segment === "string")
          || (rule.kind === "emails" && EMAIL_EVENTS.includes(rule.event) && typeof rule.template === "string"
            && typeof rule.since === "string")));
    return valid ? value : null;
  } catch {
    return null;
  }
}
