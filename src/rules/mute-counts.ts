import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { codePointOrder } from '../store/code-point-order.js';
import type { Database } from '../store/schema.js';

/** How long muted events are counted in memory before their counts are written. */
export const MUTE_FLUSH_MS = 1_000;
/** Rows one flush statement adds to (three parameters each: far under SQLite's and PostgreSQL's caps). */
const FLUSH_CHUNK = 1_000;

/** The tables whose rows count the events they muted (`muted_events`, `last_muted_at`). */
export type MutingTable = 'silences' | 'inhibit_rules';

/** What a mute counter needs. */
export interface MuteCountDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Told of a flush that failed (its counts are written with the next one). */
  readonly logger?: Logger | undefined;
  readonly table: MutingTable;
  /** How long counts wait in memory; default {@link MUTE_FLUSH_MS}. */
  readonly flushMs?: number | undefined;
}

/** A row's counts since the last flush. */
interface Pending {
  n: number;
  at: number;
}

/**
 * How many events each silence (or inhibit rule) muted, and when it last did: the answer to "is it
 * working?". A maintenance window mutes thousands of events a second, so an evaluation only adds to a
 * count in memory; the counts are written {@link MUTE_FLUSH_MS} after the first one since the last
 * write, every row's in one statement that adds to what is stored (each process of a cluster adds its
 * own), and once more when the engine stops. A process killed between two flushes loses the counts of
 * that interval, which a counter can afford; no evaluation waits on these writes.
 */
export function muteCounts(deps: MuteCountDeps) {
  const { db, clock, table } = deps;
  const flushMs = deps.flushMs ?? MUTE_FLUSH_MS;
  let pending = new Map<string, Pending>();
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function add(id: string, n: number, at: number): void {
    const counts = pending.get(id);
    if (!counts) pending.set(id, { n, at });
    else {
      counts.n += n;
      counts.at = Math.max(counts.at, at);
    }
  }

  async function write(rows: readonly [string, Pending][]): Promise<void> {
    const target = sql.table(table);
    for (let i = 0; i < rows.length; i += FLUSH_CHUNK) {
      // The casts give PostgreSQL the numbers' type, which a parameter in a VALUES list does not have.
      const values = rows
        .slice(i, i + FLUSH_CHUNK)
        .map(([id, { n, at }]) => sql`(${id}, cast(${n} as bigint), cast(${at} as bigint))`);
      await sql`with counted (id, n, muted_at) as (values ${sql.join(values)})
        update ${target} set muted_events = ${target}.muted_events + counted.n,
          last_muted_at = case
            when ${target}.last_muted_at is null or ${target}.last_muted_at < counted.muted_at
            then counted.muted_at else ${target}.last_muted_at end
        from counted where ${target}.id = counted.id`.execute(db);
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return writing;
    const taken = pending;
    pending = new Map();
    // In id order: two processes adding to the same rows on PostgreSQL lock them in one order.
    const rows = [...taken].sort(([a], [b]) => codePointOrder(a, b));
    const written = write(rows).catch((error: unknown) => {
      // Back with those waiting: the next flush (the next muted event's, or the engine's stop) writes them.
      // Not retried on a timer of its own, which would keep failing after the database closed.
      deps.logger?.warn({ err: error, table, rows: rows.length }, 'mute counts not written yet');
      for (const [id, counts] of taken) add(id, counts.n, counts.at);
    });
    writing = Promise.all([writing, written]).then(() => undefined);
    return writing;
  }

  return {
    /** Counts one muted event for each of `ids`, now; written by the next flush. */
    count(ids: readonly string[]): void {
      if (ids.length === 0) return;
      const now = clock.now();
      for (const id of ids) add(id, 1, now);
      timer ??= setTimeout(flush, flushMs).unref();
    },

    /** Writes the counts taken so far; resolves once they (and any write under way) are stored or failed. */
    flush,
  };
}

/** A mute counter of one table. */
export type MuteCounts = ReturnType<typeof muteCounts>;
