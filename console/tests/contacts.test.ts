import assert from "node:assert/strict";
import { test } from "node:test";
import type { PropertyDefinition } from "../src/api/types";
import { actionsFor, bulkBody, outcomeOf, tagNames } from "../src/screens/contacts/bulk";
import { contactBody } from "../src/screens/contacts/contactForm";
import {
  buildFilter, builderFields, decodeBuilder, encodeBuilder, opsFor, type Builder, type DayBound,
} from "../src/screens/contacts/filterBuilder";
import {
  DEFAULT_STATE, EVERY_CONTACT, listQuery, listRequest, matchingSelection, parseListState, toggleSort,
} from "../src/screens/contacts/listState";
import { OVERSCAN, rowWindow } from "../src/screens/contacts/rowWindow";

const property = (key: string, type: PropertyDefinition["type"], options: string[] | null = null, archived = false): PropertyDefinition =>
  ({ key, label: key.toUpperCase(), type, options, archived });
const fields = builderFields([property("size", "number"), property("industry", "select", ["製造", "小売"]), property("since", "date"),
  property("gone", "text", null, true)]);
// the user's day as JST (UTC+9), whatever zone runs the tests
const jst: DayBound = (day, end) => new Date(Date.parse(`${day}T${end ? "23:59:59.999" : "00:00:00.000"}+09:00`)).toISOString();

test("the URL's query gives the list state, and the state gives the same query back", () => {
  const query = "?q=%EF%BE%94%EF%BE%8F%EF%BE%80%EF%BE%9E&tag=VIP&status=won&starred=true&sort=name&order=asc";
  const state = parseListState(Object.fromEntries(new URLSearchParams(query)));
  assert.deepEqual({ ...state }, { ...DEFAULT_STATE, q: "ﾔﾏﾀﾞ", tag: "VIP", status: "won", starred: "true", sort: "name", order: "asc" });
  assert.equal(listQuery(state), query);
  assert.equal(listQuery(DEFAULT_STATE), "", "the defaults leave the address bare");
});

test("a hand-edited query falls back to the defaults instead of asking the API nonsense", () => {
  const state = parseListState({ sort: "phone", order: "up", status: "sleeping", starred: "yes", filter: "{not json" });
  assert.deepEqual(state, DEFAULT_STATE);
});

test("the advanced search survives the URL", () => {
  const builder: Builder = { join: "or", groups: [{ join: "and", rules: [{ kind: "field", field: "company", op: "prefix", value: "株式会社", value2: "" }] }] };
  const state = parseListState(Object.fromEntries(new URLSearchParams(listQuery({ ...DEFAULT_STATE, advanced: builder }))));
  assert.deepEqual(state.advanced, builder);
  assert.equal(decodeBuilder(encodeBuilder({ join: "xor" as never, groups: [] })), null);
});

test("a header click sorts by its column; a second click gives the other order", () => {
  assert.deepEqual(toggleSort(DEFAULT_STATE, "name"), { sort: "name", order: "asc" });
  assert.deepEqual(toggleSort({ sort: "name", order: "asc" }, "name"), { sort: "name", order: "desc" });
  assert.deepEqual(toggleSort({ sort: "name", order: "desc" }, "name"), { sort: "name", order: "asc" });
  assert.deepEqual(toggleSort({ sort: "name", order: "asc" }, "last_contacted_at"), { sort: "last_contacted_at", order: "desc" });
  assert.deepEqual(toggleSort(DEFAULT_STATE, "created_at"), { sort: "created_at", order: "asc" });
});

test("quick filters go to GET /v1/contacts; with an advanced filter they join it in one search", () => {
  const state = { ...DEFAULT_STATE, q: "やまだ", tag: "展示会", owner: "u1", starred: "false" };
  assert.deepEqual(listRequest(state, null), {
    kind: "list", query: { sort: "created_at", order: "desc", q: "やまだ", tag: "展示会", owner_id: "u1", starred: "false" },
  });
  const advanced = { field: "score", op: "gte", value: 10 };
  assert.deepEqual(listRequest(state, advanced), {
    kind: "search",
    body: {
      filter: { and: [advanced, { tags: { include: ["展示会"], include_mode: "any" } }, { field: "owner_id", op: "eq", value: "u1" },
        { field: "starred", op: "eq", value: false }] },
      q: "やまだ", sort: "created_at", order: "desc",
    },
  });
  assert.deepEqual(listRequest({ ...state, segment: "s1", sort: "name", order: "asc" }, advanced),
    { kind: "segment", id: "s1", query: { sort: "name", order: "asc" } });
});

test("every match is selected by the list's own filter, never by a quick search it cannot say", () => {
  assert.deepEqual(matchingSelection(DEFAULT_STATE, null), { filter: EVERY_CONTACT });
  assert.deepEqual(matchingSelection({ ...DEFAULT_STATE, status: "won" }, null), { filter: { field: "status", op: "eq", value: "won" } });
  assert.deepEqual(matchingSelection({ ...DEFAULT_STATE, segment: "s1" }, null), { segment_id: "s1" });
  assert.equal(matchingSelection({ ...DEFAULT_STATE, q: "山田" }, null), null);
});

test("the builder's groups become the API's filter tree, typed by field", () => {
  const builder: Builder = {
    join: "or",
    groups: [
      { join: "and", rules: [
        { kind: "field", field: "properties.size", op: "between", value: "1,000", value2: "5000" },
        { kind: "tags", include: "展示会2026、VIP", includeMode: "all", exclude: "", excludeMode: "any" },
        { kind: "field", field: "starred", op: "eq", value: "false", value2: "" },
      ] },
      { join: "and", rules: [{ kind: "field", field: "last_customer_action_at", op: "within_days", value: "30", value2: "" }] },
      { join: "or", rules: [
        { kind: "field", field: "created_at", op: "lte", value: "2026-04-01", value2: "" },
        { kind: "field", field: "properties.since", op: "gte", value: "2026-01-01", value2: "" },
        { kind: "field", field: "email", op: "not_exists", value: "ignored", value2: "" },
      ] },
    ],
  };
  assert.deepEqual(buildFilter(builder, fields, jst), {
    problems: [],
    filter: { or: [
      { and: [
        { field: "properties.size", op: "between", value: [1000, 5000] },
        { tags: { include: ["展示会2026", "VIP"], include_mode: "all" } },
        { field: "starred", op: "eq", value: false },
      ] },
      { field: "last_customer_action_at", op: "gte", value: { days_ago: 30 } },
      { or: [
        { field: "created_at", op: "lte", value: "2026-04-01T14:59:59.999Z" },
        { field: "properties.since", op: "gte", value: "2026-01-01" },
        { field: "email", op: "not_exists" },
      ] },
    ] },
  });
});

test("a lone condition stands alone; bad values are problems of their rule and nothing is sent", () => {
  const one: Builder = { join: "and", groups: [{ join: "and", rules: [{ kind: "field", field: "company", op: "prefix", value: " 株式会社 ", value2: "" }] }] };
  assert.deepEqual(buildFilter(one, fields, jst), { filter: { field: "company", op: "prefix", value: "株式会社" }, problems: [] });
  const bad: Builder = { join: "and", groups: [{ join: "and", rules: [
    { kind: "field", field: "score", op: "gt", value: "many", value2: "" },
    { kind: "field", field: "created_at", op: "before_days", value: "-3", value2: "" },
    { kind: "tags", include: " , ", includeMode: "any", exclude: "", excludeMode: "any" },
    { kind: "field", field: "company", op: "eq", value: "", value2: "" },
  ] }] };
  assert.deepEqual(buildFilter(bad, fields, jst), { filter: null, problems: [
    { group: 0, rule: 0, reason: "number" }, { group: 0, rule: 1, reason: "days" }, { group: 0, rule: 2, reason: "tags" },
    { group: 0, rule: 3, reason: "value" },
  ] });
});

test("each field offers the operators of its type; archived properties are not offered", () => {
  assert.deepEqual(fields.find((spec) => spec.field === "properties.industry"), { field: "properties.industry", type: "enum", label: "INDUSTRY", choices: ["製造", "小売"] });
  assert.equal(fields.some((spec) => spec.field === "properties.gone"), false);
  assert.ok(opsFor("string").includes("contains"));
  assert.equal(opsFor("boolean").includes("gt"), false);
  assert.ok(opsFor("time").includes("within_days"));
});

test("the rendered rows stay bounded however far the list is scrolled", () => {
  const rows = 20_000;
  const top = rowWindow(0, 860, 41, rows);
  assert.equal(top.start, 0);
  const deep = rowWindow(-41 * 15_000, 860, 41, rows);
  assert.ok(deep.start <= 15_000 - OVERSCAN && deep.end >= 15_000 + 21, JSON.stringify(deep));
  assert.ok(deep.end - deep.start <= 2 * OVERSCAN + 22 + 50, `${deep.end - deep.start} rows`);
  assert.deepEqual(rowWindow(-41 * 30_000, 860, 41, rows).end, rows);
  assert.deepEqual(rowWindow(0, 860, 41, 7), { start: 0, end: 7 });
});

test("bulk bodies follow BulkRequest; answers are counted; a user is not offered delete", () => {
  assert.deepEqual(tagNames("VIP, 展示会、VIP ,"), ["VIP", "展示会"]);
  assert.deepEqual(bulkBody({ ids: ["a"] }, "add_tags", { tags: "VIP" }), { selection: { ids: ["a"] }, action: "add_tags", params: { tags: ["VIP"] } });
  assert.deepEqual(bulkBody({ segment_id: "s" }, "set_owner", { owner: "" }), { selection: { segment_id: "s" }, action: "set_owner", params: { owner_id: null } });
  assert.deepEqual(bulkBody({ ids: ["a"] }, "star", {}), { selection: { ids: ["a"] }, action: "star" });
  assert.deepEqual(outcomeOf([{ id: "a", status: "ok", error: null }, { id: "b", status: "forbidden", error: "no" }]),
    { ok: 1, not_found: 0, forbidden: 1, errors: [{ id: "b", error: "no" }] });
  assert.equal(actionsFor("user").includes("delete"), false);
  assert.equal(actionsFor("manager").includes("delete"), true);
});

test("a member group's bulk actions carry its id, and every role is offered them", () => {
  assert.deepEqual(bulkBody({ ids: ["a"] }, "add_to_group", { group: "g1" }),
    { selection: { ids: ["a"] }, action: "add_to_group", params: { group_id: "g1" } });
  assert.deepEqual(bulkBody({ segment_id: "s" }, "remove_from_group", { group: "g1" }),
    { selection: { segment_id: "s" }, action: "remove_from_group", params: { group_id: "g1" } });
  assert.equal(actionsFor("user").includes("add_to_group"), true);
  assert.equal(actionsFor("user").includes("remove_from_group"), true);
});

test("the add form sends what was typed, typed as its property, and leaves blanks out", () => {
  const properties = [property("size", "number"), property("vip", "boolean"), property("since", "date")];
  assert.deepEqual(contactBody({ family_name: " 山田 ", given_name: "", email: "not-an-address", owner_id: "", tags: "A, B",
    "properties.size": "1,200", "properties.vip": true, "properties.since": "" }, properties), {
    family_name: "山田", email: "not-an-address", owner_id: null, tags: ["A", "B"], properties: { size: 1200, vip: true },
  });
  assert.deepEqual(contactBody({ "properties.size": "twelve" }, properties), { properties: { size: "twelve" } });
});

test("a segment condition and an email condition become {segment_id} and {emails}", () => {
  const fields = builderFields([]);
  const builder: Builder = {
    join: "and",
    groups: [{
      join: "or",
      rules: [
        { kind: "segment", segment: "seg1" },
        { kind: "emails", event: "opened", template: "tpl1", since: "2026-12-01" },
        { kind: "emails", event: "sent", template: "", since: "" },
      ],
    }],
  };
  assert.deepEqual(buildFilter(builder, fields, jst), {
    filter: { or: [
      { segment_id: "seg1" },
      { emails: { event: "opened", template_id: "tpl1", since: "2026-11-30T15:00:00.000Z" } },
      { emails: { event: "sent" } },
    ] },
    problems: [],
  });
  const unchosen: Builder = { join: "and", groups: [{ join: "and", rules: [{ kind: "segment", segment: "" }, { kind: "emails", event: "clicked", template: "", since: "12/01" }] }] };
  assert.deepEqual(buildFilter(unchosen, fields, jst).problems,
    [{ group: 0, rule: 0, reason: "segment" }, { group: 0, rule: 1, reason: "date" }]);
  assert.deepEqual(decodeBuilder(encodeBuilder(builder)), builder);
  assert.equal(decodeBuilder(JSON.stringify({ join: "and", groups: [{ join: "and", rules: [{ kind: "emails", event: "bounced", template: "", since: "" }] }] })), null);
});
