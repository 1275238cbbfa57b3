import { describe, expect, it } from 'vitest';
import { type DecisionInput, decideDelivery } from './decide.js';
import { WEEKDAYS } from './quiet-hours.js';
import { activeSnooze, isSnoozed, parseSnooze } from './snooze.js';

// Wednesday 14 January 2026, 23:30 in Berlin: inside the nightly window, which ends at 06:00Z.
const night = Date.parse('2026-01-14T22:30:00Z');
const noon = Date.parse('2026-01-14T11:00:00Z');
const morning = Date.parse('2026-01-15T06:00:00Z');

const base: DecisionInput = {
  value: 'always',
  critical: false,
  subscribed: false,
  committed: false,
  quietWindows: [{ days: WEEKDAYS, start: '22:00', end: '07:00' }],
  timeZone: 'Europe/Berlin',
  snoozedUntil: null,
  now: noon,
};

describe('decideDelivery', () => {
  it.each<{ name: string; input: Partial<DecisionInput>; want: ReturnType<typeof decideDelivery> }>([
    { name: 'always, awake: send', input: {}, want: { kind: 'send' } },
    {
      name: 'never: suppressed by preference',
      input: { value: 'never' },
      want: { kind: 'suppress', reason: 'preference' },
    },
    {
      name: 'subscribe_only, not subscribed',
      input: { value: 'subscribe_only' },
      want: { kind: 'suppress', reason: 'preference' },
    },
    {
      name: 'subscribe_only, subscribed',
      input: { value: 'subscribe_only', subscribed: true },
      want: { kind: 'send' },
    },
    {
      name: 'committed_only, no commit',
      input: { value: 'committed_only', subscribed: true },
      want: { kind: 'suppress', reason: 'preference' },
    },
    {
      name: 'committed_only, committer',
      input: { value: 'committed_only', committed: true },
      want: { kind: 'send' },
    },
    {
      name: 'quiet hours: deferred to their end',
      input: { now: night },
      want: { kind: 'defer', until: morning },
    },
    { name: 'quiet hours, critical: send', input: { now: night, critical: true }, want: { kind: 'send' } },
    {
      name: 'quiet hours in another zone: send',
      input: { now: night, timeZone: 'America/New_York' },
      want: { kind: 'send' },
    },
    {
      name: 'snoozed: suppressed',
      input: { snoozedUntil: noon + 1 },
      want: { kind: 'suppress', reason: 'snoozed' },
    },
    {
      name: 'snoozed, critical: still suppressed',
      input: { snoozedUntil: noon + 1, critical: true },
      want: { kind: 'suppress', reason: 'snoozed' },
    },
    { name: 'snooze expired: send', input: { snoozedUntil: noon }, want: { kind: 'send' } },
    {
      name: 'snoozed at night: snooze named, not quiet hours',
      input: { now: night, snoozedUntil: morning + 1 },
      want: { kind: 'suppress', reason: 'snoozed' },
    },
    {
      name: 'never and snoozed: the preference is named',
      input: { value: 'never', snoozedUntil: noon + 1 },
      want: { kind: 'suppress', reason: 'preference' },
    },
    {
      name: 'critical never: still suppressed',
      input: { value: 'never', critical: true },
      want: { kind: 'suppress', reason: 'preference' },
    },
    { name: 'no windows at night: send', input: { now: night, quietWindows: [] }, want: { kind: 'send' } },
  ])('$name', ({ input, want }) => {
    expect(decideDelivery({ ...base, ...input })).toEqual(want);
  });
});

describe('snooze', () => {
  it('stops applying by itself once its time has passed', () => {
    expect(isSnoozed(null, noon)).toBe(false);
    expect(isSnoozed(noon + 1, noon)).toBe(true);
    expect(isSnoozed(noon, noon)).toBe(false);
    expect(activeSnooze(noon + 1, noon)).toBe(noon + 1);
    expect(activeSnooze(noon - 1, noon)).toBeNull();
  });

  it('parses a time with offset, null to clear, and names bad input', () => {
    expect(parseSnooze({ until: '2026-01-14T14:00:00+02:00' }, noon)).toBe(
      Date.parse('2026-01-14T12:00:00Z'),
    );
    expect(parseSnooze({ until: null }, noon)).toBeNull();
    for (const until of ['tomorrow', '2026-01-14T10:00:00Z', '2028-01-14T10:00:00Z', 42]) {
      expect(() => parseSnooze({ until }, noon)).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ path: 'until' })] }),
      );
    }
  });
});
