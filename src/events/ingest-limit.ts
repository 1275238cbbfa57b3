import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { LONGEST_WINDOW_SECONDS, type TokenBuckets } from '../throttle/limiter.js';

/**
 * A project's ingest limit as the API takes and shows it (`projects.options.rateLimit`): at most `count`
 * events per `windowSeconds`, refilled continuously; null takes every event.
 */
export const ingestRateLimitSchema = z
  .strictObject({
    count: z.int().min(1).max(1_000_000),
    windowSeconds: z.int().min(1).max(LONGEST_WINDOW_SECONDS),
  })
  .nullable();

/** A project's ingest limit, or null for none. */
export type IngestRateLimit = z.output<typeof ingestRateLimitSchema>;

/** The limit stored in a project's options; a missing or unreadable one is no limit. */
export function rateLimitOf(options: Record<string, unknown>): IngestRateLimit {
  const parsed = ingestRateLimitSchema.safeParse(options['rateLimit'] ?? null);
  return parsed.success ? parsed.data : null;
}

/** What the ingest gate needs. */
export interface IngestGateDeps {
  /** The installation's token buckets: in Redis in a cluster, so every API process shares a project's. */
  readonly limiter: TokenBuckets;
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

/**
 * Admits events of a project under its limit before anything is written: `count` events take `count`
 * tokens of the project's bucket, all or none, else a 429 whose Retry-After is when they would fit.
 * Tokens are taken on their own, not in the ingest transaction: a client flooding a project pays for
 * its requests even when they fail later.
 */
export function ingestGate(deps: IngestGateDeps) {
  return async (
    target: { readonly projectId: string; readonly rateLimit?: IngestRateLimit | undefined },
    count: number,
  ) => {
    const limit = target.rateLimit;
    if (!limit || count === 0) return;
    let answer: { taken: boolean; waitMs: number };
    try {
      answer = await deps.limiter.takeMany(
        deps.db,
        `ingest:${target.projectId}`,
        { limit: limit.count, windowSeconds: limit.windowSeconds },
        count,
        deps.clock.now(),
      );
    } catch {
      // A limiter that cannot answer (Redis down in a cluster, which its connection logs) admits the
      // events: the cap protects the installation from a flood, and refusing every event of a limited
      // project while Redis is away would lose what its SDKs drop after an error.
      return;
    }
    const { taken, waitMs } = answer;
    if (taken) return;
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    throw new RateLimitedError(
      retryAfter,
      count > limit.count
        ? `${count} events exceed the project's limit of ${limit.count} per ${limit.windowSeconds} s`
        : `The project's limit of ${limit.count} events per ${limit.windowSeconds} s is reached`,
    );
  };
}

/** Takes `count` events of a project under its limit, or throws a 429 {@link RateLimitedError}. */
export type IngestGate = ReturnType<typeof ingestGate>;
