import assert from "node:assert/strict";
import { test } from "node:test";
import type { Activity } from "../src/api/types";
import { activityText, actorName, isCustom, typeLabel } from "../src/screens/contact/activityText";
import { propertyValue, withTag } from "../src/screens/contact/values";

function entry(type: string, data: Record<string, unknown>, actor: Activity["actor"] = { kind: "user", id: "u1" }): Activity {
  return { id: "a1", type: type as Activity["type"], occurred_at: "2026-12-07T00:00:00.000Z", actor, summary: `summary of ${type}`, data };
}

test("each type reads in the user's language; a tenant's own type as itself", () => {
  assert.equal(typeLabel("email_sent", "ja"), "メール送信");
  assert.equal(typeLabel("memo", "ja"), "メモ");
  assert.equal(typeLabel("page_view", "en"), "Page view");
  assert.equal(typeLabel("webinar_joined", "ja"), "webinar_joined");
  assert.equal(typeLabel("group_joined", "ja"), "会員グループ参加");
  assert.equal(typeLabel("member_password_reset", "en"), "Member password reset");
});

test("an entry's text comes from its data, untrusted text kept as it was written", () => {
  const memo = entry("memo", { subject: null, body: "<img src=x onerror=alert(1)>" });
  assert.deepEqual(activityText(memo, "ja"), { title: "", body: "<img src=x onerror=alert(1)>" });
  assert.deepEqual(activityText(entry("email_sent", { subject: "山田様 ご提案" }), "ja"), { title: "山田様 ご提案", body: "" });
  assert.deepEqual(activityText(entry("page_view", { title: "料金", url: "https://example.jp/price" }), "ja"),
    { title: "料金", body: "https://example.jp/price" });
  assert.deepEqual(activityText(entry("call", { direction: "outbound", outcome: "no_answer", duration_seconds: 185, body: "折り返し待ち" }), "ja"),
    { title: "発信: 不在 (3:05)", body: "折り返し待ち" });
  assert.equal(activityText(entry("status_changed", { from: "new", to: "won" }), "ja").title, "新規 → 受注");
  assert.equal(activityText(entry("owner_assigned", { owner_id: "u2" }), "en", { u2: "Hanako" }).title, "Owner: Hanako");
  assert.equal(activityText(entry("email_opened", { subject: "Hi", machine: true }), "en").title, "Hi (automated)");
  assert.equal(activityText(entry("webinar_joined", {}), "ja").title, "summary of webinar_joined");
  assert.equal(activityText(entry("group_joined", { group_id: "g1", group_name: "オンラインサロン" }), "ja").title, "オンラインサロン");
  assert.equal(activityText(entry("member_login_invited", { status: "invited" }), "en").title, "");
});

test("the actor is the member's name, the contact, or the system", () => {
  assert.equal(actorName(entry("memo", {}, { kind: "user", id: "u1", name: "佐藤" }), {}, "山田", "システム"), "佐藤");
  assert.equal(actorName(entry("memo", {}, { kind: "user", id: "u1" }), { u1: "鈴木" }, "山田", "システム"), "鈴木");
  assert.equal(actorName(entry("page_view", {}, { kind: "contact", id: null }), {}, "山田", "システム"), "山田");
  assert.equal(actorName(entry("email_bounced", {}, { kind: "system", id: null }), {}, "山田", "システム"), "システム");
});

test("only the five custom types are a person's to edit", () => {
  assert.deepEqual(["memo", "call", "meeting", "custom_email", "other", "email_sent", "page_view"].map((type) => isCustom({ type: type as Activity["type"] })),
    [true, true, true, true, true, false, false]);
});

test("a property's input becomes a value of its type; empty clears it", () => {
  assert.equal(propertyValue({ type: "number" }, "1,200"), 1200);
  assert.equal(propertyValue({ type: "number" }, "abc"), "abc");
  assert.equal(propertyValue({ type: "text" }, "  "), null);
  assert.equal(propertyValue({ type: "boolean" }, true), true);
  assert.equal(propertyValue({ type: "date" }, "2026-12-08"), "2026-12-08");
  assert.deepEqual(withTag(["a"], " b "), ["a", "b"]);
  assert.deepEqual(withTag(["a"], "a"), ["a"]);
});
