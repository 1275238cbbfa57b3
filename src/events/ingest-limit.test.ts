import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { TokenBuckets } from '../throttle/limiter.js';
import { ingestGate } from './ingest-limit.js';

const db = {} as Kysely<Database>;
const limited = { projectId: 'prj_1', rateLimit: { count: 2, windowSeconds: 60 } };

function limiter(answer: () => Promise<{ taken: boolean; waitMs: number }>): TokenBuckets {
  return { take: async () => true, takeMany: answer };
}

describe('the ingest gate of a project with a limit', () => {
  it('refuses over the limit with a Retry-After in whole seconds, at least one', async () => {
    const gate = ingestGate({
      db,
      clock: manualClock(0),
      limiter: limiter(async () => ({ taken: false, waitMs: 1_200 })),
    });
    const refused = await gate(limited, 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).status).toBe(429);
    expect(String((refused as Error).message)).toContain('limit of 2 events per 60 s');
  });

  it('admits events when the limiter cannot answer (Redis away), rather than refuse them all', async () => {
    const gate = ingestGate({
      db,
      clock: manualClock(0),
      limiter: limiter(async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      }),
    });
    await expect(gate(limited, 1)).resolves.toBeUndefined();
  });

  it('asks nothing of the limiter for a project without a limit', async () => {
    let asked = 0;
    const gate = ingestGate({
      db,
      clock: manualClock(0),
      limiter: limiter(async () => {
        asked++;
        return { taken: true, waitMs: 0 };
      }),
    });
    await gate({ projectId: 'prj_2', rateLimit: null }, 100);
    expect(asked).toBe(0);
  });
});
