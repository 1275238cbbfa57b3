import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { enqueueJobs } from '../../src/queue/queue.js';
import { sqlQueue } from '../../src/queue/sql-queue.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });

describe.skipIf(SKIP_PROFILE)('job table queue', () => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await database.open();
    b = await database.open();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('runs a job only when the transaction that wrote it committed', async () => {
    const clock = manualClock();
    const ran: string[] = [];
    const queue = sqlQueue({ db: a.db, clock, logger: silent });
    queue.handle('notify', async (job) => {
      ran.push(String(job.payload.name));
    });
    await a.db
      .transaction()
      .execute(async (trx) => {
        await enqueueJobs(trx, [{ kind: 'notify', payload: { name: 'rolled back' } }], clock.now());
        throw new Error('abort');
      })
      .catch(() => undefined);
    await a.db
      .transaction()
      .execute((trx) => enqueueJobs(trx, [{ kind: 'notify', payload: { name: 'kept' } }], clock.now()));
    await queue.drain();
    expect(ran).toEqual(['kept']);
    expect(await a.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('two workers on one database run each of 300 jobs exactly once', async () => {
    const clock = manualClock();
    const runs = new Map<string, number>();
    const workers = [a, b].map((store) => {
      const queue = sqlQueue({ db: store.db, clock, logger: silent, concurrency: 8, pollMs: 5 });
      queue.handle('notify', async (job) => {
        const key = String(job.payload.n);
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await new Promise((resolve) => setImmediate(resolve));
      });
      return queue;
    });
    const jobs = Array.from({ length: 300 }, (_, n) => ({ kind: 'notify' as const, payload: { n } }));
    await enqueueJobs(a.db, jobs, clock.now());
    for (const w of workers) w.start();
    for (let i = 0; i < 400 && runs.size < 300; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all(workers.map((w) => w.stop()));
    expect(runs.size).toBe(300);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
  });

  it('retries a failing job later, with backoff, until it succeeds', async () => {
    const clock = manualClock();
    let calls = 0;
    const queue = sqlQueue({ db: a.db, clock, logger: silent });
    queue.handle('sweep', async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
    });
    await enqueueJobs(a.db, [{ kind: 'sweep', payload: {} }], clock.now());
    await queue.drain();
    expect(calls).toBe(1);
    const row = await a.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(row.last_error).toBe('flaky');
    expect(row.run_at).toBe(clock.now() + 1_000);
    await queue.drain();
    expect(calls).toBe(1);
    clock.advance(1_000);
    await queue.drain();
    expect(calls).toBe(2);
    clock.advance(1_999);
    await queue.drain();
    expect(calls).toBe(2);
    clock.advance(1);
    await queue.drain();
    expect(calls).toBe(3);
    expect(await a.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('a job whose worker died is taken over when its lease ends', async () => {
    const clock = manualClock();
    const dying = sqlQueue({ db: a.db, clock, logger: silent, leaseMs: 30_000 });
    dying.handle('digest', () => new Promise<void>(() => undefined));
    await enqueueJobs(a.db, [{ kind: 'digest', payload: { id: 'd1' } }], clock.now());
    dying.start();
    for (let i = 0; i < 100; i++) {
      const row = await a.db.selectFrom('jobs').select('locked_by').executeTakeFirst();
      if (row?.locked_by) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await dying.stop(0);

    const ran: string[] = [];
    const heir = sqlQueue({ db: b.db, clock, logger: silent });
    heir.handle('digest', async (job) => {
      ran.push(`${job.payload.id}:${job.attempts}`);
    });
    await heir.drain();
    expect(ran).toEqual([]);
    clock.advance(30_001);
    await heir.drain();
    expect(ran).toEqual(['d1:1']);
  });

  it('a job id makes enqueueing idempotent', async () => {
    const clock = manualClock();
    await enqueueJobs(a.db, [{ id: 'job_fixed', kind: 'notify', payload: { v: 1 } }], clock.now());
    await enqueueJobs(a.db, [{ id: 'job_fixed', kind: 'notify', payload: { v: 2 } }], clock.now());
    const rows = await a.db.selectFrom('jobs').selectAll().where('id', '=', 'job_fixed').execute();
    expect(rows.map((r) => JSON.parse(r.payload).v)).toEqual([1]);
    await a.db.deleteFrom('jobs').execute();
  });
});
