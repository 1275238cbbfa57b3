import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, MAX_RETRY_AFTER_MS, type RetryPolicy, retryDelay } from './retry-policy.js';

/** The delay caps of the default policy after attempts 1 to 7 (the 8th failure is the last). */
const CAPS = [15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 600_000];

/** The largest value `Math.random` can return. */
const ALMOST_ONE = 1 - 2 ** -53;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so many draws are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('retry delay', () => {
  it('defaults to eight attempts, 15 s doubling up to 10 min', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 8, baseMs: 15_000, capMs: 600_000 });
  });

  it('grows the cap exponentially from the base and stops at the maximum', () => {
    const highest = CAPS.map((_, i) => retryDelay(DEFAULT_RETRY_POLICY, i + 1, undefined, () => ALMOST_ONE));
    expect(highest).toEqual(CAPS.map((cap) => cap - 1));
    // Past the maximum it stays there, however many attempts were made.
    for (const attempt of [8, 12, 40, 1_000])
      expect(retryDelay(DEFAULT_RETRY_POLICY, attempt, undefined, () => ALMOST_ONE)).toBe(599_999);
  });

  it('spreads each delay over the whole range up to its cap (full jitter), never below one second', () => {
    const random = seeded(20_260_101);
    CAPS.forEach((cap, i) => {
      const delays = Array.from({ length: 500 }, () =>
        retryDelay(DEFAULT_RETRY_POLICY, i + 1, undefined, random),
      );
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(1_000);
      expect(Math.max(...delays)).toBeLessThanOrEqual(cap);
      // Full jitter, not equal jitter: the delays reach down into the lower half of the range and up into
      // the top tenth, so a burst of failures does not come back in lockstep.
      expect(Math.min(...delays)).toBeLessThan(cap / 10 + 1_000);
      expect(Math.max(...delays)).toBeGreaterThan(cap * 0.9);
    });
    expect(retryDelay(DEFAULT_RETRY_POLICY, 3, undefined, () => 0.5)).toBe(30_000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 3, undefined, () => 0)).toBe(1_000);
  });

  it('the default policy spends at most about half an hour waiting between its eight attempts', () => {
    const waits = Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts - 1 }, (_, i) =>
      retryDelay(DEFAULT_RETRY_POLICY, i + 1, undefined, () => ALMOST_ONE),
    );
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(25 * 60_000);
    expect(total).toBeLessThanOrEqual(30 * 60_000);
  });

  it("waits the provider's Retry-After when it is longer than the drawn delay", () => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 120_000, () => ALMOST_ONE)).toBe(120_000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 7, 3_600_000, () => 0)).toBe(3_600_000);
    // A Retry-After past the cap is still honoured: sooner would only be refused again.
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 900_000, () => 0.5)).toBe(900_000);
  });

  it('honours a Retry-After of a day only up to an hour', () => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 86_400_000, () => 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
  });

  it('keeps the drawn delay when Retry-After asks for less, and never retries sooner than a second', () => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, 4, 5_000, () => 0.5)).toBe(60_000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0, () => 0)).toBe(1_000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 200, () => 0)).toBe(1_000);
  });

  it('follows a policy of its own', () => {
    const policy: RetryPolicy = { maxAttempts: 3, baseMs: 2_000, capMs: 5_000 };
    const highest = [1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt, undefined, () => ALMOST_ONE));
    expect(highest).toEqual([1_999, 3_999, 4_999, 4_999]);
  });
});
