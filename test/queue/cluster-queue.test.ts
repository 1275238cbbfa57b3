import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { enqueueJobs, type Queue } from '../../src/queue/queue.js';
import { queueConformance, signal, within } from '../../src/queue/queue-conformance.js';
import { type Doorbell, redisDoorbell } from '../../src/queue/redis-doorbell.js';
import { type SqlQueueOptions, sqlQueue } from '../../src/queue/sql-queue.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE, TEST_REDIS_URL } from '../helpers/profile.js';
import { dropRedisPrefix, freshRedisPrefix, SKIP_REDIS } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });

/** Long enough that a job run within a test's wait was not found by a poll. */
const NEVER_MS = 600_000;

describe.skipIf(SKIP_PROFILE || SKIP_REDIS)('job table with a Redis doorbell (cluster queue)', () => {
  const prefix = freshRedisPrefix();
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  const open: { stop(graceMs?: number): Promise<void> }[] = [];
  const bells: Doorbell[] = [];

  function doorbell(redisUrl = TEST_REDIS_URL): Doorbell {
    const bell = redisDoorbell({ redisUrl, prefix, logger: silent });
    bells.push(bell);
    return bell;
  }

  function create(options: Partial<SqlQueueOptions> & Pick<SqlQueueOptions, 'db'>): Queue {
    const queue = sqlQueue({ clock: manualClock(), logger: silent, doorbell: doorbell(), ...options });
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
    await Promise.all(bells.splice(0).map((bell) => bell.close()));
    await a.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await dropRedisPrefix(prefix);
  });

  queueConformance('job table with a Redis doorbell', () => ({
    dbs: [a.db, b.db],
    create: (db, clock, options = {}) => create({ db, clock, pollMs: 50, ...options }),
  }));

  it('a ring reaches the other processes once per turn, not the ringing one', async () => {
    const here = doorbell();
    const there = doorbell();
    const heard = { here: 0, there: 0 };
    await here.listen(() => heard.here++);
    await there.listen(() => heard.there++);
    const rung = signal();
    await there.listen(() => rung.resolve());
    here.ring();
    here.ring();
    here.ring();
    await within(rung.promise, 5_000, 'the ring to reach the other process');
    // Anything else on its way would arrive before a second message sent now.
    const after = signal();
    await here.listen(() => after.resolve());
    there.ring();
    await within(after.promise, 5_000, 'the answering ring');
    expect(heard).toEqual({ here: 1, there: 1 });
  });

  it("another process's commit wakes an idle worker at once, not at its next poll", async () => {
    const clock = manualClock();
    const ran = signal<string>();
    const worker = create({ db: b.db, clock, pollMs: NEVER_MS });
    worker.handle('notify', async (job) => ran.resolve(job.id));
    worker.start();
    // Its first poll is over (found nothing) before the job is written; the next is minutes away.
    await worker.drain();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The API process writes and rings; it runs no workers itself.
    const api = create({ db: a.db, clock, pollMs: NEVER_MS });
    const [id] = await enqueueJobs(a.db, [{ kind: 'notify', payload: {} }], clock.now());
    // Rung until heard: the worker subscribes as it starts, and a ring before that is lost (as one is
    // when Redis is down), which the next test covers.
    const ringing = setInterval(() => api.notify([id!]), 100);
    try {
      expect(await within(ran.promise, 10_000, 'the rung job to run')).toBe(id);
    } finally {
      clearInterval(ringing);
    }
  });

  it('with Redis unreachable, jobs committed while a worker waits are run by its poll, once', async () => {
    const clock = manualClock();
    const runs: string[] = [];
    const two = signal();
    const dead = 'redis://127.0.0.1:1';
    const worker = create({ db: b.db, clock, pollMs: 100, doorbell: doorbell(dead) });
    worker.handle('notify', async (job) => {
      runs.push(job.id);
      if (runs.length === 2) two.resolve();
    });
    worker.start();
    const api = create({ db: a.db, clock, pollMs: NEVER_MS, doorbell: doorbell(dead) });
    const first = await enqueueJobs(a.db, [{ kind: 'notify', payload: { n: 1 } }], clock.now());
    api.notify(first);
    // A commit whose process died before it could ring.
    const second = await enqueueJobs(a.db, [{ kind: 'notify', payload: { n: 2 } }], clock.now());
    await within(two.promise, 10_000, 'both jobs to be found by the poll');
    await worker.drain();
    expect(runs.sort()).toEqual([...first, ...second].sort());
  });
});
