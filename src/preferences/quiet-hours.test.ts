import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { isQuiet, parseQuietHours, type QuietWindow, quietUntil, WEEKDAYS } from './quiet-hours.js';

const nightly: QuietWindow = { days: WEEKDAYS, start: '22:00', end: '07:00' };
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

interface Case {
  readonly name: string;
  readonly zone: string;
  readonly windows?: readonly QuietWindow[];
  readonly now: string;
  readonly until: string | null;
}

// 2026: Berlin springs forward on 29 March (01:00Z) and falls back on 25 October (01:00Z); New York
// springs forward on 8 March (07:00Z) and falls back on 1 November (06:00Z).
const cases: readonly Case[] = [
  {
    name: 'Berlin, ordinary winter night',
    zone: 'Europe/Berlin',
    now: '2026-01-14T22:30:00Z',
    until: '2026-01-15T06:00:00Z',
  },
  {
    name: 'Berlin, ordinary summer night',
    zone: 'Europe/Berlin',
    now: '2026-07-14T22:30:00Z',
    until: '2026-07-15T05:00:00Z',
  },
  {
    name: 'Berlin, spring forward: still 07:00 local',
    zone: 'Europe/Berlin',
    now: '2026-03-28T23:00:00Z',
    until: '2026-03-29T05:00:00Z',
  },
  {
    name: 'Berlin, spring forward, after the jump',
    zone: 'Europe/Berlin',
    now: '2026-03-29T02:00:00Z',
    until: '2026-03-29T05:00:00Z',
  },
  {
    name: 'Berlin, fall back: still 07:00 local',
    zone: 'Europe/Berlin',
    now: '2026-10-24T21:00:00Z',
    until: '2026-10-25T06:00:00Z',
  },
  {
    name: 'Berlin, fall back, in the repeated hour',
    zone: 'Europe/Berlin',
    now: '2026-10-25T00:30:00Z',
    until: '2026-10-25T06:00:00Z',
  },
  {
    name: 'New York, spring forward',
    zone: 'America/New_York',
    now: '2026-03-08T04:00:00Z',
    until: '2026-03-08T11:00:00Z',
  },
  {
    name: 'New York, fall back',
    zone: 'America/New_York',
    now: '2026-11-01T03:00:00Z',
    until: '2026-11-01T12:00:00Z',
  },
  {
    name: 'New York, fall back, in the repeated hour',
    zone: 'America/New_York',
    now: '2026-11-01T06:30:00Z',
    until: '2026-11-01T12:00:00Z',
  },
  // The same instant, quiet in one zone and not in the other
  {
    name: 'same instant: quiet in Berlin',
    zone: 'Europe/Berlin',
    now: '2026-01-14T21:30:00Z',
    until: '2026-01-15T06:00:00Z',
  },
  {
    name: 'same instant: awake in New York',
    zone: 'America/New_York',
    now: '2026-01-14T21:30:00Z',
    until: null,
  },
  // Edges are half-open: quiet from start, awake at end
  { name: 'a minute before start', zone: 'Europe/Berlin', now: '2026-01-14T20:59:00Z', until: null },
  {
    name: 'exactly at start',
    zone: 'Europe/Berlin',
    now: '2026-01-14T21:00:00Z',
    until: '2026-01-15T06:00:00Z',
  },
  { name: 'exactly at end', zone: 'Europe/Berlin', now: '2026-01-15T06:00:00Z', until: null },
  // Windows start on their days and may run into the next
  {
    name: 'Friday night window on Saturday morning',
    zone: 'Europe/Berlin',
    windows: [{ days: ['fri'], start: '22:00', end: '07:00' }],
    now: '2026-01-17T05:00:00Z',
    until: '2026-01-17T06:00:00Z',
  },
  {
    name: 'Friday night window on Saturday night',
    zone: 'Europe/Berlin',
    windows: [{ days: ['fri'], start: '22:00', end: '07:00' }],
    now: '2026-01-17T22:00:00Z',
    until: null,
  },
  {
    name: 'Sunday-night window into Monday',
    zone: 'America/New_York',
    windows: [{ days: ['sun'], start: '23:30', end: '06:00' }],
    now: '2026-01-19T05:00:00Z',
    until: '2026-01-19T11:00:00Z',
  },
  {
    name: 'a window within one day',
    zone: 'Europe/Berlin',
    windows: [{ days: ['wed'], start: '12:00', end: '13:30' }],
    now: '2026-01-14T11:15:00Z',
    until: '2026-01-14T12:30:00Z',
  },
  {
    name: 'a whole day, 00:00–24:00',
    zone: 'Europe/Berlin',
    windows: [{ days: ['sat'], start: '00:00', end: '24:00' }],
    now: '2026-01-17T10:00:00Z',
    until: '2026-01-17T23:00:00Z',
  },
  // Windows that touch or overlap make one stretch
  {
    name: 'touching windows chain',
    zone: 'Europe/Berlin',
    windows: [
      { days: ['mon'], start: '20:00', end: '24:00' },
      { days: ['tue'], start: '00:00', end: '08:00' },
    ],
    now: '2026-01-12T20:00:00Z',
    until: '2026-01-13T07:00:00Z',
  },
  {
    name: 'overlapping windows merge',
    zone: 'Europe/Berlin',
    windows: [
      { days: ['mon'], start: '22:00', end: '02:00' },
      { days: ['tue'], start: '01:00', end: '06:00' },
    ],
    now: '2026-01-12T21:30:00Z',
    until: '2026-01-13T05:00:00Z',
  },
  // Windows ending inside the hour the clocks skip or repeat
  {
    name: 'end skipped by spring forward: ends at the jump',
    zone: 'Europe/Berlin',
    windows: [{ days: ['sun'], start: '00:00', end: '02:30' }],
    now: '2026-03-28T23:30:00Z',
    until: '2026-03-29T01:00:00Z',
  },
  {
    name: 'end repeated by fall back: first pass',
    zone: 'Europe/Berlin',
    windows: [{ days: ['sun'], start: '00:00', end: '02:30' }],
    now: '2026-10-24T22:30:00Z',
    until: '2026-10-25T00:30:00Z',
  },
  {
    name: 'end repeated by fall back: between passes',
    zone: 'Europe/Berlin',
    windows: [{ days: ['sun'], start: '00:00', end: '02:30' }],
    now: '2026-10-25T00:45:00Z',
    until: null,
  },
  {
    name: 'end repeated by fall back: second pass',
    zone: 'Europe/Berlin',
    windows: [{ days: ['sun'], start: '00:00', end: '02:30' }],
    now: '2026-10-25T01:10:00Z',
    until: '2026-10-25T01:30:00Z',
  },
  { name: 'no windows', zone: 'Europe/Berlin', windows: [], now: '2026-01-14T23:00:00Z', until: null },
];

describe('quietUntil', () => {
  it.each(cases)('$name', (c) => {
    expect(iso(quietUntil(c.windows ?? [nightly], c.zone, at(c.now)))).toBe(c.until);
  });

  it('ends a round-the-clock schedule at a finite time ahead', () => {
    const until = quietUntil(
      [{ days: WEEKDAYS, start: '00:00', end: '24:00' }],
      'UTC',
      at('2026-01-14T10:00:00Z'),
    );
    expect(until).not.toBeNull();
    expect(until!).toBeGreaterThanOrEqual(at('2026-01-21T10:00:00Z'));
    expect(until!).toBeLessThanOrEqual(at('2026-01-23T00:00:00Z'));
  });

  it('refuses an unknown zone', () => {
    expect(() => quietUntil([nightly], 'Mars/Olympus_Mons', 0)).toThrow(ValidationError);
  });

  it('returns a time ahead at which the person is awake, in any zone at any instant', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 }))
      .map(([h, q]) => `${String(h).padStart(2, '0')}:${String(q * 15).padStart(2, '0')}`);
    const windowArb = fc
      .record({
        days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1 }),
        start: time,
        end: time,
      })
      .filter((w) => w.start !== w.end);
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...zones),
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        (windows, zone, now) => {
          const until = quietUntil(windows, zone, now);
          if (until === null) return;
          expect(until).toBeGreaterThan(now);
          // The stretch really ends, unless it was cut at a week on a near-permanent schedule.
          if (until - now < 7 * 86_400_000) expect(isQuiet(windows, zone, until)).toBe(false);
          expect(isQuiet(windows, zone, until - 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseQuietHours', () => {
  it('accepts a valid schedule', () => {
    const input = {
      timeZone: 'America/New_York',
      windows: [{ days: ['mon', 'fri'], start: '22:00', end: '07:00' }],
    };
    expect(parseQuietHours(input)).toEqual(input);
  });

  it('names every bad field', () => {
    try {
      parseQuietHours({
        timeZone: 'Mars/Olympus_Mons',
        windows: [
          { days: [], start: '7:00', end: '25:00' },
          { days: ['mon', 'funday'], start: '22:00', end: '22:00' },
          { days: ['tue', 'tue'], start: '24:00', end: '24:00' },
        ],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).details.map((d) => d.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'timeZone',
          'windows.0.days',
          'windows.0.start',
          'windows.0.end',
          'windows.1.days.1',
          'windows.2.days',
          'windows.2.start',
        ]),
      );
    }
  });

  it('refuses a window that ends when it starts', () => {
    expect(() =>
      parseQuietHours({ timeZone: 'UTC', windows: [{ days: ['mon'], start: '08:00', end: '08:00' }] }),
    ).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: 'windows.0.end' })] }));
  });
});
