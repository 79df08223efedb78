import assert from "node:assert/strict";
import { test } from "node:test";
import { pageTitle } from "../src/ui/title";

test("the page title carries the unread notifications count when there are any", () => {
  assert.equal(pageTitle("連絡先", 3), "(3) 連絡先 | CRM");
  assert.equal(pageTitle("連絡先", 0), "連絡先 | CRM");
  assert.equal(pageTitle("", 12), "(12) CRM");
  assert.equal(pageTitle("", 0), "CRM");
});
