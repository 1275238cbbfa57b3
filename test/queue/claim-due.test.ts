import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dueJobsClaimer } from '../../src/queue/job-rows.js';
import { enqueueJobs } from '../../src/queue/queue.js';
import type { Store } from '../../src/store/store.js';
import { countingDb } from '../helpers/counting-db.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const NOW = 1_800_000_000_000;
const lease = (workerId: string) => ({ workerId, leaseMs: 60_000 });

/** A worker's poll takes the due rows no live lease holds, each for one worker only. */
describe.skipIf(SKIP_PROFILE)('claiming due jobs', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await database.open();
  });
  afterEach(() => store.db.deleteFrom('jobs').execute());
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const row = (id: string) =>
    store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const claim = (workerId: string, now: number, db = store.db) =>
    dueJobsClaimer(db, lease(workerId))({ now, kinds: ['deliver', 'digest', 'notify'], limit: 100 });

  it('takes a due, free row: locked for the worker, due again when its lease ends, one attempt counted', async () => {
    await enqueueJobs(store.db, [{ id: 'job_due', kind: 'deliver', payload: { deliveryId: 'dlv_1' } }], NOW);
    // The job as it was written, with the time it was due.
    expect(await claim('w1', NOW + 5)).toEqual([
      { id: 'job_due', kind: 'deliver', payload: { deliveryId: 'dlv_1' }, attempts: 0, runAt: NOW },
    ]);
    expect(await row('job_due')).toMatchObject({
      locked_by: 'w1',
      locked_until: NOW + 5 + 60_000,
      run_at: NOW + 5 + 60_000,
      attempts: 1,
    });
  });

  it('a row held under a live lease is left alone; once the lease ended another worker takes it', async () => {
    await enqueueJobs(store.db, [{ id: 'job_held', kind: 'deliver', payload: {} }], NOW);
    expect(await claim('w1', NOW)).toHaveLength(1);
    expect(await claim('w2', NOW + 59_999)).toEqual([]);
    expect(await claim('w2', NOW + 60_001)).toMatchObject([{ id: 'job_held', attempts: 1 }]);
    expect(await row('job_held')).toMatchObject({ locked_by: 'w2', attempts: 2 });
  });

  it('a row not yet due is neither taken nor changed', async () => {
    await enqueueJobs(store.db, [{ id: 'job_later', kind: 'digest', payload: {}, runAt: NOW + 30_000 }], NOW);
    expect(await claim('w1', NOW)).toEqual([]);
    expect(await row('job_later')).toMatchObject({ locked_by: null, locked_until: null, attempts: 0 });
    expect(await claim('w1', NOW + 30_000)).toMatchObject([{ id: 'job_later', runAt: NOW + 30_000 }]);
  });

  it('later stages first, each oldest first, read with one statement', async () => {
    const at = (kind: 'evaluate-event' | 'notify' | 'deliver' | 'digest', runAt: number) => ({
      id: `${kind}_${runAt}`,
      kind,
      payload: {},
      runAt,
    });
    await enqueueJobs(
      store.db,
      [
        at('evaluate-event', 1),
        at('digest', 2),
        at('notify', 3),
        at('deliver', 5),
        at('deliver', 4),
        at('evaluate-event', 0),
        at('notify', NOW + 1),
      ],
      NOW,
    );
    const kinds = ['deliver', 'digest', 'notify', 'evaluate-event'] as const;
    const reads: string[] = [];
    const db = countingDb(store.db, (query) => {
      if (/^select/i.test(query.sql)) reads.push(query.sql);
    });
    const claim = dueJobsClaimer(db, lease('w1'));
    const order = async (limit: number) => (await claim({ now: NOW, kinds, limit })).map((job) => job.id);
    expect(await order(3)).toEqual(['deliver_4', 'deliver_5', 'notify_3']);
    // Every stage in one read, then the claim.
    expect(reads).toHaveLength(1);
    expect(await order(10)).toEqual(['digest_2', 'evaluate-event_0', 'evaluate-event_1']);
  });

  it('of two workers polling at once, each row goes to exactly one', async () => {
    const ids = await enqueueJobs(
      store.db,
      Array.from({ length: 50 }, (_, n) => ({ kind: 'notify' as const, payload: { n } })),
      NOW,
    );
    const other = await database.open();
    try {
      const [first, second] = await Promise.all([claim('w1', NOW), claim('w2', NOW, other.db)]);
      const taken = [...first!, ...second!].map((job) => job.id);
      expect(taken.sort()).toEqual([...ids].sort());
      const rows = await store.db.selectFrom('jobs').select(['id', 'locked_by', 'attempts']).execute();
      const owner = (id: string) => (first!.some((job) => job.id === id) ? 'w1' : 'w2');
      expect(rows.every((r) => r.locked_by === owner(r.id) && r.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
