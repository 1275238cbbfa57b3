import type { ChannelLimit, LimiterDb, TakeResult, TokenBuckets } from './limiter.js';
import { takeTokens } from './limiter.js';

/**
 * Token buckets in the `throttle_buckets` table, on the clock Herald is given. Each take is a
 * compare-and-set on the row's state, in the caller's transaction: racing fan-outs on PostgreSQL retry
 * on the committed value, and a fan-out that rolls back gives its tokens back.
 */
export function sqlLimiter(): TokenBuckets {
  async function takeMany(
    db: LimiterDb,
    key: string,
    limit: ChannelLimit,
    tokens: number,
    now: number,
  ): Promise<TakeResult> {
    // Every round some racer's compare-and-set wins, so N racers finish within N rounds.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const row = await db
        .selectFrom('throttle_buckets')
        .select(['millitokens', 'updated_at'])
        .where('key', '=', key)
        .executeTakeFirst();
      const state = row ? { millitokens: Number(row.millitokens), at: Number(row.updated_at) } : null;
      const { taken, next, waitMs } = takeTokens(state, limit, now, tokens);
      if (!row) {
        const inserted = await db
          .insertInto('throttle_buckets')
          .values({ key, millitokens: next.millitokens, updated_at: next.at })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { taken, waitMs };
        continue;
      }
      const updated = await db
        .updateTable('throttle_buckets')
        .set({ millitokens: next.millitokens, updated_at: next.at })
        .where('key', '=', key)
        .where('millitokens', '=', row.millitokens)
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return { taken, waitMs };
    }
    throw new Error(`token bucket ${key} kept changing under us`);
  }

  return {
    async take(db, key, limit, now) {
      return (await takeMany(db, key, limit, 1, now)).taken;
    },
    takeMany,
  };
}
