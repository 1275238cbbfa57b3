import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Database } from '../store/schema.js';
import type { Job, JobHandler, JobKind, Queue } from './queue.js';

/** Options of the database-backed queue. */
export interface SqlQueueOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jobs run at once by this process. Default 16 (deliveries wait on the network). */
  readonly concurrency?: number;
  /** How often to look for due jobs when nobody calls `notify`. Default 250 ms. */
  readonly pollMs?: number;
  /** How long a claim holds before another worker may take the job over. Default 60 s. */
  readonly leaseMs?: number;
}

/** Delay before a failed job runs again: exponential, capped at an hour. */
function retryDelay(attempts: number): number {
  return Math.min(3_600_000, 1_000 * 2 ** Math.min(attempts, 12));
}

/**
 * The job table as a queue, on SQLite or PostgreSQL: jobs are written in the same transaction as the rows
 * they act on, claimed with a compare-and-set lease, deleted when done, retried with backoff when their
 * handler throws. A worker that dies leaves its lease to expire and another takes the job over.
 */
export function sqlQueue(options: SqlQueueOptions): Queue & { readonly workerId: string } {
  const { db, clock, logger } = options;
  const concurrency = options.concurrency ?? 16;
  const pollMs = options.pollMs ?? 250;
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = newId('wrk');
  const handlers = new Map<JobKind, JobHandler>();
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let polling: Promise<number> | null = null;
  let again = false;

  async function claim(limit: number): Promise<Job[]> {
    const now = clock.now();
    const due = await db
      .selectFrom('jobs')
      .select(['id', 'kind', 'payload', 'attempts', 'run_at'])
      .where('run_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .where('kind', 'in', [...handlers.keys()])
      .orderBy('run_at')
      .limit(limit)
      .execute();
    const claimed: Job[] = [];
    for (const row of due) {
      const result = await db
        .updateTable('jobs')
        .set({ locked_until: now + leaseMs, locked_by: workerId, attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .where('attempts', '=', row.attempts)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        claimed.push({
          id: row.id,
          kind: row.kind as JobKind,
          payload: JSON.parse(row.payload) as Record<string, unknown>,
          attempts: row.attempts,
          runAt: row.run_at,
        });
      }
    }
    return claimed;
  }

  async function run(job: Job): Promise<void> {
    const handler = handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
      await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', workerId).execute();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn(
        { err: error, jobId: job.id, kind: job.kind, attempts: job.attempts + 1 },
        'job failed; will retry',
      );
      await db
        .updateTable('jobs')
        .set({
          run_at: clock.now() + retryDelay(job.attempts),
          locked_until: null,
          locked_by: null,
          last_error: message.slice(0, 1000),
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .execute()
        .catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not release a failed job'));
    }
  }

  /** Claims what fits in the free slots and starts it; returns how many were started. */
  async function pollOnce(): Promise<number> {
    const free = concurrency - running.size;
    if (free <= 0 || handlers.size === 0) return 0;
    const jobs = await claim(free);
    for (const job of jobs) {
      const task: Promise<void> = run(job).finally(() => {
        running.delete(task);
        if (started) wake();
      });
      running.add(task);
    }
    return jobs.length;
  }

  function poll(): Promise<number> {
    if (polling) {
      again = true;
      return polling;
    }
    polling = pollOnce()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'queue poll failed');
        return 0;
      })
      .finally(() => {
        polling = null;
        if (again && started) {
          again = false;
          wake();
        }
      });
    return polling;
  }

  function wake(): void {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, 0);
  }

  function tick(): void {
    timer = null;
    void poll().then((n) => {
      if (started && !timer) timer = setTimeout(tick, n > 0 ? 0 : pollMs);
    });
  }

  return {
    workerId,
    notify() {
      wake();
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    start() {
      if (started) return;
      started = true;
      wake();
    },
    async stop(graceMs = 10_000) {
      started = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await polling;
      const all = Promise.allSettled([...running]);
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
    async drain() {
      for (let round = 0; round < 10_000; round++) {
        const started = await poll();
        if (running.size > 0) await Promise.allSettled([...running]);
        else if (started === 0) return;
      }
      throw new Error('queue did not drain after 10,000 rounds');
    },
  };
}
