import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { MAX_PAST_MS } from '../events/normalize.js';
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
/** Issues whose frequency buckets one statement looks at. */
const ISSUES_PER_PAGE = 200;
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
  /** The cutoff of this process's last complete sweep of the frequency buckets. */
  let sweptBefore: number | null = null;

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

  /**
   * Deletes the frequency buckets (event counts and users per minute and hour) that began before
   * `cutoff`, issue by issue. The buckets are keyed by issue, resolution and start, with no index on
   * the start alone: finding them by time read both tables whole for every batch (48.7 s, with the event
   * loop held 0.77 s at a time, to prune the oldest hour of 1,000 issues' two days of buckets; see
   * bench/retention.ts), where each issue's old buckets are a range of its key. Issues are visited a
   * page at a time, each page's buckets deleted at most `batch` rows a statement. An issue first seen
   * after the cutoff has no bucket before it, and one last seen long before the previous sweep's cutoff
   * had its last buckets deleted by that sweep: neither is visited (the first sweep of a process visits
   * every issue older than the cutoff). Buckets are counted at arrival and `last_seen` is the event's own
   * time, which may be up to 30 days earlier (older ones are moved to arrival): "long before" is that much.
   */
  async function pruneBuckets(cutoff: number, since: number | null): Promise<PruneCounts> {
    const removed = { issue_counts: 0, issue_user_buckets: 0 };
    let after = '';
    for (;;) {
      let page = db
        .selectFrom('issues')
        .select('id')
        .where('id', '>', after)
        .where('first_seen', '<', cutoff)
        .orderBy('id')
        .limit(ISSUES_PER_PAGE);
      if (since !== null) page = page.where('last_seen', '>=', since - MAX_PAST_MS);
      const ids = (await page.execute()).map((r) => r.id);
      if (ids.length === 0) return removed;
      for (const table of ['issue_counts', 'issue_user_buckets'] as const) {
        for (;;) {
          const n = await deleteOldBuckets(table, ids, cutoff);
          removed[table] += n;
          await pause();
          if (n < batch) break;
        }
      }
      after = ids.at(-1)!;
    }
  }

  /** Deletes up to `batch` buckets of these issues that began before `cutoff`; answers how many. */
  async function deleteOldBuckets(
    table: 'issue_counts' | 'issue_user_buckets',
    issueIds: readonly string[],
    cutoff: number,
  ): Promise<number> {
    const result = await db
      .deleteFrom(table)
      .where((eb) =>
        eb(
          eb.refTuple('issue_id', 'resolution', 'bucket_start'),
          'in',
          eb
            .selectFrom(table)
            .select(['issue_id', 'resolution', 'bucket_start'])
            .where('issue_id', 'in', issueIds)
            // Both resolutions named, so each issue's old buckets are one range of the key.
            .where('resolution', 'in', ['m', 'h'])
            .where('bucket_start', '<', cutoff)
            .limit(batch)
            .$asTuple('issue_id', 'resolution', 'bucket_start'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async function sweep(): Promise<PruneCounts> {
    const now = clock.now();
    const cutoff = now - deps.retentionDays * DAY;
    const buckets = await pruneBuckets(cutoff, sweptBefore);
    sweptBefore = cutoff;
    const counts: PruneCounts = {
      notifications: await pruneNotifications(cutoff),
      events: await pruneByTime('events', 'received_at', cutoff),
      ...buckets,
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
