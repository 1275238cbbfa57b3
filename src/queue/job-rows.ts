import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { type PreparedQuery, preparedQuery } from '../store/prepared-query.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database } from '../store/schema.js';
import { JOB_KINDS, type Job, type JobHandler, type JobKind } from './queue.js';

/** Who claims, and for how long: the identity a lease is checked against. */
export interface Lease {
  readonly workerId: string;
  readonly leaseMs: number;
}

/** The columns of a job row that claiming needs. */
export interface JobRow {
  readonly id: string;
  readonly kind: string;
  readonly payload: string;
  readonly attempts: number;
  readonly run_at: number;
}

/** Delay before a failed job runs again: exponential, capped at an hour. */
export function retryDelay(attempts: number): number {
  return Math.min(3_600_000, 1_000 * 2 ** Math.min(attempts, 12));
}

/**
 * Kinds by pipeline stage, latest first: in a burst a delivery that is due runs before the fan-outs and
 * evaluations queued ahead of it, so the first message goes out at once instead of after all of them.
 * Every stage's work is finite, so earlier stages run as soon as the later ones are drained.
 */
const STAGES: readonly (readonly JobKind[])[] = [
  ['deliver'],
  ['notify'],
  JOB_KINDS.filter((kind) => kind !== 'deliver' && kind !== 'notify' && kind !== 'evaluate-event'),
  // Alone: a backlog of evaluations is read in index order, where with other kinds in the same query
  // every due row of them would be sorted to find the oldest few.
  ['evaluate-event'],
];

/** One row to take: its id, with the claim's time, lease end and worker (the same on every row). */
interface Take {
  readonly id: string;
  readonly now: number;
  readonly until: number;
  readonly worker: string;
}

// Compiled once per row count: the queue claims after every few jobs. Only the first row's time, lease
// and worker are bound; they are the same on every row. A claimed row is due again when its lease ends
// (its run_at moves there, as a visibility timeout does): the scan for due jobs then passes over jobs in
// flight instead of reading each one to find it locked. With 128 slots busy, a poll that read them all
// cost 140 µs (`bench/pipeline.ts 10000 --alerts`: 16.9 → 5.9–8.6 µs of polling an alert).
const takeJobs = preparedRows<Take, JobRow>(['id', 'now', 'until', 'worker'], (rows, db) => {
  const first = rows[0]!;
  return db
    .updateTable('jobs')
    .set((eb) => ({
      run_at: first.until,
      locked_until: first.until,
      locked_by: first.worker,
      attempts: eb('attempts', '+', 1),
    }))
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .where('run_at', '<=', first.now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', first.now)]))
    .returning(['id', 'kind', 'payload', 'attempts', 'run_at']);
});

/** The job of a row as {@link takeJobs} returns it: its attempt count was raised by the claim. */
function jobOf(row: JobRow, dueAt: number): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: Number(row.attempts) - 1,
    // The row's run_at is now its lease's end: the job is given the time it was due.
    runAt: dueAt,
  };
}

const deleteJobs = preparedRows<{ id: string; worker: string }>(['id', 'worker'], (rows, db) =>
  db
    .deleteFrom('jobs')
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .where('locked_by', '=', rows[0]!.worker),
);

/**
 * Claims due rows, up to `limit`, stage by stage, in two statements: reads the oldest due and free rows
 * of every stage at once (one read per stage, each up to `limit` in index order, joined with UNION ALL:
 * one round trip where a poll of an idle queue made four), keeps the first `limit` in stage order, then
 * takes all of them at once with an update that repeats the due and free conditions and returns the rows
 * it changed. A row another worker took in between fails those conditions (on PostgreSQL they are
 * checked again on the locked row), so each row is claimed by exactly one worker per lease; its attempt
 * count goes up by one. The read is compiled once per set of kinds: the queue claims after every few
 * jobs, and a read that finds nothing opens no write. In a cluster at 500 events/s a worker polls after
 * nearly every commit of the API, mostly finding one stage's rows: with one read instead of one per
 * stage, PostgreSQL used 59 / 73% of a core against 76 / 79% (two alternated runs of `bench/run.ts
 * --quick --only=cluster --latency-seconds=20`, per-process CPU from /proc), latency unchanged.
 */
export function dueJobsClaimer(db: Kysely<Database>, lease: Lease) {
  type Params = { now: number; limit: number };
  /** The read of a set of kinds, and each kind's stage (its rank in the result). */
  interface Plan {
    readonly read: PreparedQuery<Database, Params, JobRow>;
    readonly stageOf: ReadonlyMap<string, number>;
  }
  const plans = new Map<string, Plan>();

  function planFor(kinds: readonly JobKind[]): Plan | undefined {
    const key = kinds.join(',');
    const known = plans.get(key);
    if (known) return known;
    const stages = STAGES.map((stage) => stage.filter((kind) => kinds.includes(kind))).filter(
      (stage) => stage.length > 0,
    );
    if (stages.length === 0) return undefined;
    const read = preparedQuery<Database, Params, JobRow>(db, ['now', 'limit'], (db, p) => {
      const [first, ...rest] = stages.map((stage, i) =>
        db
          .selectFrom((eb) =>
            eb
              .selectFrom('jobs')
              .select(['id', 'kind', 'payload', 'attempts', 'run_at'])
              .where('kind', 'in', stage)
              .where('run_at', '<=', p.now)
              .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', p.now)]))
              .orderBy('run_at')
              .limit(p.limit)
              .as(`stage${i}`),
          )
          .selectAll(),
      );
      return rest.reduce((query, next) => query.unionAll(next), first!);
    });
    const plan = { read, stageOf: new Map(stages.flatMap((stage, i) => stage.map((kind) => [kind, i]))) };
    plans.set(key, plan);
    return plan;
  }

  return async (options: {
    readonly now: number;
    readonly kinds: readonly JobKind[];
    readonly limit: number;
  }): Promise<Job[]> => {
    const { now, kinds, limit } = options;
    const plan = planFor(kinds);
    if (!plan) return [];
    const { stageOf } = plan;
    const due = (await plan.read(db, { now, limit })).rows
      .sort((a, b) => stageOf.get(a.kind)! - stageOf.get(b.kind)! || Number(a.run_at) - Number(b.run_at))
      .slice(0, limit);
    if (due.length === 0) return [];
    const until = now + lease.leaseMs;
    const taken = await takeJobs(
      db,
      due.map((row) => ({ id: row.id, now, until, worker: lease.workerId })),
    );
    const byId = new Map(taken.map((row) => [row.id, row]));
    const jobs: Job[] = [];
    for (const { id, run_at } of due) {
      const row = byId.get(id);
      if (row) jobs.push(jobOf(row, Number(run_at)));
    }
    return jobs;
  };
}

/** What running a claimed job led to: removed, or released to run again at `retryAt`. */
export type RunOutcome = { readonly status: 'done' } | { readonly status: 'retry'; readonly retryAt: number };

/**
 * Runs a claimed job's handler, then deletes its row, or on failure releases it with backoff. Both writes
 * check the lease is still ours, so a worker that lost its job to a takeover changes nothing.
 */
export async function runClaimedJob(
  db: Kysely<Database>,
  job: Job,
  handler: JobHandler | undefined,
  context: {
    readonly lease: Lease;
    readonly now: () => number;
    readonly logger: Logger;
    /** Deletes the finished job's row; default one statement per job. */
    readonly complete?: (jobId: string) => Promise<void>;
  },
): Promise<RunOutcome> {
  const { workerId } = context.lease;
  try {
    if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
    await handler(job);
    if (context.complete) await context.complete(job.id);
    else await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', workerId).execute();
    return { status: 'done' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.logger.warn(
      { err: error, jobId: job.id, kind: job.kind, attempts: job.attempts + 1 },
      'job failed; will retry',
    );
    const retryAt = context.now() + retryDelay(job.attempts);
    await db
      .updateTable('jobs')
      .set({ run_at: retryAt, locked_until: null, locked_by: null, last_error: message.slice(0, 1000) })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute()
      .catch((e: unknown) =>
        context.logger.error({ err: e, jobId: job.id }, 'could not release a failed job'),
      );
    return { status: 'retry', retryAt };
  }
}

/** How long a finished job's row waits to be deleted with the others that finish meanwhile. */
const COMPLETION_DELAY_MS = 20;
/** Finished jobs deleted at once without waiting any longer. */
const COMPLETION_BATCH = 500;

/** Deletes the rows of finished jobs; see {@link jobCompleter}. */
export interface JobCompleter {
  /** Marks a finished job's row for deletion and returns at once. */
  (jobId: string): Promise<void>;
  /** Deletes every row marked so far; resolves once they are gone (or their deletion failed). */
  flush(): Promise<void>;
}

/**
 * Deletes finished jobs a few at a time: the rows of this worker's jobs that finish within
 * COMPLETION_DELAY_MS go in one statement, outside the jobs' own transactions. A job's work was committed
 * before it finished, so its row is only bookkeeping; deleted at the end of its turn, it was often the one
 * write of a group of its own (an evaluation that fired nothing, a send whose outcome was written
 * already): at 200 events/s with no rule firing, 1.95 COMMITs an event, 1.13 with the rows deleted
 * together (bench/pipeline.ts --rate=200 without the rule). The job's slot is free at once. A row that
 * outlives its handler (the process dies first, or the deletion fails) keeps its lease and then runs
 * again, which every handler allows, as it would if the process died just before a single delete.
 */
export function jobCompleter(db: Kysely<Database>, lease: Lease, logger: Logger): JobCompleter {
  let marked: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let deleting: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const ids = marked;
    marked = [];
    if (ids.length > 0) {
      const rows = ids.map((id) => ({ id, worker: lease.workerId }));
      const deleted = deleteJobs(db, rows).then(
        () => undefined,
        (error: unknown) =>
          logger.warn({ err: error, jobs: ids.length }, 'finished jobs not deleted; they run again later'),
      );
      deleting = Promise.all([deleting, deleted]).then(() => undefined);
    }
    return deleting;
  }

  const complete = (jobId: string): Promise<void> => {
    marked.push(jobId);
    if (marked.length >= COMPLETION_BATCH) void flush();
    else if (!timer) timer = setTimeout(flush, COMPLETION_DELAY_MS).unref();
    return Promise.resolve();
  };
  return Object.assign(complete, { flush });
}

/** Extends the leases of jobs still running here, so a slow handler is not taken over while alive. */
export async function renewLeases(
  db: Kysely<Database>,
  ids: readonly string[],
  lease: Lease,
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  // Due again when the new lease ends, as a claimed job is (see takeJobs).
  await db
    .updateTable('jobs')
    .set({ run_at: now + lease.leaseMs, locked_until: now + lease.leaseMs })
    .where('id', 'in', [...ids])
    .where('locked_by', '=', lease.workerId)
    .execute();
}
