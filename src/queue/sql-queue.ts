import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Database } from '../store/schema.js';
import { dueJobsClaimer, jobCompleter, renewLeases, runClaimedJob } from './job-rows.js';
import {
  DEFAULT_CONCURRENCY,
  type Job,
  type JobHandler,
  type JobKind,
  NO_SLOTS,
  type Queue,
} from './queue.js';
import type { Doorbell } from './redis-doorbell.js';

/** Options of the database-backed queue. */
export interface SqlQueueOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jobs run at once by this process. Default {@link DEFAULT_CONCURRENCY}. */
  readonly concurrency?: number;
  /** How often to look for due jobs when nobody calls `notify`. Default 250 ms. */
  readonly pollMs?: number;
  /**
   * How long a claim holds before another worker may take the job over (a worker that died); renewed
   * every third of it while the job runs, so a slow handler is not taken over. Default 60 s.
   */
  readonly leaseMs?: number;
  /**
   * Wakes the workers of other processes sharing the table (cluster profile): rung on `notify`,
   * listened to while started. Without it only this process's workers are woken; others find the jobs
   * at their next poll.
   */
  readonly doorbell?: Doorbell;
  /**
   * Clears the row versions finished jobs leave in the table (PostgreSQL: {@link vacuumJobs}), run after
   * every {@link VACUUM_AFTER_JOBS} jobs this process finished, at most every {@link VACUUM_EVERY_MS}.
   */
  readonly vacuum?: () => Promise<void>;
}

/** Finished jobs after which the table is vacuumed (see SqlQueueOptions.vacuum). */
export const VACUUM_AFTER_JOBS = 500;
/** The least time between two vacuums of one process. */
export const VACUUM_EVERY_MS = 2_000;

/**
 * Vacuums the job table on PostgreSQL, skipping the run when another process is vacuuming it (and, with
 * a warning of PostgreSQL's, when the role does not own the table). A job's row is written, claimed (an
 * update: a new version, and new index entries, since the claim moves its due time) and deleted within a
 * second or two, and until a vacuum the old versions stay in the `jobs_kind_due` index among the due
 * rows: every poll read them all and the table's rows to find them dead. Autovacuum visits a database
 * once a minute at most (its default naptime). In the cluster at 500 events/s, polls fetched 6.4 million
 * row versions in 20 s; vacuumed every 2 s, 46,000, and ingest→delivered p50 / p99 went from 31.4 / 93.7
 * to 16.9 / 51.8 ms, a burst from 1,795 to 2,122 deliveries/s (`bench/run.ts --only=latency,cluster
 * --rates=500`, the vacuum run beside it from the bench).
 */
export async function vacuumJobs(db: Kysely<Database>): Promise<void> {
  await sql`vacuum (skip_locked) jobs`.execute(db);
}

/**
 * The job table as a queue, on SQLite or PostgreSQL: jobs are written in the same transaction as the rows
 * they act on, claimed a batch at a time with a conditional lease (later pipeline stages first), deleted
 * when done, retried with backoff when their handler throws. A worker that dies leaves its lease to expire
 * and another takes the job over. With a doorbell (cluster profile) a commit in one process wakes the
 * workers of all; without, other processes find the jobs at their next poll.
 */
export function sqlQueue(options: SqlQueueOptions): Queue & { readonly workerId: string } {
  const { db, clock, logger } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pollMs = options.pollMs ?? 250;
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = newId('wrk');
  const lease = { workerId, leaseMs };
  const complete = jobCompleter(db, lease, logger);
  const claimDue = dueJobsClaimer(db, lease);
  // A finished job frees a slot; claiming for every single slot would cost a read and an update per job
  // when the queue is busy. Slots are refilled a quarter of the concurrency at a time, or whenever the
  // last job ends; the poll timer still fills any free slot.
  const refillAt = Math.max(1, Math.floor(concurrency / 4));
  // Slots a hand-over leaves free while queued work may be waiting (see `reserve`).
  const keptForQueued = Math.ceil(concurrency / 2);
  const handlers = new Map<JobKind, JobHandler>();
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let renewTimer: NodeJS.Timeout | null = null;
  /** Ids of the jobs running here, whose leases are renewed. */
  const held = new Set<string>();
  let started = false;
  let polling: Promise<number> | null = null;
  let again = false;
  // Whether a poll may find due work: set when jobs are announced and when a poll filled every free
  // slot (more may wait), cleared when a poll found fewer than it asked for. A finished job refills its
  // slot only while it is set, so a queue fed by hand-overs does not read the table after every job;
  // delayed jobs and expired leases are found by the timer's poll.
  let maybeDue = true;
  let announced = 0;
  /** Slots held for jobs being written claimed by work outside the queue (see JobHandoff.reserve). */
  let reserved = 0;
  /** Jobs finished since the last vacuum, when it began, and whether one runs (see options.vacuum). */
  let finishedSinceVacuum = 0;
  let lastVacuumAt = Number.NEGATIVE_INFINITY;
  let vacuuming = false;
  let vacuumFailed = false;

  function claim(limit: number): Promise<Job[]> {
    return claimDue({ now: clock.now(), kinds: [...handlers.keys()], limit });
  }

  async function run(job: Job): Promise<void> {
    held.add(job.id);
    try {
      await runClaimedJob(db, job, handlers.get(job.kind), {
        lease,
        now: () => clock.now(),
        logger,
        complete,
      });
    } finally {
      held.delete(job.id);
      finishedSinceVacuum++;
      vacuumWhenDue();
    }
  }

  function vacuumWhenDue(): void {
    const vacuum = options.vacuum;
    if (!vacuum || vacuuming || finishedSinceVacuum < VACUUM_AFTER_JOBS) return;
    const now = clock.now();
    if (now - lastVacuumAt < VACUUM_EVERY_MS) return;
    vacuuming = true;
    lastVacuumAt = now;
    finishedSinceVacuum = 0;
    vacuum()
      .catch((err: unknown) => {
        // Said once (a database that keeps failing it would be told every few seconds); tried again.
        logger[vacuumFailed ? 'debug' : 'warn']({ err }, 'could not vacuum the job table');
        vacuumFailed = true;
      })
      .finally(() => {
        vacuuming = false;
      });
  }

  function renew(): void {
    renewLeases(db, [...held], lease, clock.now()).catch((err: unknown) =>
      logger.warn({ err }, 'could not renew job leases'),
    );
  }

  /** Runs a claimed job in a slot; a finished job refills slots when more may be due. */
  function startJob(job: Job): void {
    const task: Promise<void> = run(job).finally(() => {
      running.delete(task);
      if (!started || !maybeDue) return;
      if (concurrency - running.size - reserved >= refillAt || running.size === 0) wake();
    });
    running.add(task);
  }

  /** Claims what fits in the free slots and starts it; returns how many were started. */
  async function pollOnce(): Promise<number> {
    const free = concurrency - running.size - reserved;
    if (free <= 0 || handlers.size === 0) return 0;
    const seen = announced;
    const jobs = await claim(free);
    maybeDue = jobs.length >= free || announced !== seen;
    for (const job of jobs) startJob(job);
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

  /** Jobs were committed: a poll may find them. */
  function announce(): void {
    announced++;
    maybeDue = true;
    wake();
  }

  function wake(): void {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, 0);
  }

  function tick(): void {
    timer = null;
    void poll().then((n) => {
      if (started && !timer) timer = setTimeout(tick, n > 0 && maybeDue ? 0 : pollMs);
    });
  }

  return {
    workerId,
    handoff: {
      lease,
      async run(jobs) {
        await Promise.all(jobs.map((job) => run(job)));
      },
      reserve(limit) {
        // While work may wait in the table (retries, further deliveries), half the slots stay for the poll
        // that looks for it, so new evaluations never take every slot it waits for. Not none at all: a
        // refusal makes the caller queue its jobs and announce them, which marks work as waiting again, so
        // under a steady stream of events nearly every evaluation went through the table (written, then
        // polled for and claimed: two statements and ~50 µs more an event) instead of being handed over.
        if (!started) return NO_SLOTS;
        const free = concurrency - running.size - reserved - (maybeDue ? keptForQueued : 0);
        const count = Math.max(0, Math.min(limit, free));
        if (count === 0) return NO_SLOTS;
        reserved += count;
        let open = true;
        return {
          count,
          start(jobs) {
            if (!open) return;
            open = false;
            reserved -= count;
            for (const job of jobs.slice(0, count)) startJob(job);
          },
        };
      },
    },
    saturation() {
      return Math.min(1, (running.size + reserved) / concurrency);
    },
    notify() {
      announce();
      options.doorbell?.ring();
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    start() {
      if (started) return;
      started = true;
      void options.doorbell?.listen(announce);
      // Two renewals may fail before another worker may take a job over.
      renewTimer ??= setInterval(renew, Math.max(10, Math.floor(leaseMs / 3)));
      renewTimer.unref();
      wake();
    },
    async stop(graceMs = 10_000) {
      started = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await polling;
      const all = Promise.allSettled([...running]);
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      // What still runs after the grace period is left to the worker that takes it over.
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = null;
      await complete.flush();
      await options.doorbell?.close();
    },
    async drain() {
      for (let round = 0; round < 10_000; round++) {
        const started = await poll();
        if (running.size > 0) await Promise.allSettled([...running]);
        else if (started === 0) return complete.flush();
      }
      throw new Error('queue did not drain after 10,000 rounds');
    },
  };
}
