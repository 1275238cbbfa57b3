import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { readInstanceSetting, writeInstanceSetting } from '../store/instance-settings.js';
import type { Database } from '../store/schema.js';

/** The `instance_settings` key listing the processes that work on this SQLite file. */
const WORKERS_KEY = 'embedded_workers';

/** A process, as told apart from a later one that reuses its pid. */
export interface ProcessIdentity {
  readonly pid: number;
  /** When the process started, in the kernel's clock ticks since boot (Linux); null where unknown. */
  readonly startTicks: number | null;
}

/** What the start-up recovery did. */
export interface Recovery {
  /** Whether earlier workers of this file were found gone, and their work taken back. */
  readonly recovered: boolean;
  /** Other workers of this file that still run: while there are any, nothing is taken back. */
  readonly liveWorkers: readonly ProcessIdentity[];
  /** Jobs they had claimed, now free to claim. */
  readonly jobs: number;
  /** Deliveries they were sending, now failed and due again. */
  readonly deliveries: number;
}

/** This process. */
export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, startTicks: startTicksOf(process.pid) };
}

/** The start time of a process from /proc (field 22 of its stat line), or null where there is none. */
function startTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Whether the process still runs (and is the same one, where its start time is known). */
export function isAlive(owner: ProcessIdentity): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTicks === null) return true;
  const now = startTicksOf(owner.pid);
  return now === null || now === owner.startTicks;
}

/**
 * Takes back, at start-up, the work a killed embedded process left claimed on its SQLite file, instead of
 * waiting for its leases to end (a minute for a send): its claimed jobs are released, and deliveries it
 * was sending are marked failed ("interrupted") and due now, to be sent again under the same idempotency
 * key, as after a lease. This is safe only because a SQLite file is used by processes of this one host:
 * the workers of the file are recorded in it, and their work is taken back only when none of them still
 * runs. While another one does (several workers on one data folder), nothing is touched and the leases
 * decide, as on PostgreSQL, where workers of other hosts may be alive.
 *
 * One write transaction holds the check, the release and the new record, so two processes starting at
 * once on the same file cannot both take the work back.
 */
export async function recoverAbandonedWork(
  db: Kysely<Database>,
  now: number,
  self: ProcessIdentity = thisProcess(),
): Promise<Recovery> {
  return db.transaction().execute(async (trx) => {
    const isSelf = (p: ProcessIdentity) => p.pid === self.pid && p.startTicks === self.startTicks;
    const others = parseWorkers(await readInstanceSetting(trx, WORKERS_KEY)).filter((p) => !isSelf(p));
    const live = others.filter(isAlive);

    let jobs = 0;
    let deliveries = 0;
    const recovered = others.length > 0 && live.length === 0;
    if (recovered) {
      const released = await trx
        .updateTable('jobs')
        .set({ run_at: now, locked_until: null, locked_by: null })
        .where('locked_by', 'is not', null)
        .executeTakeFirst();
      jobs = Number(released.numUpdatedRows);
      const interrupted = await trx
        .updateTable('deliveries')
        .set({
          status: 'failed',
          last_error: 'interrupted: Herald stopped during the send',
          next_attempt_at: now,
          updated_at: now,
        })
        .where('status', '=', 'sending')
        .executeTakeFirst();
      deliveries = Number(interrupted.numUpdatedRows);
    }
    await writeInstanceSetting(trx, WORKERS_KEY, JSON.stringify([...live, self]));
    return { recovered, liveWorkers: live, jobs, deliveries };
  });
}

/** {@link recoverAbandonedWork} at a worker's start, logged when it took something back or found another worker. */
export async function recoverOnStart(db: Kysely<Database>, now: number, logger: Logger): Promise<Recovery> {
  const recovery = await recoverAbandonedWork(db, now);
  if (recovery.jobs + recovery.deliveries > 0)
    logger.info(
      { jobs: recovery.jobs, deliveries: recovery.deliveries },
      'took back the work a stopped process had claimed',
    );
  if (recovery.liveWorkers.length > 0)
    logger.warn(
      { pids: recovery.liveWorkers.map((w) => w.pid) },
      'another Herald process works on this database: what it leaves claimed waits for its leases',
    );
  return recovery;
}

function parseWorkers(value: string | null): ProcessIdentity[] {
  if (value === null) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: Partial<ProcessIdentity>) =>
      typeof entry?.pid === 'number'
        ? [{ pid: entry.pid, startTicks: typeof entry.startTicks === 'number' ? entry.startTicks : null }]
        : [],
    );
  } catch {
    return [];
  }
}
