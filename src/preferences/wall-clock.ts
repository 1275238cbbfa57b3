// Wall-clock arithmetic in IANA zones on Node's ICU, without a date library. A wall-clock time is kept as
// "naive" epoch ms: the instant at which a UTC clock would show the same date and time, so plain
// arithmetic (add a day, compare) works on it and the zone only matters when converting.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when Node's ICU knows `timeZone` as an IANA zone (or alias such as `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time (naive ms) that `epochMs` shows in `timeZone`. */
export function toWallClock(epochMs: number, timeZone: string): number {
  const fields: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const millis = ((epochMs % 1000) + 1000) % 1000;
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** Day of the week of a naive wall-clock time, Monday 0 … Sunday 6. */
export function weekdayIndex(wall: number): number {
  return (new Date(wall).getUTCDay() + 6) % 7;
}

/** Midnight of the wall-clock day that contains `wall`. */
export function startOfWallDay(wall: number): number {
  return Math.floor(wall / DAY) * DAY;
}

/**
 * The first instant after `after` at which the wall clock in `timeZone` reaches `wall`. Where the clocks
 * spring forward past `wall` it is the instant of the jump; where they fall back and show `wall` twice
 * it is the next showing after `after`, so the answer always lies ahead.
 */
export function nextWallClockInstant(wall: number, timeZone: string, after: number): number {
  // Offsets a day either side cover any transition near `wall` (zones change offset at most once a day).
  const offsets = [...new Set([wall - DAY, wall, wall + DAY].map((t) => toWallClock(t, timeZone) - t))];
  const exact = offsets
    .map((offset) => wall - offset)
    .filter((t) => t > after && toWallClock(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  // In a gap: search the span the candidate offsets bracket for the first instant at or past `wall`.
  let lo = Math.max(after, wall - Math.max(...offsets));
  let hi = Math.max(lo, wall - Math.min(...offsets));
  if (toWallClock(hi, timeZone) < wall) hi += DAY;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (toWallClock(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
