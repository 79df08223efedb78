import assert from "node:assert/strict";
import { test } from "node:test";
import { actorKind, historyValueText } from "../src/screens/contact/historyText";

test("a history value reads as the profile shows the field: labels, names, lists, properties", () => {
  const names = { "user-1": "佐藤 次郎" };
  assert.equal(historyValueText("status", "won", "ja", names), "受注");
  assert.equal(historyValueText("status", "won", "en", names), "Won");
  assert.equal(historyValueText("owner_id", "user-1", "ja", names), "佐藤 次郎");
  assert.equal(historyValueText("owner_id", "gone-9", "ja", names), "gone-9");
  assert.equal(historyValueText("tags", ["展示会", "VIP"], "ja", names), "展示会, VIP");
  assert.equal(historyValueText("properties.size", 1200, "ja", names), "1,200");
  assert.equal(historyValueText("memo", null, "ja", names), "");
});

test("who made a change: a member by name, a former member, an import, an API key, the system", () => {
  assert.equal(actorKind({ actor: "user-1", actor_name: "佐藤 次郎" }), "member");
  assert.equal(actorKind({ actor: "user-2", actor_name: null }), "formerMember");
  assert.equal(actorKind({ actor: "import:01J", actor_name: null }), "import");
  assert.equal(actorKind({ actor: "api_key:k1", actor_name: null }), "apiKey");
  assert.equal(actorKind({ actor: "system", actor_name: null }), "system");
});
