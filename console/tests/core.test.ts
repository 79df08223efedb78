import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeClaims, tokenExpiry } from "../src/auth/cognito";
import { needsRefresh, REFRESH_MARGIN_MS } from "../src/auth/session";
import { defineMessages, format, formatDateTime, formatNumber, translate } from "../src/i18n";
import { canChangeMember, canDeleteContacts, canManageGroups, canEditActivity, canExport, rolesGrantable } from "../src/lib/roles";

function jwt(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "RS256" })}.${encode(claims)}.signature`;
}

test("a token's claims and expiry are read from its payload, Japanese names included", () => {
  const token = jwt({ exp: 1_800_000_000, name: "山田 太郎" });
  assert.equal(tokenExpiry(token), 1_800_000_000_000);
  assert.equal(decodeClaims(token).name, "山田 太郎");
  assert.equal(tokenExpiry("not-a-jwt"), 0);
});

test("the session refreshes within five minutes of expiry, not before", () => {
  const now = 1_000_000;
  assert.equal(needsRefresh(now + REFRESH_MARGIN_MS + 1, now), false);
  assert.equal(needsRefresh(now + REFRESH_MARGIN_MS, now), true);
  assert.equal(needsRefresh(now - 1, now), true);
});

test("messages fill their parameters, numbers with the language's separators", () => {
  const messages = defineMessages({ count: "{count} 件" }, { count: "{count} contacts" });
  assert.equal(translate(messages, "count", { count: 20000 }, "ja"), "20,000 件");
  assert.equal(translate(messages, "count", { count: 1 }, "en"), "1 contacts");
  assert.equal(format("{missing} stays", {}), "{missing} stays");
  assert.equal(formatNumber(1234567, "ja"), "1,234,567");
});

test("times are shown in the user's time zone", () => {
  assert.equal(formatDateTime("2026-12-07T15:30:00Z", "ja", "Asia/Tokyo"), "2026/12/08 00:30");
  assert.equal(formatDateTime("2026-12-07T15:30:00Z", "en", "UTC"), "12/07/2026, 15:30");
  assert.equal(formatDateTime(null, "ja", "Asia/Tokyo"), "");
});

test("the permission matrix decides what the console offers", () => {
  assert.equal(canDeleteContacts("user"), false);
  assert.equal(canDeleteContacts("manager"), true);
  assert.deepEqual((["owner", "admin", "manager", "user"] as const).filter(canManageGroups), ["owner", "admin", "manager"]);
  assert.equal(canChangeMember("admin", "owner"), false);
  assert.equal(canChangeMember("owner", "owner"), true);
  assert.equal(canChangeMember("manager", "user"), false);
  assert.deepEqual(rolesGrantable("admin"), ["admin", "manager", "user"]);
  assert.equal(canExport("manager", null), false);
  assert.equal(canExport("manager", { export_roles: ["owner", "manager"] }), true);
  assert.equal(canEditActivity("user", "someone-else", "me"), false);
  assert.equal(canEditActivity("user", "me", "me"), true);
  assert.equal(canEditActivity("manager", "someone-else", "me"), true);
});
