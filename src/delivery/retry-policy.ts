/** When and how often a failed delivery is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 8. */
  readonly maxAttempts: number;
  /** Delay cap of the first retry, ms. Default 15 s. */
  readonly baseMs: number;
  /** Largest delay cap, ms. Default 10 min. */
  readonly capMs: number;
}

/** Eight attempts spread over about half an hour (caps 15 s, 30 s, 1, 2, 4, 8, 10 min). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseMs: 15_000, capMs: 600_000 };

/**
 * The longest `Retry-After` honoured: a provider asking for a day would otherwise hold a delivery a day
 * per attempt (eight days before it is a dead letter anyone sees). Past it, the attempt comes after an
 * hour and, refused again, counts towards the dead letter like any other.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The delay before attempt `attempt + 1` after `attempt` failed: exponential backoff with full jitter
 * (a random delay up to the cap, so a burst of failures does not retry in lockstep), never sooner than
 * the provider's Retry-After (up to an hour).
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * cap);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS), 1_000);
}
