import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { enqueueJobs, type JobInput } from '../../src/queue/queue.js';
import { sqlQueue, VACUUM_AFTER_JOBS, VACUUM_EVERY_MS, vacuumJobs } from '../../src/queue/sql-queue.js';
import type { Store } from '../../src/store/store.js';
import { PROFILE, SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });

/**
 * On PostgreSQL a finished job leaves dead row versions in the job table, which every poll reads until a
 * vacuum clears them; the queue vacuums the table as its jobs finish, not more often than it must.
 */
describe.skipIf(SKIP_PROFILE)('vacuuming the job table', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await database.open();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const digests = (count: number, from: number): JobInput[] =>
    Array.from({ length: count }, (_, i) => ({
      id: `job_v_${from + i}`,
      kind: 'digest' as const,
      payload: { n: from + i },
    }));

  /** Runs `count` jobs through the queue and waits until they are all done. */
  async function runJobs(queue: ReturnType<typeof sqlQueue>, count: number, from: number) {
    await enqueueJobs(store.db, digests(count, from), 0);
    await queue.drain();
  }

  it('vacuums after every few hundred finished jobs, at most once in its interval', async () => {
    const clock = manualClock('2026-03-01T10:00:00Z');
    let vacuums = 0;
    const queue = sqlQueue({
      db: store.db,
      clock,
      logger: silent,
      vacuum: async () => {
        vacuums++;
      },
    });
    queue.handle('digest', async () => {});
    await runJobs(queue, VACUUM_AFTER_JOBS - 1, 0);
    expect(vacuums).toBe(0);
    await runJobs(queue, 1, VACUUM_AFTER_JOBS);
    expect(vacuums).toBe(1);
    // As many again within the interval: not yet.
    await runJobs(queue, VACUUM_AFTER_JOBS, 2 * VACUUM_AFTER_JOBS);
    expect(vacuums).toBe(1);
    clock.advance(VACUUM_EVERY_MS);
    await runJobs(queue, 1, 3 * VACUUM_AFTER_JOBS);
    expect(vacuums).toBe(2);
    await queue.stop(1000);
  });

  it('a vacuum that fails is logged and tried again later; jobs go on', async () => {
    const clock = manualClock('2026-03-01T10:00:00Z');
    let tries = 0;
    const warned: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warned.push(JSON.parse(line).msg) });
    const queue = sqlQueue({
      db: store.db,
      clock,
      logger,
      vacuum: async () => {
        tries++;
        throw new Error('Connection terminated unexpectedly');
      },
    });
    let ran = 0;
    queue.handle('digest', async () => {
      ran++;
    });
    await runJobs(queue, VACUUM_AFTER_JOBS, 10_000);
    clock.advance(VACUUM_EVERY_MS);
    await runJobs(queue, VACUUM_AFTER_JOBS, 20_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(2 * VACUUM_AFTER_JOBS);
    expect(tries).toBe(2);
    // Said once, not at every try.
    expect(warned).toEqual(['could not vacuum the job table']);
    await queue.stop(1000);
  });

  it.skipIf(PROFILE !== 'postgres')('vacuumJobs vacuums the job table of the schema in use', async () => {
    const count = async () =>
      Number(
        (
          await sql<{ n: number }>`select vacuum_count as n from pg_stat_user_tables
            where relname = 'jobs' and schemaname = current_schema()`.execute(store.db)
        ).rows[0]?.n ?? 0,
      );
    const before = await count();
    await vacuumJobs(store.db);
    expect(await count()).toBe(before + 1);
  });
});
