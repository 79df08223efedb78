import assert from "node:assert/strict";
import { test } from "node:test";
import { detailsBeyond, mergeFieldProblems, refusedByApi } from "../src/lib/mergeFields";

const properties = [
  { key: "size", label: "規模", type: "number" as const, options: null, archived: false },
  { key: "old", label: "旧", type: "text" as const, options: null, archived: true },
];

test("the contract's merge fields pass: any contact field, live properties, the sender, spaces inside the braces", () => {
  const text = "{{contact.family_name}}様 {{ contact.display_name }} {{contact.score}} {{contact.last_contacted_at}} "
    + "{{contact.properties.size}} {{sender.name}} <{{sender.email}}>";
  assert.deepEqual(mergeFieldProblems(text, properties), []);
});

test("unknown fields, undefined and archived properties are named once each, as the API refuses them", () => {
  const text = "{{contact.nmae}} {{contact.nmae}} {{contact.properties.budget}} {{contact.properties.old}} "
    + "{{sender.phone}} {{company.name}} {{contact.properties}} {{contact.properties.size.x}} {{}}";
  assert.deepEqual(mergeFieldProblems(text, properties), [
    { kind: "unknown_merge_field", token: "{{contact.nmae}}" },
    { kind: "undefined_property", token: "{{contact.properties.budget}}" },
    { kind: "archived_merge_field", token: "{{contact.properties.old}}" },
    { kind: "unknown_merge_field", token: "{{sender.phone}}" },
    { kind: "unknown_merge_field", token: "{{company.name}}" },
    { kind: "unknown_merge_field", token: "{{contact.properties}}" },
    { kind: "unknown_merge_field", token: "{{contact.properties.size.x}}" },
    { kind: "unknown_merge_field", token: "{{}}" },
  ]);
});

test("an unclosed {{ is a warning the API does not refuse (it sends it as written)", () => {
  const problems = mergeFieldProblems("{{contact.email}} 様 {{contact.family_name 御中", properties);
  assert.deepEqual(problems, [{ kind: "unclosed", token: "{{contact.family_name" }]);
  assert.equal(refusedByApi(problems), false);
  assert.equal(refusedByApi(mergeFieldProblems("{{contact.nmae}} {{x", properties)), true);
  assert.deepEqual(mergeFieldProblems("{{contact.{{contact.email}}", properties), [{ kind: "unclosed", token: "{{contact." }]);
});

test("plain text and single braces are no merge fields", () => {
  assert.deepEqual(mergeFieldProblems("ご提案 {json} }} {x}", properties), []);
  assert.deepEqual(mergeFieldProblems("", []), []);
});

test("the API's merge-field refusals the live check already says are left out; others stay", () => {
  const unknown = { field: "body_text", code: "unknown_merge_field", message: "{{contact.nmae}} is not a merge field" };
  const empty = { field: "body_text", code: "empty_merge_field", message: "{{contact.given_name}} has no value" };
  const tooLong = { field: "body_text", code: "invalid", message: "is too long" };
  const live = mergeFieldProblems("{{contact.nmae}}", properties);
  assert.deepEqual(detailsBeyond([unknown, empty, tooLong], live), [empty, tooLong]);
  // the live check saw nothing wrong (a property archived since): the API's word stands
  assert.deepEqual(detailsBeyond([unknown, tooLong], mergeFieldProblems("{{contact.properties.size}}", properties)), [unknown, tooLong]);
});
