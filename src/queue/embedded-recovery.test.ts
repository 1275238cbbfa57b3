import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryRow, insertNotificationWithDeliveries } from '../delivery/test-fixtures.js';
import { openStore, type Store } from '../store/store.js';
import { type ProcessIdentity, recoverAbandonedWork, thisProcess } from './embedded-recovery.js';

const NOW = 1_800_000_000_000;

/** A process that ran and exited: its pid names nobody now. */
function deadProcess(): ProcessIdentity {
  const ran = spawnSync(process.execPath, ['-e', '']);
  return { pid: ran.pid ?? 0, startTicks: null };
}

describe('taking back the work of a killed embedded process', () => {
  let store: Store;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
    const db = store.db;
    const at = { created_at: NOW - 5000, updated_at: NOW - 5000, attempts: 1 };
    await insertNotificationWithDeliveries(db, [
      deliveryRow({ ...at, id: 'dlv_cut', recipient_id: 'dlv_cut', status: 'sending' }),
      deliveryRow({ ...at, id: 'dlv_done', recipient_id: 'dlv_done', status: 'sent', sent_at: NOW - 4000 }),
    ]);
    const job = (id: string, lockedBy: string | null) => ({
      id,
      kind: 'deliver',
      payload: '{}',
      run_at: NOW - 5000,
      attempts: lockedBy ? 1 : 0,
      locked_until: lockedBy ? NOW + 55_000 : null,
      locked_by: lockedBy,
      last_error: null,
      created_at: NOW - 5000,
    });
    await db
      .insertInto('jobs')
      .values([job('job_claimed', 'wrk_gone'), job('job_queued', null)])
      .execute();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await store.close();
  });

  const recordWorkers = (workers: ProcessIdentity[]) =>
    store.db
      .insertInto('instance_settings')
      .values({ key: 'embedded_workers', value: JSON.stringify(workers) })
      .execute();
  const jobs = () =>
    store.db.selectFrom('jobs').select(['id', 'locked_by', 'locked_until']).orderBy('id').execute();
  const deliveries = () =>
    store.db
      .selectFrom('deliveries')
      .select(['id', 'status', 'next_attempt_at', 'last_error'])
      .orderBy('id')
      .execute();

  it('frees the jobs a dead worker claimed and makes its cut-off sends due again, at once', async () => {
    await recordWorkers([deadProcess()]);
    const recovery = await recoverAbandonedWork(store.db, NOW);
    expect(recovery).toEqual({ recovered: true, liveWorkers: [], jobs: 1, deliveries: 1 });
    expect(await jobs()).toEqual([
      { id: 'job_claimed', locked_by: null, locked_until: null },
      { id: 'job_queued', locked_by: null, locked_until: null },
    ]);
    expect(await deliveries()).toEqual([
      {
        id: 'dlv_cut',
        status: 'failed',
        next_attempt_at: NOW,
        last_error: 'interrupted: Herald stopped during the send',
      },
      { id: 'dlv_done', status: 'sent', next_attempt_at: null, last_error: null },
    ]);
    // This process is now the file's one worker.
    const again = await recoverAbandonedWork(store.db, NOW + 1);
    expect(again).toEqual({ recovered: false, liveWorkers: [], jobs: 0, deliveries: 0 });
  });

  it('touches nothing while another worker of the file still runs', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    children.push(other);
    const live: ProcessIdentity = { pid: other.pid!, startTicks: null };
    await recordWorkers([live, deadProcess()]);
    const recovery = await recoverAbandonedWork(store.db, NOW);
    expect(recovery).toEqual({ recovered: false, liveWorkers: [live], jobs: 0, deliveries: 0 });
    expect((await jobs())[0]).toEqual({
      id: 'job_claimed',
      locked_by: 'wrk_gone',
      locked_until: NOW + 55_000,
    });
    expect((await deliveries())[0]?.status).toBe('sending');
  });

  it.skipIf(process.platform !== 'linux')(
    'a pid taken by a later process does not pass for the worker that had it',
    async () => {
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      children.push(other);
      const started = thisProcess().startTicks!;
      await recordWorkers([{ pid: other.pid!, startTicks: started - 1 }]);
      const recovery = await recoverAbandonedWork(store.db, NOW);
      expect(recovery.recovered).toBe(true);
      expect((await deliveries())[0]?.status).toBe('failed');
    },
  );

  it('the first start of a file takes nothing back', async () => {
    const recovery = await recoverAbandonedWork(store.db, NOW);
    expect(recovery).toEqual({ recovered: false, liveWorkers: [], jobs: 0, deliveries: 0 });
    expect((await jobs())[0]?.locked_by).toBe('wrk_gone');
  });
});
