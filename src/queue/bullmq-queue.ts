import { type Job as BullJob, DelayedError, Worker } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Database } from '../store/schema.js';
import { bullmqBroker, type MessageData, type RowSignal, throttledWarn } from './bullmq-broker.js';
import {
  claimJobById,
  findDueJobs,
  jobCompleter,
  jobRowsById,
  renewLeases,
  runClaimedJob,
} from './job-rows.js';
import {
  DEFAULT_CONCURRENCY,
  type Job,
  type JobHandler,
  type JobKind,
  NO_SLOTS,
  type Queue,
} from './queue.js';

/** Options of the cluster queue. */
export interface BullmqQueueOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `redis://…` of the Redis every process shares. */
  readonly redisUrl: string;
  /** Redis key prefix, so installations and test runs can share a server. Default `herald`. */
  readonly prefix?: string;
  /** Jobs of each kind run at once by this process. Default {@link DEFAULT_CONCURRENCY}. */
  readonly concurrency?: number;
  /** How long a claim holds; renewed while the handler runs, so it only bounds recovery. Default 15 s. */
  readonly leaseMs?: number;
  /** How often the sweeper looks for due rows that no message will bring. Default 5 s. */
  readonly sweepMs?: number;
  /** How long a due row may wait for its message before the sweeper re-sends it. Default `sweepMs`. */
  readonly sweepGraceMs?: number;
}

/** The cluster queue, plus its sweeper for tests and operators. */
export interface BullmqQueue extends Queue {
  readonly workerId: string;
  /** Re-sends due rows without a live claim (lost messages, dead workers); returns how many. */
  sweep(): Promise<number>;
}

const SWEEP_BATCH = 1_000;

/**
 * The job table with BullMQ as its doorbell (cluster profile). Rows stay the truth, written in the
 * caller's transaction; BullMQ only carries "row X is ready" to some worker, which claims the row with
 * the same compare-and-set lease as the embedded queue. A duplicate or stale message is therefore a
 * no-op, and a lost one (crash between commit and send, killed worker) is re-sent by the sweeper.
 */
export function bullmqQueue(options: BullmqQueueOptions): BullmqQueue {
  const { db, clock, logger } = options;
  const prefix = options.prefix ?? 'herald';
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const leaseMs = options.leaseMs ?? 15_000;
  const sweepMs = options.sweepMs ?? 5_000;
  const sweepGraceMs = options.sweepGraceMs ?? sweepMs;
  const workerId = newId('wrk');
  const lease = { workerId, leaseMs };
  const complete = jobCompleter(db, lease, logger);
  const broker = bullmqBroker({ redisUrl: options.redisUrl, prefix, logger });
  const handlers = new Map<JobKind, JobHandler>();
  const workers = new Map<JobKind, Worker<MessageData>>();
  /** Row ids this process holds a lease on, for renewal. */
  const claimed = new Set<string>();
  const sending = new Set<Promise<void>>();
  const finishListeners = new Set<() => void>();
  const warnWorker = throttledWarn(logger, 'queue worker error');
  /** Messages being processed here, and how many were processed so far (drain's progress measure). */
  let active = 0;
  let finished = 0;
  let started = false;
  let stopping = false;
  let sweepTimer: NodeJS.Timeout | null = null;
  let renewTimer: NodeJS.Timeout | null = null;

  /** Sends in the background; kept so `stop` and `drain` can wait for what is still on its way. */
  function track(task: Promise<void>): void {
    const tracked = task.catch((err: unknown) => logger.warn({ err }, 'could not send jobs to redis'));
    sending.add(tracked);
    void tracked.finally(() => sending.delete(tracked));
  }

  async function processMessage(message: BullJob<MessageData>, token?: string): Promise<void> {
    const rowId = message.data.id;
    // Stopping: leave the row unclaimed; the sweeper of a live worker sends it again.
    if (stopping) return;
    active++;
    try {
      const now = clock.now();
      const claim = await claimJobById(db, rowId, lease, now);
      if (claim.status === 'later') {
        // Early (clock skew) or superseded by a retry: wait in Redis rather than lose the signal.
        await message.moveToDelayed(Date.now() + (claim.runAt - now), token);
        throw new DelayedError();
      }
      if (claim.status !== 'claimed') return;
      await runClaimed(claim.job);
    } finally {
      active--;
      finished++;
      for (const listener of [...finishListeners]) listener();
    }
  }

  /** Runs a job whose row this worker holds (claimed from a message, or handed over), renewing its lease. */
  async function runClaimed(job: Job): Promise<void> {
    claimed.add(job.id);
    try {
      const outcome = await runClaimedJob(db, job, handlers.get(job.kind), {
        lease,
        now: () => clock.now(),
        logger,
        complete,
      });
      if (outcome.status === 'retry') {
        const retry: RowSignal = {
          id: job.id,
          kind: job.kind,
          run_at: outcome.retryAt,
          attempts: job.attempts + 1,
        };
        track(broker.send([retry], clock.now()));
      }
    } finally {
      claimed.delete(job.id);
    }
  }

  function openWorker(kind: JobKind): void {
    if (workers.has(kind)) return;
    const worker = new Worker<MessageData>(kind, processMessage, {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix,
      concurrency,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    worker.on('error', warnWorker);
    workers.set(kind, worker);
  }

  function openWorkers(): void {
    stopping = false;
    for (const kind of handlers.keys()) openWorker(kind);
    // A third of the lease: two renewals may fail before another worker may take the job over.
    renewTimer ??= setInterval(
      () => {
        renewLeases(db, [...claimed], lease, clock.now()).catch((err: unknown) =>
          logger.warn({ err }, 'could not renew job leases'),
        );
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
  }

  /** Stops fetching, lets running jobs finish within `graceMs`, then closes the connections. */
  async function closeWorkers(graceMs: number): Promise<void> {
    stopping = true;
    const all = [...workers.values()];
    workers.clear();
    await Promise.allSettled(all.map((worker) => worker.pause(true)));
    const idle = await waitFor(() => active === 0, graceMs);
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = null;
    // Force leaves unfinished messages active in Redis; their rows' leases expire and the sweeper resends.
    await Promise.allSettled(all.map((worker) => worker.close(!idle)));
  }

  /** Resolves true once `condition` holds, false when `ms` passed first; woken by every finished job. */
  async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await nextFinish(left);
    }
    return true;
  }

  function nextFinish(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        finishListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      finishListeners.add(done);
    });
  }

  async function sweep(): Promise<number> {
    const now = clock.now();
    const rows = await findDueJobs(db, {
      now,
      dueBy: now - sweepGraceMs,
      kinds: [...handlers.keys()],
      limit: SWEEP_BATCH,
    });
    if (rows.length > 0) await broker.resend(rows, now);
    return rows.length;
  }

  return {
    workerId,
    sweep,
    saturation: () => Math.min(1, active / concurrency),
    // The next stage of an event runs in the slot of the job at hand, its row written claimed, with no
    // message: one Redis round trip and one claim fewer per stage. A worker that dies leaves the row to
    // the sweeper once its lease ends. Ingest runs in API processes, which hold no slot to offer.
    handoff: {
      lease,
      async run(jobs) {
        await Promise.all(jobs.map((job) => runClaimed(job)));
      },
      reserve: () => NO_SLOTS,
    },
    notify(jobIds) {
      if (jobIds.length === 0) return;
      track(jobRowsById(db, jobIds).then((rows) => broker.send(rows, clock.now())));
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
      if (started) openWorker(kind);
    },
    start() {
      if (started) return;
      started = true;
      openWorkers();
      const warnSweep = throttledWarn(logger, 'job sweep failed');
      sweepTimer = setInterval(() => {
        sweep().catch(warnSweep);
      }, sweepMs);
    },
    async stop(graceMs = 10_000) {
      started = false;
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = null;
      await closeWorkers(graceMs);
      await Promise.allSettled([...sending]);
      await complete.flush();
      await broker.close();
    },
    async drain() {
      const temporary = !started;
      if (temporary) openWorkers();
      try {
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          await Promise.allSettled([...sending]);
          const before = finished;
          const now = clock.now();
          const due = await findDueJobs(db, { now, kinds: [...handlers.keys()], limit: SWEEP_BATCH });
          if (due.length === 0 && active === 0 && sending.size === 0 && finished === before)
            return complete.flush();
          if (due.length > 0) await broker.resend(due, now, { promote: true });
          // Whatever runs elsewhere (or waits in Redis) is not announced here: look again soon.
          if (finished === before) await nextFinish(25);
        }
        throw new Error('queue did not drain within 120 s');
      } finally {
        if (temporary) await closeWorkers(10_000);
      }
    },
  };
}
