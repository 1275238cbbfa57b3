import type { Kysely } from 'kysely';
import { type Executor, preparedRows } from '../store/prepared-rows.js';
import type { Database, IssueCountTable, IssueUserBucketTable } from '../store/schema.js';
import { storedKeys } from './stored-keys.js';

/** Counts of an issue's events or distinct users in the half-open window `[from, to)`, epoch ms. */
export interface FrequencyReader {
  count(q: { issueId: string; kind: 'events' | 'users'; from: number; to: number }): Promise<number>;
}

/** Bucket resolutions: minutes for short windows, hours for long ones. */
export const RESOLUTIONS = { m: 60_000, h: 3_600_000 } as const;

/** One of the keys of {@link RESOLUTIONS}. */
export type Resolution = keyof typeof RESOLUTIONS;

/** Windows up to this long are read from minute buckets, longer ones from hour buckets. */
const MINUTE_WINDOW_LIMIT = 3_600_000;

/** The start of the bucket of `resolution` that holds `at`. */
export function bucketStart(at: number, resolution: Resolution): number {
  const size = RESOLUTIONS[resolution];
  return Math.floor(at / size) * size;
}

/** What one ingest transaction adds to an issue's counters: its events and their distinct users (hashed). */
export interface FrequencyDelta {
  readonly issueId: string;
  readonly events: number;
  readonly userHashes: readonly string[];
}

/**
 * User bucket rows a process remembers as stored. A user's rows of the current minute and hour are
 * written by their first event there; retention removes rows at least a day old.
 */
const KNOWN_USER_BUCKETS = 50_000;

/**
 * Counts events into their issues' minute and hour buckets, and their users into the user buckets, at
 * `at`: two statements for any number of issues, run in the ingest transaction so counters and events
 * never disagree. Each issue appears once in `deltas` (an upsert may not touch a row twice). User rows
 * this process knows are stored are not written again, so a group of returning users writes only its
 * counts; the function it answers is to be called once the transaction committed, and makes the user
 * rows it wrote known.
 */
export function frequencyRecorder(db: Kysely<Database>) {
  const addCounts = preparedRows<IssueCountTable>(
    ['issue_id', 'resolution', 'bucket_start', 'count'],
    (rows) =>
      db
        .insertInto('issue_counts')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['issue_id', 'resolution', 'bucket_start'])
            .doUpdateSet((eb) => ({ count: eb('issue_counts.count', '+', eb.ref('excluded.count')) })),
        ),
  );
  const addUsers = preparedRows<IssueUserBucketTable>(
    ['issue_id', 'resolution', 'bucket_start', 'user_hash'],
    (rows) =>
      db
        .insertInto('issue_user_buckets')
        .values(rows)
        .onConflict((oc) => oc.doNothing()),
  );

  const known = storedKeys(KNOWN_USER_BUCKETS);
  const keyOf = (row: IssueUserBucketTable) =>
    `${row.issue_id} ${row.resolution} ${row.bucket_start} ${row.user_hash}`;

  return async (trx: Executor, deltas: readonly FrequencyDelta[], at: number): Promise<() => void> => {
    const minute = bucketStart(at, 'm');
    const hour = bucketStart(at, 'h');
    const counts: IssueCountTable[] = [];
    const users: IssueUserBucketTable[] = [];
    for (const { issueId, events, userHashes } of deltas) {
      counts.push(
        { issue_id: issueId, resolution: 'm', bucket_start: minute, count: events },
        { issue_id: issueId, resolution: 'h', bucket_start: hour, count: events },
      );
      for (const user_hash of userHashes)
        users.push(
          { issue_id: issueId, resolution: 'm', bucket_start: minute, user_hash },
          { issue_id: issueId, resolution: 'h', bucket_start: hour, user_hash },
        );
    }
    await addCounts(trx, counts);
    const keys = users.map(keyOf);
    await addUsers(
      trx,
      users.filter((_, i) => !known.has(keys[i]!)),
    );
    return () => known.add(keys);
  };
}

/** Writes ingest's counter rows; see {@link frequencyRecorder}. */
export type FrequencyRecorder = ReturnType<typeof frequencyRecorder>;

/**
 * Reads the bucketed counters. A window of up to an hour sums minute buckets, a longer one hour buckets;
 * the bucket holding `from` is counted whole, so a window may include up to one bucket of events just
 * before it (Sentry's rollups are approximate at their edges the same way). Counts are per issue, not
 * per environment.
 */
export function frequencyStore(db: Kysely<Database>): FrequencyReader & {
  /** Deletes minute buckets older than `minuteBefore` and hour buckets older than `hourBefore`. */
  prune(minuteBefore: number, hourBefore: number): Promise<void>;
} {
  return {
    async count({ issueId, kind, from, to }) {
      if (to <= from) return 0;
      const resolution: Resolution = to - from <= MINUTE_WINDOW_LIMIT ? 'm' : 'h';
      const start = bucketStart(from, resolution);
      if (kind === 'events') {
        const row = await db
          .selectFrom('issue_counts')
          .select((eb) => eb.fn.sum<number | string | null>('count').as('total'))
          .where('issue_id', '=', issueId)
          .where('resolution', '=', resolution)
          .where('bucket_start', '>=', start)
          .where('bucket_start', '<', to)
          .executeTakeFirst();
        return Number(row?.total ?? 0);
      }
      const row = await db
        .selectFrom('issue_user_buckets')
        .select((eb) => eb.fn.count<number | string>('user_hash').distinct().as('users'))
        .where('issue_id', '=', issueId)
        .where('resolution', '=', resolution)
        .where('bucket_start', '>=', start)
        .where('bucket_start', '<', to)
        .executeTakeFirst();
      return Number(row?.users ?? 0);
    },

    async prune(minuteBefore, hourBefore) {
      for (const table of ['issue_counts', 'issue_user_buckets'] as const) {
        await db
          .deleteFrom(table)
          .where((eb) =>
            eb.or([
              eb.and([eb('resolution', '=', 'm'), eb('bucket_start', '<', minuteBefore)]),
              eb.and([eb('resolution', '=', 'h'), eb('bucket_start', '<', hourBefore)]),
            ]),
          )
          .execute();
      }
    },
  };
}
