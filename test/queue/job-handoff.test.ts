import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, systemClock } from '../../src/clock.js';
import { type Job, type JobInput, writeJobs } from '../../src/queue/queue.js';
import { within } from '../../src/queue/queue-conformance.js';
import { sqlQueue } from '../../src/queue/sql-queue.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });
/** Long enough that no timer poll happens during a test: whatever runs was handed over or announced. */
const NEVER_POLL = 3_600_000;

describe.skipIf(SKIP_PROFILE)('jobs handed over in reserved slots', () => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await database.open();
    b = await database.open();
  });
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await a.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  function started(concurrency: number) {
    const queue = sqlQueue({ db: a.db, clock: systemClock, logger: silent, pollMs: NEVER_POLL, concurrency });
    const ran: string[] = [];
    queue.handle('digest', async (job) => {
      ran.push(String(job.payload.n));
    });
    queue.start();
    stops.push(() => queue.stop(1000));
    return { queue, ran };
  }

  /** Lets the poll a start makes find the table empty, so later jobs run only when handed over or announced. */
  const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

  /** Resolves once `ran` holds `count` entries. */
  const ranAll = (ran: readonly string[], count: number, what: string) =>
    within(
      (async () => {
        while (ran.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      5000,
      what,
    );

  const digests = (count: number): JobInput[] =>
    Array.from({ length: count }, (_, n) => ({ kind: 'digest' as const, payload: { n } }));

  it('runs the jobs written claimed in its free slots once committed, without reading the table', async () => {
    const { queue, ran } = started(2);
    await settled();
    const handoff = queue.handoff!;
    const slots = handoff.reserve(5);
    expect(slots.count).toBe(2);
    const written = await a.db
      .transaction()
      .execute((trx) => writeJobs(trx, digests(5), Date.now(), handoff, slots.count));
    expect(written.handed.map((job) => job.payload.n)).toEqual([0, 1]);
    expect(written.queued).toHaveLength(3);
    slots.start(written.handed);
    await ranAll(ran, 2, 'the handed-over jobs');
    // The three queued jobs wait for their announcement: nothing polled the table for them.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran.sort()).toEqual(['0', '1']);
    queue.notify(written.queued);
    await ranAll(ran, 5, 'the announced jobs');
    expect(ran.sort()).toEqual(['0', '1', '2', '3', '4']);
    // Finished jobs are deleted a moment after their handlers return.
    await within(
      (async () => {
        while ((await a.db.selectFrom('jobs').select('id').execute()).length > 0)
          await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      5000,
      'the finished jobs to be deleted',
    );
  });

  it('hands over only the jobs it wrote: one whose id exists is left to its holder, alone or among others', async () => {
    const { queue, ran } = started(4);
    await settled();
    const handoff = queue.handoff!;
    const job = (id: string, n: number): JobInput => ({ id, kind: 'digest', payload: { n } });
    // Written and not announced: no poll runs it during the test.
    await a.db.transaction().execute((trx) => writeJobs(trx, [job('job_held', 0)], Date.now(), undefined));
    const handOver = async (jobs: JobInput[]) => {
      const slots = handoff.reserve(jobs.length);
      const written = await a.db
        .transaction()
        .execute((trx) => writeJobs(trx, jobs, Date.now(), handoff, slots.count));
      slots.start(written.handed);
      return written.handed.map((handed) => handed.id);
    };
    expect(await handOver([job('job_held', 1)])).toEqual([]);
    expect(await handOver([job('job_held', 2), job('job_new', 3)])).toEqual(['job_new']);
    expect(await handOver([job('job_fresh', 4)])).toEqual(['job_fresh']);
    await ranAll(ran, 2, 'the jobs handed over');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran.sort()).toEqual(['3', '4']);
    const held = await a.db
      .selectFrom('jobs')
      .select(['id', 'locked_by'])
      .where('id', '=', 'job_held')
      .execute();
    expect(held).toEqual([{ id: 'job_held', locked_by: null }]);
  });

  it('holds no more slots than are free, and frees them when the transaction fails', async () => {
    const { queue } = started(3);
    await settled();
    const handoff = queue.handoff!;
    const first = handoff.reserve(2);
    expect(first.count).toBe(2);
    expect(handoff.reserve(5).count).toBe(1);
    expect(handoff.reserve(1).count).toBe(0);

    await expect(
      a.db.transaction().execute(async (trx) => {
        await writeJobs(trx, digests(2), Date.now(), handoff, first.count);
        throw new Error('the transaction fails');
      }),
    ).rejects.toThrow('the transaction fails');
    first.start([]);
    first.start([]);
    expect(await a.db.selectFrom('jobs').select('id').execute()).toEqual([]);
    expect(handoff.reserve(5).count).toBe(2);
  });

  it('keeps half its slots for queued jobs that may be waiting, so new work never takes them all', async () => {
    const { queue, ran } = started(4);
    await settled();
    const ids = await a.db.transaction().execute((trx) => writeJobs(trx, digests(1), Date.now(), undefined));
    queue.notify(ids.queued);
    const held = queue.handoff!.reserve(4);
    expect(held.count).toBe(2);
    expect(queue.handoff!.reserve(4).count).toBe(0);
    held.start([]);
    await ranAll(ran, 1, 'the queued job');
    // The poll that found it found nothing more: every slot is offered again.
    await settled();
    expect(queue.handoff!.reserve(4).count).toBe(4);
  });

  it('a stopped worker offers no slot: the jobs are queued as usual', async () => {
    const queue = sqlQueue({ db: a.db, clock: systemClock, logger: silent, pollMs: NEVER_POLL });
    const slots = queue.handoff!.reserve(4);
    expect(slots.count).toBe(0);
    const written = await a.db
      .transaction()
      .execute((trx) => writeJobs(trx, digests(2), Date.now(), queue.handoff, slots.count));
    expect(written.handed).toEqual([]);
    expect(written.queued).toHaveLength(2);
  });

  it('jobs handed to a worker that died are taken over by another when their lease ends', async () => {
    const clock = manualClock();
    const dying = sqlQueue({ db: a.db, clock, logger: silent, pollMs: NEVER_POLL, leaseMs: 30_000 });
    dying.handle('digest', async () => undefined);
    dying.start();
    await settled();
    const slots = dying.handoff!.reserve(2);
    let handed: readonly Job[] = [];
    await a.db.transaction().execute(async (trx) => {
      handed = (await writeJobs(trx, digests(2), clock.now(), dying.handoff, slots.count)).handed;
    });
    expect(handed).toHaveLength(2);
    // The process dies between the commit and starting the jobs.
    await dying.stop(0);

    const ran: string[] = [];
    const heir = sqlQueue({ db: b.db, clock, logger: silent, pollMs: NEVER_POLL });
    heir.handle('digest', async (job) => {
      ran.push(`${job.payload.n}:${job.attempts}`);
    });
    await heir.drain();
    expect(ran).toEqual([]);
    clock.advance(30_001);
    await heir.drain();
    expect(ran.sort()).toEqual(['0:1', '1:1']);
    expect(await a.db.selectFrom('jobs').select('id').execute()).toEqual([]);
  });
});
