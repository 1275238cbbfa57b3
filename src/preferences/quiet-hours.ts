import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { validationError, zodProblems } from '../validation.js';
import {
  isValidTimeZone,
  nextWallClockInstant,
  startOfWallDay,
  toWallClock,
  weekdayIndex,
} from './wall-clock.js';

/** Days of the week as a window names them, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** One of {@link WEEKDAYS}. */
export type Weekday = (typeof WEEKDAYS)[number];

/** True when `value` names a day of the week. */
export function isWeekday(value: unknown): value is Weekday {
  return typeof value === 'string' && (WEEKDAYS as readonly string[]).includes(value);
}

/**
 * A weekly quiet period in the person's wall-clock time. `days` are the days it starts on; an `end` at
 * or before `start` ends the next day (22:00–07:00), and `24:00` ends at midnight.
 */
export interface QuietWindow {
  readonly days: readonly Weekday[];
  readonly start: string;
  readonly end: string;
}

/** A person's quiet hours: windows read in their IANA time zone. */
export interface QuietHours {
  readonly timeZone: string;
  readonly windows: readonly QuietWindow[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** An IANA time zone that Node's ICU knows. */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { error: 'Unknown time zone (expected an IANA name such as Europe/Berlin)' });

const clockTime = /^([01]\d|2[0-3]):[0-5]\d$/;

/** One window; `start` is HH:MM (00:00–23:59), `end` is HH:MM or 24:00 (00:00–24:00 is a whole day). */
export const quietWindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: 'Expected a weekday: mon, tue, wed, thu, fri, sat or sun' }))
      .min(1, { error: 'Choose at least one day' })
      .max(7)
      .refine((days) => new Set(days).size === days.length, { error: 'Each day may appear once' }),
    start: z.string().regex(clockTime, { error: 'Expected HH:MM between 00:00 and 23:59' }),
    end: z
      .string()
      .refine((v) => clockTime.test(v) || v === '24:00', { error: 'Expected HH:MM between 00:00 and 24:00' }),
  })
  .refine((w) => w.start !== w.end, {
    error: 'A window must not end when it starts',
    path: ['end'],
  });

/** A person's window list; a few windows cover every real schedule and keep evaluation cheap. */
export const quietWindowsSchema = z.array(quietWindowSchema).max(14);

/** Quiet hours as the API accepts them. */
export const quietHoursSchema = z.object({ timeZone: timeZoneSchema, windows: quietWindowsSchema });

/** Validates quiet hours; throws a ValidationError naming every bad field (`windows.1.end`). */
export function parseQuietHours(input: unknown): QuietHours {
  const result = quietHoursSchema.safeParse(input);
  if (!result.success) throw validationError(zodProblems(result.error));
  return result.data;
}

// Windows that chain into each other are followed for at most a week, so a schedule quiet around the
// clock yields a time a week ahead (when the message is decided again) instead of looping forever.
const MAX_STRETCH = 7 * DAY;

/**
 * When the quiet period holding `now` ends (epoch ms), or null when `now` is outside every window.
 * Windows are wall-clock times: a 22:00–07:00 window ends at 07:00 local on the nights the clocks
 * change too. Windows that overlap or touch are followed to the end of the whole stretch (a week at
 * most). An unknown zone is a ValidationError naming `timeZone`.
 */
export function quietUntil(windows: readonly QuietWindow[], timeZone: string, now: number): number | null {
  if (windows.length === 0) return null;
  if (!isValidTimeZone(timeZone)) throw ValidationError.field('timeZone', 'Unknown time zone');
  let until: number | null = null;
  let probe = now;
  // Each step passes the end of one occurrence at least; fewer than 9 of each window end in the span.
  const maxSteps = windows.length * 9 + 1;
  for (let step = 0; step < maxSteps && probe - now < MAX_STRETCH; step++) {
    const wall = toWallClock(probe, timeZone);
    const endWall = latestEndContaining(windows, wall);
    if (endWall === null) break;
    const end = nextWallClockInstant(endWall, timeZone, probe);
    if (end <= probe) break;
    until = end;
    probe = end;
  }
  return until;
}

/** True when a non-critical message must wait at `now`. */
export function isQuiet(windows: readonly QuietWindow[], timeZone: string, now: number): boolean {
  return quietUntil(windows, timeZone, now) !== null;
}

/** The latest wall-clock end among the window occurrences that contain `wall`, or null. */
function latestEndContaining(windows: readonly QuietWindow[], wall: number): number | null {
  const today = startOfWallDay(wall);
  let latest: number | null = null;
  // An occurrence lasts at most a day, so only those starting yesterday or today can hold `wall`.
  for (const dayStart of [today - DAY, today]) {
    const weekday = WEEKDAYS[weekdayIndex(dayStart)]!;
    for (const window of windows) {
      if (!window.days.includes(weekday)) continue;
      const start = minutesOf(window.start);
      const end = minutesOf(window.end);
      const startWall = dayStart + start * MINUTE;
      const endWall = dayStart + (end > start ? 0 : DAY) + end * MINUTE;
      if (startWall <= wall && wall < endWall && (latest === null || endWall > latest)) latest = endWall;
    }
  }
  return latest;
}

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}
