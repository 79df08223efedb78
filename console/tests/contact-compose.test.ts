import assert from "node:assert/strict";
import { test } from "node:test";
import { emailRequest, EMPTY_FORM, formFieldOf } from "../src/screens/contact/composeRequest";
import { addressList, insertAt, mergeFields } from "../src/lib/mergeFields";

test("a merge field goes in at the cursor, replacing the selection, and the cursor follows it", () => {
  assert.deepEqual(insertAt("様 ご提案", 0, 0, "{{contact.family_name}}"), { text: "{{contact.family_name}}様 ご提案", caret: 23 });
  assert.deepEqual(insertAt("abcdef", 2, 4, "X"), { text: "abXef", caret: 3 });
  assert.deepEqual(insertAt("abc", null, null, "X"), { text: "abcX", caret: 4 });
  assert.deepEqual(insertAt("abc", 10, 12, "X"), { text: "abcX", caret: 4 });
});

test("the picker offers the contract's merge fields: contact fields, live properties, the sender", () => {
  const tokens = mergeFields([
    { key: "size", label: "規模", type: "number", options: null, archived: false },
    { key: "old", label: "旧", type: "text", options: null, archived: true },
  ]).map((field) => field.token);
  assert.equal(tokens[0], "{{contact.family_name}}");
  assert.ok(tokens.includes("{{contact.company}}"));
  assert.ok(tokens.includes("{{contact.properties.size}}"));
  assert.ok(!tokens.includes("{{contact.properties.old}}"));
  assert.deepEqual(tokens.slice(-2), ["{{sender.name}}", "{{sender.email}}"]);
});

test("the request is a text email to the contact, with Cc/Bcc lists, tracking and notifications", () => {
  const form = { ...EMPTY_FORM, cc: "a@example.jp, b@example.jp", bcc: "", subject: "件名", body: "本文", trackClicks: false, notifyOnOpen: true };
  assert.deepEqual(emailRequest(form, "c1"), {
    contact_id: "c1", transport: "ses", cc: ["a@example.jp", "b@example.jp"], bcc: [], subject: "件名", body_text: "本文",
    track_opens: true, track_clicks: false, notify_on_open: true, notify_on_click: false,
  });
  const scheduled = emailRequest({ ...form, templateId: "t1" }, "c1", "2026-12-08T00:00:00.000Z");
  assert.equal(scheduled.send_at, "2026-12-08T00:00:00.000Z");
  assert.equal(scheduled.template_id, "t1");
  assert.equal("body_html" in scheduled, false);
});

test("addresses are split on commas, spaces and lines; the API's details find their field", () => {
  assert.deepEqual(addressList(" a@x.jp,b@y.jp\nc@z.jp ; d@w.jp、e@v.jp "), ["a@x.jp", "b@y.jp", "c@z.jp", "d@w.jp", "e@v.jp"]);
  assert.deepEqual(addressList("  "), []);
  assert.equal(formFieldOf("cc[1]"), "cc");
  assert.equal(formFieldOf("body_text"), "body");
  assert.equal(formFieldOf("send_at"), "sendAt");
  assert.equal(formFieldOf("contact_id"), null);
});
