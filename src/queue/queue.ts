import type { Kysely, Transaction } from 'kysely';
import { newId } from '../ids.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database, JobTable } from '../store/schema.js';

/** Kinds of durable work; each has one handler registered with the worker. */
export const JOB_KINDS = ['evaluate-event', 'deliver', 'digest', 'sweep', 'notify', 'workflow'] as const;

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

/** A claimed job, handed to its handler. */
export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly payload: Record<string, unknown>;
  /** Attempts before this one. */
  readonly attempts: number;
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
}
