import assert from "node:assert/strict";
import { test } from "node:test";
import { isActive, percent } from "../src/lib/jobs";
import { csvCell, errorRowsCsv, initialChoices, mappingOf, SKIP } from "../src/screens/imports/importRules";

test("the suggestions preselect each column; a column without one is left out of the mapping", () => {
  const choices = initialChoices(["姓", "メールアドレス", "備考欄"], { 姓: "family_name", メールアドレス: "email", 備考欄: null });
  assert.deepEqual(choices, { 姓: "family_name", メールアドレス: "email", 備考欄: SKIP });
  assert.deepEqual(mappingOf({ ...choices, タグ: "tags" }), { 姓: "family_name", メールアドレス: "email", タグ: "tags" });
});

test("a column the API did not answer for starts as 取り込まない", () => {
  assert.deepEqual(initialChoices(["会社名"], {}), { 会社名: SKIP });
});

test("the screen asks again while the job is queued or running only", () => {
  assert.deepEqual((["created", "queued", "running", "succeeded", "failed"] as const).map((status) => isActive({ status })),
    [false, true, true, false, false]);
});

test("progress is a whole percentage within 0 and 100", () => {
  assert.deepEqual([0, 0.256, 0.999, 1, 1.2, -0.1].map(percent), [0, 25, 99, 100, 100, 0]);
});

test("a cell is quoted only when it must be, its quotes doubled", () => {
  assert.equal(csvCell("山田"), "山田");
  assert.equal(csvCell(12), "12");
  assert.equal(csvCell(null), "");
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell("二行の\r\n備考"), '"二行の\r\n備考"');
  assert.equal(csvCell(" padded"), '" padded"');
});

test("a text Excel would run as a formula is kept as text", () => {
  assert.equal(csvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell(-5), "-5");
});

test("the failed rows are a CSV with a byte order mark, a header and CRLF lines", () => {
  const csv = errorRowsCsv([
    { row: 4, column: "メールアドレス", message: "email is not a valid email address" },
    { row: 6, column: null, message: 'Not imported: the plan allows 1,000 contacts' },
  ], ["行", "列", "エラー内容"]);
  assert.equal(csv,
    "\ufeff行,列,エラー内容\r\n4,メールアドレス,email is not a valid email address\r\n"
    + '6,,"Not imported: the plan allows 1,000 contacts"\r\n');
});
