import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';

/** A channel's limit: `limit` messages per `windowSeconds`, refilled continuously (token bucket). */
export interface ChannelLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** The database a limiter may write in: the caller's transaction, so a rolled-back fan-out costs nothing. */
export type LimiterDb = Kysely<Database> | Transaction<Database>;

/**
 * Per-recipient, per-channel token buckets. The contract above `sql-limiter.ts` (embedded and
 * PostgreSQL, inside the fan-out transaction) and `redis-limiter.ts` (cluster).
 */
export interface RecipientLimiter {
  /** Takes one token from `key`'s bucket at `now`; false when the bucket is empty. */
  take(db: LimiterDb, key: string, limit: ChannelLimit, now: number): Promise<boolean>;
  /** Releases connections, if any. */
  close?(): Promise<void>;
}

/** Thousandths of a token per token: buckets count in integers so both databases compare exactly. */
export const MILLI = 1000;

/** A bucket's state: thousandths of a token as of `at` (epoch ms). */
export interface BucketState {
  readonly millitokens: number;
  readonly at: number;
}

/**
 * The bucket after refilling up to `now` and taking one token if it can. A clock that went backwards
 * (another worker's) refills nothing rather than draining.
 */
export function takeToken(
  state: BucketState | null,
  limit: ChannelLimit,
  now: number,
): { readonly taken: boolean; readonly next: BucketState } {
  const capacity = limit.limit * MILLI;
  const current = state ?? { millitokens: capacity, at: now };
  const elapsed = Math.max(0, now - current.at);
  const refill = Math.floor((elapsed * limit.limit) / limit.windowSeconds);
  const millitokens = Math.min(capacity, current.millitokens + refill);
  // Only the time that became whole millitokens is spent, so frequent takes lose no refill to rounding;
  // a full bucket accrues nothing.
  const at =
    millitokens === capacity
      ? Math.max(now, current.at)
      : current.at + Math.floor((refill * limit.windowSeconds) / limit.limit);
  if (millitokens >= MILLI) return { taken: true, next: { millitokens: millitokens - MILLI, at } };
  return { taken: false, next: { millitokens, at } };
}
