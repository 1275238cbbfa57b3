import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';
import { LONGEST_WINDOW_SECONDS } from '../throttle/limiter.js';

/** What retention needs. */
export interface RetentionDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Age past which events, notifications and frequency buckets are removed. */
  readonly retentionDays: number;
  /** Rows per transaction. Default 1,000. */
  readonly batchSize?: number;
  /** Time between sweeps. Default one hour. */
  readonly intervalMs?: number;
}

/** Rows removed by one sweep, by table. */
export type PruneCounts = Record<string, number>;

const DAY = 86_400_000;
const IDEMPOTENCY_TTL_MS = DAY;
// A row per delivery of a pruned notification, in the order their foreign keys need.
const DELIVERY_CHILDREN = ['engagement_events', 'delivery_links', 'delivery_attempts'] as const;

/**
 * Removes what is older than the retention age: notifications with their deliveries, attempts and
 * engagement; events; frequency buckets; silences that ended; idempotency keys past 24 hours; and token buckets (SQL limiter)
 * idle longer than the longest window a limit may have. Every batch is its own short transaction, with a
 * yield between batches, so ingest (one SQLite connection) never waits long.
 */
export function retention(deps: RetentionDeps) {
  const { db, clock, logger } = deps;
  const batch = deps.batchSize ?? 1_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<PruneCounts> | null = null;

  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function pruneNotifications(cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = (
        await db
          .selectFrom('notifications')
          .select('id')
          .where('created_at', '<', cutoff)
          .orderBy('created_at')
          .limit(batch)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return total;
      await db.transaction().execute(async (trx) => {
        const deliveries = trx.selectFrom('deliveries').select('id').where('notification_id', 'in', ids);
        for (const table of DELIVERY_CHILDREN)
          await trx.deleteFrom(table).where('delivery_id', 'in', deliveries).execute();
        await trx.deleteFrom('deliveries').where('notification_id', 'in', ids).execute();
        await trx.deleteFrom('notification_rules').where('notification_id', 'in', ids).execute();
        await trx.deleteFrom('notifications').where('id', 'in', ids).execute();
      });
      total += ids.length;
      if (ids.length < batch) return total;
      await pause();
    }
  }

  /** Deletes rows of `table` with `column` before `cutoff`, about `batch` at a time (ties go together). */
  async function pruneByTime(table: string, column: string, cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await sql<{ t: unknown }>`select ${sql.ref(column)} as t from ${sql.table(table)}
        where ${sql.ref(column)} < ${cutoff} order by ${sql.ref(column)} limit 1 offset ${batch - 1}`.execute(
        db,
      );
      const bound = rows[0] === undefined ? null : Number(rows[0].t);
      const result =
        bound === null
          ? await sql`delete from ${sql.table(table)} where ${sql.ref(column)} < ${cutoff}`.execute(db)
          : await sql`delete from ${sql.table(table)} where ${sql.ref(column)} <= ${bound}`.execute(db);
      total += Number(result.numAffectedRows ?? 0);
      if (bound === null) return total;
      await pause();
    }
  }

  async function sweep(): Promise<PruneCounts> {
    const now = clock.now();
    const cutoff = now - deps.retentionDays * DAY;
    const counts: PruneCounts = {
      notifications: await pruneNotifications(cutoff),
      events: await pruneByTime('events', 'received_at', cutoff),
      issue_counts: await pruneByTime('issue_counts', 'bucket_start', cutoff),
      issue_user_buckets: await pruneByTime('issue_user_buckets', 'bucket_start', cutoff),
      idempotency_keys: await pruneByTime('idempotency_keys', 'created_at', now - IDEMPOTENCY_TTL_MS),
      // A silence that ended before the retention age goes, as the events it muted have.
      silences: await pruneByTime('silences', 'ends_at', cutoff),
      // Every address typed into the sign-in form gets a bucket: one idle longer than any window is full
      // again, and a missing bucket starts full, so forgetting it changes no answer.
      throttle_buckets: await pruneByTime(
        'throttle_buckets',
        'updated_at',
        now - LONGEST_WINDOW_SECONDS * 1000,
      ),
    };
    if (Object.values(counts).some((n) => n > 0)) logger.info({ pruned: counts }, 'retention sweep');
    return counts;
  }

  return {
    /** Runs one sweep now (a sweep already running is joined, not doubled). */
    prune(): Promise<PruneCounts> {
      running ??= sweep().finally(() => {
        running = null;
      });
      return running;
    },

    /** Sweeps periodically (worker roles); the first sweep runs a minute after start. */
    start(): void {
      if (timer) return;
      const run = () => {
        this.prune().catch((error: unknown) => logger.warn({ err: error }, 'retention sweep failed'));
      };
      const first = setTimeout(() => {
        run();
        timer = setInterval(run, deps.intervalMs ?? 3_600_000);
        timer.unref();
      }, 60_000);
      first.unref();
      timer = first;
    },

    /** Stops the periodic sweeps and waits for one that runs. */
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

/** The retention sweeper. */
export type Retention = ReturnType<typeof retention>;
