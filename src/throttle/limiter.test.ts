import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { type ChannelLimit, MILLI, type TokenBuckets, takeToken } from './limiter.js';
import { redisLimiter } from './redis-limiter.js';
import { sqlLimiter } from './sql-limiter.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const perHour = (limit: number): ChannelLimit => ({ limit, windowSeconds: 3600 });

describe('takeToken', () => {
  it('starts full, empties, and refills continuously at limit per window', () => {
    let state = null;
    const taken: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const r = takeToken(state, perHour(3), T0);
      taken.push(r.taken);
      state = r.next;
    }
    expect(taken).toEqual([true, true, true, false]);
    expect(takeToken(state, perHour(3), T0 + 1_199_999).taken).toBe(false);
    expect(takeToken(state, perHour(3), T0 + 1_200_000).taken).toBe(true);
  });

  it('loses no refill to rounding when taken often', () => {
    let state = takeToken(null, perHour(1), T0).next;
    // Refused every second for an hour: each refusal refills a fraction that must not be dropped.
    for (let s = 1; s < 3600; s++) {
      const r = takeToken(state, perHour(1), T0 + s * 1000);
      expect(r.taken).toBe(false);
      state = r.next;
    }
    expect(takeToken(state, perHour(1), T0 + 3_600_000).taken).toBe(true);
  });

  it('never holds more than the limit, and a clock that went back refills nothing', () => {
    const full = takeToken({ millitokens: 0, at: T0 }, perHour(2), T0 + 86_400_000);
    expect(full.next.millitokens).toBe(1 * MILLI);
    const back = takeToken({ millitokens: 500, at: T0 }, perHour(2), T0 - 60_000);
    expect(back).toEqual({ taken: false, next: { millitokens: 500, at: T0 } });
  });
});

/** The same timeline against every backend: 20 per hour for one key, another key unaffected. */
function conformance(name: string, open: () => Promise<{ limiter: TokenBuckets; db: Store['db'] } | null>) {
  describe(name, () => {
    let subject: Awaited<ReturnType<typeof open>> = null;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.limiter.close?.());

    it('allows the limit, refuses past it, and refills on the injected clock', async (ctx) => {
      if (!subject) return ctx.skip();
      const { limiter, db } = subject;
      const key = `user:${Math.random()}:email`;
      const results: boolean[] = [];
      for (let i = 0; i < 25; i++) results.push(await limiter.take(db, key, perHour(20), T0 + i));
      expect(results.filter(Boolean)).toHaveLength(20);
      expect(results.slice(20)).toEqual([false, false, false, false, false]);
      expect(await limiter.take(db, `${key}:other`, perHour(20), T0)).toBe(true);
      expect(await limiter.take(db, key, perHour(20), T0 + 24 + 179_000)).toBe(false);
      expect(await limiter.take(db, key, perHour(20), T0 + 19 + 180_000)).toBe(true);
    });

    it('takes several tokens whole or none, and tells how long until they are there', async (ctx) => {
      if (!subject) return ctx.skip();
      const { limiter, db } = subject;
      const key = `ingest:${Math.random()}`;
      const limit = { limit: 3, windowSeconds: 60 };
      expect(await limiter.takeMany(db, key, limit, 2, T0)).toEqual({ taken: true, waitMs: 0 });
      // One token left: two more are 20 s (one token's refill) away, and none is taken.
      expect(await limiter.takeMany(db, key, limit, 2, T0)).toEqual({ taken: false, waitMs: 20_000 });
      expect(await limiter.takeMany(db, key, limit, 4, T0)).toEqual({ taken: false, waitMs: 60_000 });
      expect(await limiter.takeMany(db, key, limit, 1, T0)).toEqual({ taken: true, waitMs: 0 });
      expect(await limiter.takeMany(db, key, limit, 3, T0 + 60_000)).toEqual({ taken: true, waitMs: 0 });
    });

    it('gives each of many racing takes its own token', async (ctx) => {
      if (!subject) return ctx.skip();
      const { limiter, db } = subject;
      const key = `channel:${Math.random()}:slack`;
      const all = await Promise.all(
        Array.from({ length: 40 }, () => limiter.take(db, key, { limit: 30, windowSeconds: 600 }, T0)),
      );
      expect(all.filter(Boolean)).toHaveLength(30);
    });
  });
}

conformance('sql limiter (SQLite)', async () => {
  const store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
  await store.migrate();
  return { limiter: { ...sqlLimiter(), close: () => store.close() }, db: store.db };
});

conformance('redis limiter', async () => {
  const url = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
  } catch {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI (${url})`);
    return null;
  }
  const store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
  const limiter = redisLimiter({
    client: probe,
    prefix: `herald-test-${Math.random().toString(36).slice(2)}`,
  });
  return {
    limiter: {
      take: limiter.take,
      takeMany: limiter.takeMany,
      close: async () => {
        await probe.quit();
        await store.close();
      },
    },
    db: store.db,
  };
});
