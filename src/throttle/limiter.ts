import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';

/** A channel's limit: `limit` messages per `windowSeconds`, refilled continuously (token bucket). */
export interface ChannelLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * The longest window any limit may have (a day: a person's channel limit, a project's ingest limit).
 * A bucket refills whole within its window, so one left alone longer is full, the same as no bucket:
 * retention forgets such buckets.
 */
export const LONGEST_WINDOW_SECONDS = 86_400;

/** The database a limiter may write in: the caller's transaction, so a rolled-back fan-out costs nothing. */
export type LimiterDb = Kysely<Database> | Transaction<Database>;

/** What taking several tokens did: all were taken, or none and how long until they would be there. */
export interface TakeResult {
  readonly taken: boolean;
  /** Milliseconds until the bucket holds the tokens asked for; 0 when they were taken. */
  readonly waitMs: number;
}

/**
 * Token buckets by key: per recipient and channel (the fan-out), per project (ingest) and per address
 * (the sign-in form). The contract
 * above `sql-limiter.ts` (embedded and PostgreSQL, in the caller's transaction or on its own) and
 * `redis-limiter.ts` (cluster).
 */
export interface TokenBuckets {
  /** Takes one token from `key`'s bucket at `now`; false when the bucket is empty. */
  take(db: LimiterDb, key: string, limit: ChannelLimit, now: number): Promise<boolean>;
  /**
   * Takes `tokens` tokens from `key`'s bucket at `now`, all or none; when refused, says how long until
   * they would be there (a batch is admitted whole or not at all).
   */
  takeMany(db: LimiterDb, key: string, limit: ChannelLimit, tokens: number, now: number): Promise<TakeResult>;
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
  const { taken, next } = takeTokens(state, limit, now, 1);
  return { taken, next };
}

/**
 * {@link takeToken} for `tokens` tokens at once, all or none, with the wait until the bucket would hold
 * them when it does not.
 */
export function takeTokens(
  state: BucketState | null,
  limit: ChannelLimit,
  now: number,
  tokens: number,
): { readonly taken: boolean; readonly next: BucketState; readonly waitMs: number } {
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
  const wanted = tokens * MILLI;
  if (millitokens >= wanted)
    return { taken: true, next: { millitokens: millitokens - wanted, at }, waitMs: 0 };
  // More than the bucket holds never fits: such a taker is told a whole window.
  const waitMs =
    wanted > capacity
      ? limit.windowSeconds * 1000
      : Math.ceil(((wanted - millitokens) * limit.windowSeconds) / limit.limit);
  return { taken: false, next: { millitokens, at }, waitMs };
}
