import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, systemClock } from '../../src/clock.js';
import { type BullmqQueue, type BullmqQueueOptions, bullmqQueue } from '../../src/queue/bullmq-queue.js';
import { enqueueJobs } from '../../src/queue/queue.js';
import { queueConformance, signal, within } from '../../src/queue/queue-conformance.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE, TEST_REDIS_URL } from '../helpers/profile.js';
import { dropRedisPrefix, freshRedisPrefix, SKIP_REDIS } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });

describe.skipIf(SKIP_PROFILE || SKIP_REDIS)('BullMQ queue', () => {
  const prefix = freshRedisPrefix();
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  const open: BullmqQueue[] = [];

  function create(
    options: Partial<BullmqQueueOptions> & Pick<BullmqQueueOptions, 'db' | 'clock'>,
  ): BullmqQueue {
    const queue = bullmqQueue({ logger: silent, redisUrl: TEST_REDIS_URL, prefix, sweepMs: 50, ...options });
    open.push(queue);
    return queue;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await database.open();
    b = await database.open();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.stop(0)));
    await a.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await dropRedisPrefix(prefix);
  });

  queueConformance('BullMQ', () => ({
    dbs: [a.db, b.db],
    create: (db, clock, options = {}) =>
      bullmqQueue({ db, clock, logger: silent, redisUrl: TEST_REDIS_URL, prefix, sweepMs: 50, ...options }),
  }));

  it('the sweeper sends a row that was committed but never sent, and it runs once', async () => {
    const clock = manualClock();
    const runs: string[] = [];
    const ran = signal();
    const worker = create({ db: b.db, clock, sweepGraceMs: 5_000 });
    worker.handle('evaluate-event', async (job) => {
      runs.push(job.id);
      ran.resolve();
    });
    // The writer committed, then died before telling Redis.
    const [id] = await enqueueJobs(
      a.db,
      [{ kind: 'evaluate-event', payload: { eventId: 'e1' } }],
      clock.now(),
    );
    worker.start();
    // Within the grace period the sweeper trusts the writer's message to be on its way.
    expect(await worker.sweep()).toBe(0);
    clock.advance(5_000);
    await within(ran.promise, 10_000, 'the sweeper to send the job');
    await worker.drain();
    expect(await worker.sweep()).toBe(0);
    expect(runs).toEqual([id]);
    expect(await a.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('a message sent by both the writer and the sweeper runs the job once', async () => {
    const clock = manualClock();
    const runs: string[] = [];
    const writer = create({ db: a.db, clock, sweepGraceMs: 0 });
    const worker = create({ db: b.db, clock, sweepGraceMs: 0 });
    worker.handle('notify', async (job) => {
      runs.push(job.id);
    });
    writer.handle('notify', async () => {
      throw new Error('the writer process runs no jobs');
    });
    const ids = await enqueueJobs(
      a.db,
      Array.from({ length: 50 }, (_, n) => ({ kind: 'notify' as const, payload: { n } })),
      clock.now(),
    );
    writer.notify(ids);
    writer.notify(ids);
    await worker.sweep();
    await worker.drain();
    expect(runs.sort()).toEqual([...ids].sort());
  });

  it('a delayed job waits in Redis until its time on the wall clock', async () => {
    const runAt = Date.now() + 400;
    const ran = signal<number>();
    const worker = create({ db: b.db, clock: systemClock });
    worker.handle('digest', async () => {
      ran.resolve(Date.now());
    });
    worker.start();
    worker.notify(await enqueueJobs(a.db, [{ kind: 'digest', payload: {}, runAt }], Date.now()));
    expect(await within(ran.promise, 10_000, 'the delayed job')).toBeGreaterThanOrEqual(runAt);
  });
});
