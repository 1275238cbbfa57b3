import type { Kysely, Transaction } from 'kysely';
import { newId } from '../ids.js';
import { preparedStatement } from '../store/prepared-query.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database, JobTable } from '../store/schema.js';

/** Kinds of durable work; each has one handler registered with the worker. */
export const JOB_KINDS = [
  'evaluate-event',
  'deliver',
  'digest',
  'sweep',
  'notify',
  'workflow',
  'purge-project',
  'deploy',
] as const;

/** One of {@link JOB_KINDS}. */
export type JobKind = (typeof JOB_KINDS)[number];

/** Work to do later, durably. */
export interface JobInput {
  readonly kind: JobKind;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Epoch ms; default now. */
  readonly runAt?: number;
  /** A stable id makes enqueueing idempotent: a second job with the same id is ignored. */
  readonly id?: string;
}

/**
 * Jobs a worker runs at once unless configured otherwise (`HERALD_WORKER_CONCURRENCY`). Deliveries spend
 * most of their time waiting on the network and the database: replaying 20,000 dead letters to a local
 * receiver (bench/pipeline.ts 20000 --replay, interleaved runs), the embedded worker's main thread was
 * busy 83-89% of the time with 64 slots and 98-100% with 128 or 256, which sent 10-20% more a second;
 * a provider answering in 300 ms caps a worker at about 400 deliveries a second with 128 slots.
 */
export const DEFAULT_CONCURRENCY = 128;

/** A claimed job, handed to its handler. */
export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly payload: Record<string, unknown>;
  /** Attempts before this one. */
  readonly attempts: number;
  /**
   * When it was due: the time it was written or retried for; for a job claimed by id, at the latest
   * the claim's time (a claimed row's due time moves to the end of its lease).
   */
  readonly runAt: number;
}

/**
 * Writes jobs in the caller's transaction (transactional outbox): the job exists exactly when the rows
 * it acts on exist. A job whose id already exists is left as it is.
 */
export async function enqueueJobs(
  db: Kysely<Database> | Transaction<Database>,
  jobs: readonly JobInput[],
  now: number,
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows: JobTable[] = jobs.map((job) => ({
    id: job.id ?? newId('job', now),
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    run_at: job.runAt ?? now,
    attempts: 0,
    locked_until: null,
    locked_by: null,
    last_error: null,
    created_at: now,
  }));
  await insertJobs(db, rows);
  return rows.map((r) => r.id);
}

// Written as a record so the compiler proves every column is listed.
const JOB_COLUMNS = Object.keys({
  id: 1,
  kind: 1,
  payload: 1,
  run_at: 1,
  attempts: 1,
  locked_until: 1,
  locked_by: 1,
  last_error: 1,
  created_at: 1,
} satisfies Record<keyof JobTable, 1>) as (keyof JobTable)[];

/** The insert of jobs, compiled once per SQL dialect and row count (every stage enqueues per event). */
const insertJobs = preparedRows<JobTable>(JOB_COLUMNS, (rows, db) =>
  db
    .insertInto('jobs')
    .values(rows)
    .onConflict((oc) => oc.column('id').doNothing()),
);

/**
 * A queue's offer to run, in the slot of the job at hand, the next job of the same piece of work (an
 * event's fan-out after its evaluation, a notification's first delivery after its fan-out) instead of
 * leaving it for a poll to find: the job is written already claimed by this worker, in the same
 * transaction as the rows it acts on, and run once that transaction committed. Nothing is lost when the
 * process dies first: the row stays, and is taken over when its lease ends, as any claimed job's is.
 */
export interface JobHandoff {
  /** The worker the written job is claimed for, and for how long. */
  readonly lease: { readonly workerId: string; readonly leaseMs: number };
  /** Runs jobs handed over by {@link writeJobs}, after their transaction committed, as the queue would. */
  run(jobs: readonly Job[]): Promise<void>;
  /**
   * Free slots of the worker for work that runs in none (ingest handing over the evaluations of the
   * events it stores): none while the worker is stopped or busy; while queued jobs may be waiting, only
   * those beyond half the worker's slots, so the poll that looks for them always finds room. Reserve
   * before the transaction, write at most `count` jobs claimed through {@link writeJobs}, then `start`
   * what was written.
   */
  reserve(limit: number): SlotReservation;
}

/** Slots held for jobs about to be written claimed (see {@link JobHandoff.reserve}). */
export interface SlotReservation {
  readonly count: number;
  /**
   * Runs the jobs written claimed in the held slots, without waiting for them, and frees the others.
   * Call it once the transaction ended, with none when it failed; later calls do nothing.
   */
  start(jobs: readonly Job[]): void;
}

/** No slot held: every job is queued as usual. */
export const NO_SLOTS: SlotReservation = { count: 0, start: () => undefined };

/**
 * Writes jobs claimed by the hand-off's worker (see {@link JobHandoff}) in the caller's transaction;
 * answers the ids written, without those that existed already (they are left to whoever holds them).
 */
async function handOverJobs(
  db: Kysely<Database> | Transaction<Database>,
  jobs: readonly (JobInput & { readonly id: string })[],
  now: number,
  handoff: JobHandoff,
): Promise<ReadonlySet<string>> {
  if (jobs.length === 0) return new Set();
  const rows = jobs.map(
    (job): JobTable => ({
      id: job.id,
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      // Due again when its lease ends, as a claimed job is (see takeJobs in job-rows.ts).
      run_at: now + handoff.lease.leaseMs,
      // Counted as claimed once, as a claim by a poll would count it.
      attempts: 1,
      locked_until: now + handoff.lease.leaseMs,
      locked_by: handoff.lease.workerId,
      last_error: null,
      created_at: now,
    }),
  );
  return new Set((await claimedJobsWritten(db, rows)).map((row) => row.id));
}

/** Jobs a transaction wrote: ids to tell the queue of, and jobs handed over (see {@link JobHandoff}). */
export interface WrittenJobs {
  readonly queued: readonly string[];
  readonly handed: readonly Job[];
}

/** A transaction that wrote no job. */
export const NO_JOBS: WrittenJobs = { queued: [], handed: [] };

/**
 * Writes the next stage's jobs in the caller's transaction: with a hand-off, the first `slots` (default
 * one: the slot of the job at hand) due now are written claimed by this worker (a job without an id is
 * given one); the rest are queued as usual. Pass the result to {@link afterCommit} once the transaction
 * committed.
 */
export async function writeJobs(
  db: Kysely<Database> | Transaction<Database>,
  jobs: readonly JobInput[],
  now: number,
  handoff: JobHandoff | undefined,
  slots = 1,
): Promise<WrittenJobs> {
  return (await writeJobGroups(db, [{ jobs, slots }], now, handoff))[0]!;
}

/** The jobs of one piece of work among several written together, and the slots it holds (default one). */
export interface JobGroup {
  readonly jobs: readonly JobInput[];
  readonly slots?: number;
}

/**
 * {@link writeJobs} for several pieces of work in one transaction (the firings of events evaluated
 * together), each handing over up to its own slots: one insert for every claimed job and one for every
 * queued one, instead of one per piece. Answers each group's jobs, in order.
 */
export async function writeJobGroups(
  db: Kysely<Database> | Transaction<Database>,
  groups: readonly JobGroup[],
  now: number,
  handoff: JobHandoff | undefined,
): Promise<WrittenJobs[]> {
  const chosen: (JobInput & { readonly id: string })[][] = [];
  const rest: JobInput[][] = [];
  for (const group of groups) {
    const slots = handoff ? (group.slots ?? 1) : 0;
    const mine: (JobInput & { readonly id: string })[] = [];
    const others: JobInput[] = [];
    for (const job of group.jobs) {
      if (mine.length < slots && (job.runAt ?? now) <= now)
        mine.push({ ...job, id: job.id ?? newId('job', now) });
      else others.push(job);
    }
    chosen.push(mine);
    rest.push(others);
  }
  const written = handoff ? await handOverJobs(db, chosen.flat(), now, handoff) : new Set<string>();
  const queued = await enqueueJobs(db, rest.flat(), now);
  let next = 0;
  return groups.map((_, i) => {
    const start = next;
    next += rest[i]!.length;
    return {
      queued: queued.slice(start, next),
      handed: chosen[i]!.filter((job) => written.has(job.id)).map((job) => ({
        id: job.id,
        kind: job.kind,
        payload: { ...job.payload },
        attempts: 0,
        runAt: now,
      })),
    };
  });
}

/** After the transaction that wrote `written` committed: tells the queue, then runs what was handed over. */
export async function afterCommit(
  written: WrittenJobs,
  onJobsCommitted: (ids: string[]) => void,
  handoff: JobHandoff | undefined,
): Promise<void> {
  if (written.queued.length > 0) onJobsCommitted([...written.queued]);
  if (written.handed.length > 0) await handoff?.run(written.handed);
}

const insertClaimedJobs = preparedRows<JobTable, { id: string }>(JOB_COLUMNS, (rows, db) =>
  db
    .insertInto('jobs')
    .values(rows)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
);
const insertClaimedJob = preparedStatement<Database, JobTable, never>(JOB_COLUMNS, (db, row) =>
  db
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing()),
);

/**
 * Inserts claimed jobs, skipping ids that exist; answers the rows written. One row (the usual hand-over:
 * the next stage of the work at hand) is told by the count of rows changed, without RETURNING, which on
 * SQLite costs as much again as the insert (3.6 → 6–12 µs measured).
 */
async function claimedJobsWritten(
  db: Kysely<Database> | Transaction<Database>,
  rows: readonly JobTable[],
): Promise<readonly { id: string }[]> {
  if (rows.length !== 1) return insertClaimedJobs(db, rows);
  const result = await insertClaimedJob(db, rows[0]!);
  return Number(result.numAffectedRows ?? 0) === 1 ? rows : [];
}

/** Runs claimed jobs; throws to have the job retried later. */
export type JobHandler = (job: Job) => Promise<void>;

/** A queue: something that wakes workers when jobs are written and runs handlers on them. */
export interface Queue {
  /** Called after a transaction that enqueued jobs committed, so workers look at once. */
  notify(jobIds: readonly string[]): void;
  /** Registers the handler of a kind. */
  handle(kind: JobKind, handler: JobHandler): void;
  /** Starts claiming and running jobs. */
  start(): void;
  /** Stops claiming; waits for running jobs up to `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Runs every due job now and waits until none is left (tests, CLI). */
  drain(): Promise<void>;
  /** Present when this queue can run handed-over jobs in this process (see {@link JobHandoff}). */
  readonly handoff?: JobHandoff;
  /** The share of this process's job slots in use or reserved, 0 to 1 (0 when it runs no jobs). */
  saturation(): number;
}
