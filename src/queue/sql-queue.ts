import type { Kysely } from 'kysely';
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
    }
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
