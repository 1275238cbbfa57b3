import { describe, expect, it } from 'vitest';
import {
  chatWindowOptions,
  extendedDue,
  DEFAULT_DIGEST_OPTIONS as O,
  openedDue,
  releasedDue,
  sendsAtOnce,
} from './digest-schedule.js';

const S = 1000;

describe('digest schedule (Sentry semantics)', () => {
  it('sends the first notification of a key at once, then only after the minimum', () => {
    expect(sendsAtOnce(null, 0, O)).toBe(true);
    expect(sendsAtOnce(0, 299 * S, O)).toBe(false);
    expect(sendsAtOnce(0, 300 * S, O)).toBe(true);
  });

  it('opens a digest at least the minimum after the last delivery, else one increment away', () => {
    expect(openedDue(0, 10 * S, O)).toBe(300 * S);
    expect(openedDue(0, 290 * S, O)).toBe(320 * S);
    // Held by a limit with nothing delivered yet: the minimum counts from the opening.
    expect(openedDue(null, 10 * S, O)).toBe(310 * S);
  });

  it('moves the due time by the increment per addition, capped at the maximum after the last delivery', () => {
    let due = openedDue(0, 10 * S, O);
    const dues: number[] = [];
    for (let k = 0; k < 60; k++) {
      due = extendedDue(due, 0, 10 * S, O);
      dues.push(due);
    }
    expect(dues.slice(0, 3)).toEqual([330 * S, 360 * S, 390 * S]);
    expect(Math.max(...dues)).toBe(1800 * S);
    expect(dues.at(-1)).toBe(1800 * S);
  });

  it('never moves a due time earlier, even past the cap', () => {
    expect(extendedDue(2000 * S, 0, 0, O)).toBe(2000 * S);
  });

  it('batches a chat action into one message per window', () => {
    const w = chatWindowOptions(60);
    expect(openedDue(0, 5 * S, w)).toBe(60 * S);
    expect(extendedDue(60 * S, 0, 5 * S, w)).toBe(60 * S);
    expect(sendsAtOnce(0, 59 * S, w)).toBe(false);
  });

  it('sends what waited for quiet hours when they end, but not sooner than the minimum after a delivery', () => {
    // Quiet from 1 h to 9 h after the last delivery: due at their end.
    expect(releasedDue(0, 9 * 3600 * S, O)).toBe(9 * 3600 * S);
    expect(releasedDue(null, 100 * S, O)).toBe(100 * S);
    // Quiet hours set a minute after a delivery and over a minute later: the minimum still holds.
    expect(releasedDue(0, 120 * S, O)).toBe(300 * S);
  });
});
