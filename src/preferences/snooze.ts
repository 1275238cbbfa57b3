import { z } from 'zod';
import { validationError, zodProblems } from '../validation.js';

/** A person's snooze-all: epoch ms it lasts until, or null when not snoozed. */
export type SnoozeUntil = number | null;

/** True while a snooze holds at `now`; an expired snooze stops applying without anyone clearing it. */
export function isSnoozed(until: SnoozeUntil, now: number): boolean {
  return until !== null && now < until;
}

/** The snooze still in force at `now`, or null: what a settings page shows. */
export function activeSnooze(until: SnoozeUntil, now: number): SnoozeUntil {
  return isSnoozed(until, now) ? until : null;
}

// A year bounds typos such as 2062 for 2026; a longer silence is what `never` settings are for.
const MAX_SNOOZE_MS = 366 * 24 * 3_600_000;

/** The body that sets or clears a snooze: `until` is an ISO 8601 time with offset, or null to clear. */
export const snoozeInputSchema = z.object({
  until: z.iso.datetime({ offset: true }).nullable(),
});

/** Validates a snooze request at `now`; a time in the past or more than a year ahead is refused. */
export function parseSnooze(input: unknown, now: number): SnoozeUntil {
  const result = snoozeInputSchema.safeParse(input);
  if (!result.success) throw validationError(zodProblems(result.error));
  if (result.data.until === null) return null;
  const until = Date.parse(result.data.until);
  if (until <= now) throw validationError([{ path: 'until', message: 'Must be in the future' }]);
  if (until - now > MAX_SNOOZE_MS) {
    throw validationError([{ path: 'until', message: 'Must be at most a year ahead' }]);
  }
  return until;
}
