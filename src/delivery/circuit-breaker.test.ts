import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { circuitBreaker } from './circuit-breaker.js';

const HOOK = 'int_hook';
const THRESHOLD = 3;
const COOL_DOWN = 60_000;

/** A breaker on a clock of its own, with a small threshold so each case reads as a timeline. */
function setUp() {
  const clock = manualClock();
  const breaker = circuitBreaker(clock, { threshold: THRESHOLD, coolDownMs: COOL_DOWN });
  const fail = (times: number, key = HOOK) => {
    for (let i = 0; i < times; i++) breaker.failure(key);
  };
  return { clock, breaker, fail, t0: clock.now() };
}

describe('circuit breaker', () => {
  it('lets sends through until the threshold of consecutive failures, then holds them for the cool-down', () => {
    const { breaker, fail, t0 } = setUp();
    expect(breaker.holdUntil(HOOK)).toBeNull();
    fail(THRESHOLD - 1);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    fail(1);
    expect(breaker.holdUntil(HOOK)).toBe(t0 + COOL_DOWN);
    // Every send asked during the cool-down is held to its end, not sent.
    expect(breaker.holdUntil(HOOK)).toBe(t0 + COOL_DOWN);
  });

  it('holds until the end of the cool-down counted from the failure that opened it', () => {
    const { clock, breaker, fail, t0 } = setUp();
    fail(THRESHOLD - 1);
    clock.advance(10_000);
    fail(1);
    clock.advance(COOL_DOWN - 1);
    expect(breaker.holdUntil(HOOK)).toBe(t0 + 10_000 + COOL_DOWN);
  });

  it('after the cool-down lets exactly one probe through and holds the others while it runs', () => {
    const { clock, breaker, fail, t0 } = setUp();
    fail(THRESHOLD);
    clock.set(t0 + COOL_DOWN - 1);
    expect(breaker.holdUntil(HOOK)).toBe(t0 + COOL_DOWN);
    clock.set(t0 + COOL_DOWN);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    expect(breaker.holdUntil(HOOK)).toBe(t0 + 2 * COOL_DOWN);
    clock.advance(5_000);
    expect(breaker.holdUntil(HOOK)).toBe(t0 + 2 * COOL_DOWN);
  });

  it('closes when the probe succeeds: every send goes again', () => {
    const { clock, breaker, fail, t0 } = setUp();
    fail(THRESHOLD);
    clock.set(t0 + COOL_DOWN);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    breaker.success(HOOK);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    expect(breaker.holdUntil(HOOK)).toBeNull();
    // Closed means counting from zero again: it takes the whole threshold to open it once more.
    fail(THRESHOLD - 1);
    expect(breaker.holdUntil(HOOK)).toBeNull();
  });

  it('opens again for another cool-down when the probe fails, then probes once more', () => {
    const { clock, breaker, fail, t0 } = setUp();
    fail(THRESHOLD);
    clock.set(t0 + COOL_DOWN);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    clock.advance(2_000);
    fail(1);
    const reopened = t0 + COOL_DOWN + 2_000 + COOL_DOWN;
    expect(breaker.holdUntil(HOOK)).toBe(reopened);
    clock.set(reopened - 1);
    expect(breaker.holdUntil(HOOK)).toBe(reopened);
    clock.set(reopened);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    expect(breaker.holdUntil(HOOK)).toBe(reopened + COOL_DOWN);
  });

  it('counts consecutive failures only: a success in between starts the count again', () => {
    const { breaker, fail } = setUp();
    for (let round = 0; round < 5; round++) {
      fail(THRESHOLD - 1);
      breaker.success(HOOK);
    }
    expect(breaker.holdUntil(HOOK)).toBeNull();
    fail(THRESHOLD - 1);
    expect(breaker.holdUntil(HOOK)).toBeNull();
  });

  it('keeps one circuit per integration', () => {
    const { breaker, fail, t0 } = setUp();
    fail(THRESHOLD, 'int_dead');
    fail(THRESHOLD - 1, 'int_flaky');
    expect(breaker.holdUntil('int_dead')).toBe(t0 + COOL_DOWN);
    expect(breaker.holdUntil('int_flaky')).toBeNull();
    expect(breaker.holdUntil('int_healthy')).toBeNull();
    breaker.success('int_flaky');
    expect(breaker.holdUntil('int_dead')).toBe(t0 + COOL_DOWN);
  });

  it('lets another probe through when the one let through never reported back', () => {
    // A probe whose delivery ended without an answer from the endpoint (suppressed before the send, a
    // permanent refusal of that one message, its worker gone) must not keep the circuit open for ever.
    const { clock, breaker, fail, t0 } = setUp();
    fail(THRESHOLD);
    clock.set(t0 + COOL_DOWN);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    clock.set(t0 + 2 * COOL_DOWN - 1);
    expect(breaker.holdUntil(HOOK)).toBe(t0 + 2 * COOL_DOWN);
    clock.set(t0 + 2 * COOL_DOWN);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    breaker.success(HOOK);
    expect(breaker.holdUntil(HOOK)).toBeNull();
  });

  it('defaults to five failures and a cool-down of one minute', () => {
    const clock = manualClock();
    const breaker = circuitBreaker(clock);
    for (let i = 0; i < 4; i++) breaker.failure(HOOK);
    expect(breaker.holdUntil(HOOK)).toBeNull();
    breaker.failure(HOOK);
    expect(breaker.holdUntil(HOOK)).toBe(clock.now() + 60_000);
  });
});
