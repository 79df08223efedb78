import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnyJob, PropertyDefinition } from "../src/api/types";
import { exportQuery, selectionOfQuery } from "../src/lib/exportSelection";
import { mergeFirstPage } from "../src/lib/jobs";
import { moveItem } from "../src/lib/order";
import {
  CONTACT_FIELDS, downloadable, exportBody, initialFields, nextExportAt, passwordProblem,
} from "../src/screens/exports/exportForm";
import { detailHref, jobCounts, kindOf } from "../src/screens/jobs/jobText";

const property = (key: string, label: string, archived = false): PropertyDefinition =>
  ({ key, label, type: "text", options: null, archived });

test("a selection goes to /exports and comes back from its query: segment, filter, ids kept aside, or none", () => {
  const filter = { field: "status", op: "eq", value: "won" };
  for (const selection of [{ segment_id: "seg 1" }, { filter }]) {
    const query = Object.fromEntries(new URLSearchParams(exportQuery(selection).slice(1)));
    assert.deepEqual(selectionOfQuery(query, null), selection);
  }
  assert.equal(exportQuery({ ids: ["a", "b"] }), "?selected");
  assert.deepEqual(selectionOfQuery({ selected: "" }, ["a", "b"]), { ids: ["a", "b"] });
  assert.equal(selectionOfQuery({ selected: "" }, null), null);
  assert.equal(selectionOfQuery({ filter: "{not json" }, null), null);
  assert.equal(selectionOfQuery({ filter: "[1]" }, null), null);
  assert.equal(exportQuery({ all: true }), "");
});

test("the fields on offer: the list's columns first and chosen (name as display_name), then the rest, then live properties", () => {
  const { order, chosen } = initialFields(["name", "email", "properties.size", "nonsense"], [property("size", "規模"), property("old", "旧", true)]);
  assert.deepEqual(chosen, ["display_name", "email", "properties.size"]);
  assert.deepEqual(order.slice(0, 3), chosen);
  assert.equal(order.length, CONTACT_FIELDS.length + 1);
  assert.ok(!order.includes("properties.old"));
  assert.equal(new Set(order).size, order.length);
});

test("the password rule is the API's: none, or 6 to 128 ASCII characters with letters and digits", () => {
  assert.equal(passwordProblem(""), null);
  assert.equal(passwordProblem("abc12"), "short");
  assert.equal(passwordProblem("abcdefg"), "mix");
  assert.equal(passwordProblem("1234567"), "mix");
  assert.equal(passwordProblem("abc 123"), "ascii");
  assert.equal(passwordProblem("ａｂｃ１２３"), "ascii");
  assert.equal(passwordProblem("a1".repeat(65)), "long");
  assert.equal(passwordProblem("Secret7"), null);
});

test("the next export is 30 minutes after the user's own latest one, and none once that has passed", () => {
  const jobs = [
    { type: "export", created_by: "me", created_at: "2026-12-07T06:00:00Z" },
    { type: "export", created_by: "me", created_at: "2026-12-07T06:12:00Z" },
    { type: "export", created_by: "someone", created_at: "2026-12-07T06:20:00Z" },
    { type: "bulk_action", created_by: "me", created_at: "2026-12-07T06:25:00Z" },
  ];
  assert.equal(nextExportAt(jobs, "me", new Date("2026-12-07T06:30:00Z"))?.toISOString(), "2026-12-07T06:42:00.000Z");
  assert.equal(nextExportAt(jobs, "me", new Date("2026-12-07T06:42:00Z")), null);
  assert.equal(nextExportAt(jobs, "nobody", new Date("2026-12-07T06:30:00Z")), null);
});

test("the request: the chosen fields in their order, the trimmed reason, no password when none is typed", () => {
  const choices = {
    selection: { segment_id: "s" }, order: ["email", "family_name", "company"], chosen: new Set(["company", "email"]),
    format: "xlsx" as const, encoding: "cp932" as const, headers: "labels" as const, password: "", reason: "  展示会  ",
  };
  assert.deepEqual(exportBody(choices), {
    selection: { segment_id: "s" }, fields: ["email", "company"], format: "xlsx", encoding: "cp932", headers: "labels",
    password: null, reason: "展示会",
  });
  assert.equal(exportBody({ ...choices, password: "Secret7" }).password, "Secret7");
});

test("a file is downloadable until it expires", () => {
  const now = new Date("2026-12-07T06:00:00Z");
  assert.equal(downloadable("2026-12-07T06:00:01Z", now), true);
  assert.equal(downloadable("2026-12-07T06:00:00Z", now), false);
  assert.equal(downloadable(null, now), false);
});

test("items move by steps; the pinned ones neither move nor are passed", () => {
  assert.deepEqual(moveItem(["a", "b", "c"], 2, -1), ["a", "c", "b"]);
  assert.deepEqual(moveItem(["a", "b", "c"], 0, -1), ["a", "b", "c"]);
  assert.deepEqual(moveItem(["a", "b", "c"], 1, -1, 1), ["a", "b", "c"]);
  assert.deepEqual(moveItem(["a", "b", "c"], 2, 1), ["a", "b", "c"]);
});

test("the first page asked again replaces its jobs and keeps the older pages' others", () => {
  const job = (id: string, status = "running") => ({ id, status });
  assert.deepEqual(mergeFirstPage([job("c"), job("b", "succeeded")], [job("b"), job("a")]),
    [job("c"), job("b", "succeeded"), job("a")]);
});

test("each kind of job: its counts and its page", () => {
  const bulk = { id: "1", type: "bulk_action", status: "succeeded", counts: { ok: 3, not_found: 1, forbidden: 0 } } as unknown as AnyJob;
  const imported = { id: "2", type: "import", status: "running", created: 2, updated: 1, skipped: 0, failed: 4 } as unknown as AnyJob;
  const exported = { id: "3", type: "export", status: "running", row_count: null, rows_written: 5000 } as unknown as AnyJob;
  assert.equal(kindOf(bulk), "bulk_action");
  assert.deepEqual(jobCounts(bulk), [["ok", 3], ["not_found", 1], ["forbidden", 0]]);
  assert.deepEqual(jobCounts(imported), [["created", 2], ["updated", 1], ["skipped", 0], ["failedRows", 4]]);
  assert.deepEqual(jobCounts(exported), [["rows", 5000]]);
  assert.equal(detailHref(bulk), null);
  assert.equal(detailHref(imported), "/imports/2");
  assert.equal(detailHref(exported), "/exports/3");
});
