import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimJobById } from '../../src/queue/job-rows.js';
import { enqueueJobs } from '../../src/queue/queue.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const NOW = 1_800_000_000_000;
const lease = (workerId: string) => ({ workerId, leaseMs: 60_000 });

/** A broker message names a job row: the worker takes it in one statement, or says why it cannot. */
describe.skipIf(SKIP_PROFILE)('claiming the job a message names', () => {
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

  it('takes a due, free row: locked for the worker, due again when its lease ends, one attempt counted', async () => {
    await enqueueJobs(store.db, [{ id: 'job_due', kind: 'deliver', payload: { deliveryId: 'dlv_1' } }], NOW);
    const claim = await claimJobById(store.db, 'job_due', lease('w1'), NOW + 5);
    // The job as it was written; it was due at the latest when claimed.
    expect(claim).toEqual({
      status: 'claimed',
      job: { id: 'job_due', kind: 'deliver', payload: { deliveryId: 'dlv_1' }, attempts: 0, runAt: NOW + 5 },
    });
    expect(await row('job_due')).toMatchObject({
      locked_by: 'w1',
      locked_until: NOW + 5 + 60_000,
      run_at: NOW + 5 + 60_000,
      attempts: 1,
    });
  });

  it('a row held under a live lease is busy; once the lease ended another worker takes it', async () => {
    await enqueueJobs(store.db, [{ id: 'job_held', kind: 'deliver', payload: {} }], NOW);
    expect((await claimJobById(store.db, 'job_held', lease('w1'), NOW)).status).toBe('claimed');
    expect(await claimJobById(store.db, 'job_held', lease('w2'), NOW + 59_999)).toEqual({ status: 'busy' });
    const late = await claimJobById(store.db, 'job_held', lease('w2'), NOW + 60_001);
    expect(late).toMatchObject({ status: 'claimed', job: { attempts: 1 } });
    expect(await row('job_held')).toMatchObject({ locked_by: 'w2', attempts: 2 });
  });

  it('an early message finds the row later, and a stale one finds it gone; neither changes anything', async () => {
    await enqueueJobs(store.db, [{ id: 'job_later', kind: 'digest', payload: {}, runAt: NOW + 30_000 }], NOW);
    expect(await claimJobById(store.db, 'job_later', lease('w1'), NOW)).toEqual({
      status: 'later',
      runAt: NOW + 30_000,
    });
    expect(await row('job_later')).toMatchObject({ locked_by: null, locked_until: null, attempts: 0 });
    expect(await claimJobById(store.db, 'job_missing', lease('w1'), NOW)).toEqual({ status: 'gone' });
  });

  it('of two workers racing for one row, exactly one takes it', async () => {
    await enqueueJobs(store.db, [{ id: 'job_race', kind: 'deliver', payload: {} }], NOW);
    const other = await database.open();
    try {
      const claims = await Promise.all([
        claimJobById(store.db, 'job_race', lease('w1'), NOW),
        claimJobById(other.db, 'job_race', lease('w2'), NOW),
      ]);
      expect(claims.map((c) => c.status).sort()).toEqual(['busy', 'claimed']);
      expect((await row('job_race')).attempts).toBe(1);
    } finally {
      await other.close();
    }
  });
});
