/** Times the contact page turns into the API's UTC timestamps: a scheduled send (a
 * `datetime-local` value read in the user's time zone) and the timeline's date range. Pure: the
 * zone is a parameter, so the unit tests pin it. */

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The wall-clock time of the instant EPOCH_MS in ZONE. */
function wallOf(epochMs: number, zone: string): Wall {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(epochMs));
  const part = (type: string) => Number(parts.find((item) => item.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day"), hour: part("hour"), minute: part("minute") };
}

function wallAsUtc(wall: Wall): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
}

/** The instant (ms) at which ZONE's clocks read WALL. A time a DST jump skips is read with the
 * offset from before the jump (an hour later on the clock), as browsers do. */
function instantOf(wall: Wall, zone: string): number {
  const target = wallAsUtc(wall);
  let guess = target;
  for (let step = 0; step < 3; step += 1) {
    const offset = wallAsUtc(wallOf(guess, zone)) - guess;
    const next = target - offset;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A `datetime-local` value ("2026-12-08T09:00") read in ZONE, as the API's UTC ISO timestamp;
 * null when it is not one. */
export function localDateTimeToUtc(value: string, zone: string): string | null {
  const match = LOCAL_DATE_TIME.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  return iso(instantOf({ year, month, day, hour, minute }, zone));
}

const pad = (value: number) => String(value).padStart(2, "0");

/** An instant as a `datetime-local` value in ZONE ("2026-12-08T09:00"). */
export function utcToLocalDateTime(instant: string | number | Date, zone: string): string {
  const wall = wallOf(new Date(instant).getTime(), zone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** The default time of a scheduled send: tomorrow at 09:00 on ZONE's clocks. */
export function tomorrowAtNine(now: Date, zone: string): string {
  const today = wallOf(now.getTime(), zone);
  const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  return `${tomorrow.getUTCFullYear()}-${pad(tomorrow.getUTCMonth() + 1)}-${pad(tomorrow.getUTCDate())}T09:00`;
}

function dayStart(value: string, zone: string, plusDays = 0): string | null {
  const match = LOCAL_DATE.exec(value.trim());
  if (!match) return null;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day + plusDays));
  return iso(instantOf({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: 0, minute: 0 }, zone));
}

/** The timeline's `from`/`to` for a range of whole days in ZONE ("2026-12-01" to "2026-12-07"
 * includes all of the 7th); an empty or malformed end is left out. */
export function dayRange(from: string, to: string, zone: string): { from?: string; to?: string } {
  const start = from ? dayStart(from, zone) : null;
  const end = to ? dayStart(to, zone, 1) : null;
  return { ...(start ? { from: start } : {}), ...(end ? { to: iso(new Date(end).getTime() - 1) } : {}) };
}
