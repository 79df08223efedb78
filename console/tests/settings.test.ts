import assert from "node:assert/strict";
import { test } from "node:test";
import type { PropertyDefinition } from "../src/api/types";
import { canDeleteTags } from "../src/lib/roles";
import {
  addColumn, availableColumns, columnLabel, CONTACT_COLUMNS, DEFAULT_LIST_COLUMNS, moveColumn, normalizeColumns, removeColumn,
} from "../src/screens/settings/columns";
import { byJoined, memberActions } from "../src/screens/settings/memberRules";
import { parseAll, parseWhole } from "../src/screens/settings/numbers";
import { parseOptions, splitArchived } from "../src/screens/settings/propertyRules";
import { isSection, sectionsFor } from "../src/screens/settings/sections";
import { originLines, originMessages } from "../src/screens/settings/siteKeyRules";
import { usageShare } from "../src/screens/settings/usageRules";

const property = (key: string, label: string, archived = false): PropertyDefinition =>
  ({ key, label, type: "text", options: null, archived });

test("owners and admins get every section; managers and users members, tags, their mailbox and the usage", () => {
  assert.deepEqual(sectionsFor("owner"), [
    "members", "list", "permissions", "scoring", "properties", "tags", "mailbox", "site-keys", "api-keys", "usage",
  ]);
  assert.deepEqual(sectionsFor("admin"), sectionsFor("owner"));
  assert.deepEqual(sectionsFor("manager"), ["members", "tags", "mailbox", "usage"]);
  assert.deepEqual(sectionsFor("user"), ["members", "tags", "mailbox", "usage"]);
  assert.equal(isSection("scoring"), true);
  assert.equal(isSection("billing"), false);
  assert.equal(isSection(undefined), false);
});

test("the name column stays first: it cannot move, be passed, or be removed", () => {
  const columns = ["name", "company", "email", "phone"];
  assert.deepEqual(moveColumn(columns, 1, -1), columns);
  assert.deepEqual(moveColumn(columns, 0, 1), columns);
  assert.deepEqual(moveColumn(columns, 2, -1), ["name", "email", "company", "phone"]);
  assert.deepEqual(moveColumn(columns, 1, 1), ["name", "email", "company", "phone"]);
  assert.deepEqual(moveColumn(columns, 3, 1), columns);
  assert.deepEqual(removeColumn(columns, "name"), columns);
  assert.deepEqual(removeColumn(columns, "email"), ["name", "company", "phone"]);
  assert.deepEqual(normalizeColumns(["email", "name", "email", "score"]), ["name", "email", "score"]);
  assert.deepEqual(addColumn(["name", "email"], "email"), ["name", "email"]);
  assert.deepEqual(addColumn(["name", "email"], "properties.industry"), ["name", "email", "properties.industry"]);
});

test("columns to add: contact fields then the properties not archived, less those shown", () => {
  const properties = [property("industry", "業種"), property("old", "旧項目", true)];
  const available = availableColumns(DEFAULT_LIST_COLUMNS, properties);
  assert.equal(available.includes("email"), false);
  assert.equal(available.includes("display_name"), false);
  assert.equal(available.includes("score"), true);
  assert.equal(available.at(-1), "properties.industry");
  assert.equal(available.includes("properties.old"), false);
  assert.equal(available.length, CONTACT_COLUMNS.length - (DEFAULT_LIST_COLUMNS.length - 1) + 1);
});

test("column labels: the name's, a field's, a property's, in both languages", () => {
  const properties = [property("industry", "業種")];
  assert.equal(columnLabel("name", "ja", properties), "名前");
  assert.equal(columnLabel("name", "en", properties), "Name");
  assert.equal(columnLabel("last_contacted_at", "ja", properties), "直近連絡日時");
  assert.equal(columnLabel("properties.industry", "en", properties), "業種");
  assert.equal(columnLabel("properties.gone", "ja", properties), "gone");
});

test("number fields take whole numbers, full-width digits included, and name those that are not", () => {
  assert.equal(parseWhole("30"), 30);
  assert.equal(parseWhole(" -5 "), -5);
  assert.equal(parseWhole("１２"), 12);
  assert.equal(parseWhole("－３"), -3);
  assert.equal(parseWhole("\u22124"), -4);
  assert.equal(parseWhole("1.5"), null);
  assert.equal(parseWhole(""), null);
  assert.equal(parseWhole("1e3"), null);
  assert.deepEqual(parseAll({ hot: "30", active: "x" }), { values: { hot: 30 }, invalid: ["active"] });
});

test("select options are one a line, trimmed, without blanks or repeats", () => {
  assert.deepEqual(parseOptions(" 製造 \r\n小売\n\n製造\n"), ["製造", "小売"]);
  assert.deepEqual(parseOptions(""), []);
  const { active, archived } = splitArchived([property("a", "A"), property("b", "B", true)]);
  assert.deepEqual([active.map((each) => each.key), archived.map((each) => each.key)], [["a"], ["b"]]);
});

test("who may do what to a member: only an owner touches an owner; nobody disables or removes themselves", () => {
  assert.deepEqual(memberActions("admin", "me", { id: "o", role: "owner" }), { changeRole: false, disable: false, remove: false });
  assert.deepEqual(memberActions("owner", "me", { id: "o", role: "owner" }), { changeRole: true, disable: true, remove: true });
  assert.deepEqual(memberActions("owner", "me", { id: "me", role: "owner" }), { changeRole: true, disable: false, remove: false });
  assert.deepEqual(memberActions("admin", "me", { id: "u", role: "user" }), { changeRole: true, disable: true, remove: true });
  assert.deepEqual(memberActions("manager", "me", { id: "u", role: "user" }), { changeRole: false, disable: false, remove: false });
  const members = [
    { email: "b@x.jp", created_at: "2026-12-07T02:00:00Z" },
    { email: "a@x.jp", created_at: "2026-12-07T02:00:00Z" },
    { email: "c@x.jp", created_at: "2026-12-06T00:00:00Z" },
  ];
  assert.deepEqual(byJoined(members).map((member) => member.email), ["c@x.jp", "a@x.jp", "b@x.jp"]);
});

test("deleting a tag is refused to a user who sees only their own contacts", () => {
  assert.equal(canDeleteTags("user", { owner_visibility_restricted: true }), false);
  assert.equal(canDeleteTags("user", { owner_visibility_restricted: false }), true);
  assert.equal(canDeleteTags("manager", { owner_visibility_restricted: true }), true);
  assert.equal(canDeleteTags("user", null), true);
});

test("allowed origins are one a line, blank lines dropped, each keeping the line it was typed on", () => {
  assert.deepEqual(originLines("https://www.example.jp\r\n\n  https://*.example.jp  \n"), [
    { origin: "https://www.example.jp", line: 1 },
    { origin: "https://*.example.jp", line: 3 },
  ]);
  assert.deepEqual(originLines(" \n"), []);
});

test("the API's refusal of allowed_origins[i] names the line the origin was typed on", () => {
  const sent = originLines("https://ok.example.jp\n\nhttps://*.co.jp\nftp://x");
  const messages = originMessages(
    [
      { field: "name", code: "invalid", message: "is required" },
      { field: "allowed_origins[1]", code: "invalid", message: "not a public suffix" },
      { field: "allowed_origins[2]", code: "invalid", message: "must be an origin" },
      { field: "allowed_origins[9]", code: "invalid", message: "beyond what was sent" },
    ],
    sent,
    (line, origin, message) => `${line}|${origin}|${message}`,
  );
  assert.deepEqual(messages, ["3|https://*.co.jp|not a public suffix", "4|ftp://x|must be an origin"]);
  assert.deepEqual(originMessages([{ field: "allowed_origins", code: "invalid", message: "1 to 20" }], [], () => "x"), ["1 to 20"]);
});

test("the usage meter warns from 90 % of the limit and is full at it; no limit, no meter", () => {
  assert.deepEqual(usageShare(10, 100), { share: 0.1, level: "ok" });
  assert.deepEqual(usageShare(90, 100), { share: 0.9, level: "near" });
  assert.deepEqual(usageShare(100, 100), { share: 1, level: "full" });
  assert.deepEqual(usageShare(120, 100), { share: 1, level: "full" });
  assert.equal(usageShare(5, null), null);
  assert.equal(usageShare(5, undefined), null);
});
