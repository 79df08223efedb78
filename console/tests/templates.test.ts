import assert from "node:assert/strict";
import { test } from "node:test";
import { canEditTemplate } from "../src/lib/roles";
import { formatRate } from "../src/screens/templates/stats";

test("a template's rate is the share of its sent emails, one decimal at most, none before anything was sent", () => {
  assert.equal(formatRate(1, 2, "ja"), "50%");
  assert.equal(formatRate(1, 3, "ja"), "33.3%");
  assert.equal(formatRate(2, 3, "en"), "66.7%");
  assert.equal(formatRate(0, 1250, "ja"), "0%");
  assert.equal(formatRate(0, 0, "ja"), null);
});

test("a template is edited by its creator, an owner or an admin", () => {
  assert.equal(canEditTemplate("user", "u1", "u1"), true);
  assert.equal(canEditTemplate("manager", "u1", "u2"), false);
  assert.equal(canEditTemplate("user", "u1", "u2"), false);
  assert.equal(canEditTemplate("admin", "u1", "u2"), true);
  assert.equal(canEditTemplate("owner", "u1", "u2"), true);
});
