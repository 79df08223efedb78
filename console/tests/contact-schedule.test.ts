import assert from "node:assert/strict";
import { test } from "node:test";
import { dayRange, localDateTimeToUtc, tomorrowAtNine, utcToLocalDateTime } from "../src/screens/contact/schedule";

test("a scheduled time typed in JST (no daylight saving) is nine hours ahead of UTC", () => {
  assert.equal(localDateTimeToUtc("2026-12-08T09:00", "Asia/Tokyo"), "2026-12-08T00:00:00.000Z");
  assert.equal(localDateTimeToUtc("2026-07-01T09:00", "Asia/Tokyo"), "2026-07-01T00:00:00.000Z");
  assert.equal(localDateTimeToUtc("2027-01-01T08:30", "Asia/Tokyo"), "2026-12-31T23:30:00.000Z");
});

test("an explicit zone with daylight saving uses the offset of that date", () => {
  assert.equal(localDateTimeToUtc("2026-07-01T09:00", "America/New_York"), "2026-07-01T13:00:00.000Z");
  assert.equal(localDateTimeToUtc("2026-12-01T09:00", "America/New_York"), "2026-12-01T14:00:00.000Z");
  assert.equal(localDateTimeToUtc("2026-12-01T09:00", "UTC"), "2026-12-01T09:00:00.000Z");
  // 02:30 does not exist on 2026-03-08 in New York: read with the offset from before the jump
  assert.equal(localDateTimeToUtc("2026-03-08T02:30", "America/New_York"), "2026-03-08T07:30:00.000Z");
});

test("what is no datetime-local value is refused", () => {
  for (const value of ["", "2026-12-08", "tomorrow 9am", "2026-13-01T09:00", "2026-12-08T24:00"]) {
    assert.equal(localDateTimeToUtc(value, "Asia/Tokyo"), null, value);
  }
});

test("the default scheduled time is tomorrow 09:00 on the user's clock", () => {
  // 23:30 UTC on the 7th is already the 8th in Tokyo
  assert.equal(tomorrowAtNine(new Date("2026-12-07T23:30:00Z"), "Asia/Tokyo"), "2026-12-09T09:00");
  assert.equal(tomorrowAtNine(new Date("2026-12-07T23:30:00Z"), "UTC"), "2026-12-08T09:00");
  assert.equal(tomorrowAtNine(new Date("2026-12-31T03:00:00Z"), "Asia/Tokyo"), "2027-01-01T09:00");
  assert.equal(utcToLocalDateTime("2026-12-08T00:00:00Z", "Asia/Tokyo"), "2026-12-08T09:00");
});

test("a range of days in the user's zone covers the whole of both days", () => {
  assert.deepEqual(dayRange("2026-12-01", "2026-12-07", "Asia/Tokyo"), {
    from: "2026-11-30T15:00:00.000Z",
    to: "2026-12-07T14:59:59.999Z",
  });
  assert.deepEqual(dayRange("", "2026-12-07", "UTC"), { to: "2026-12-07T23:59:59.999Z" });
  assert.deepEqual(dayRange("2026-12-01", "", "UTC"), { from: "2026-12-01T00:00:00.000Z" });
  assert.deepEqual(dayRange("", "", "UTC"), {});
});
