/**
 * What an hourly retention sweep costs a busy embedded Herald: how long it takes and how long it holds
 * the event loop (every SQLite statement runs on it). Herald embedded in this process (SQLite in a temp
 * folder) takes `--issues` events, each its own issue; their frequency buckets are then written as a
 * steady stream of events over `--days` days would have left them (a minute and an hour bucket of
 * event counts and of one user, for every minute of every issue), and the clock is set so that the
 * sweep finds the oldest hour of them past the retention age, as each hourly sweep does. Prints the
 * rows, the sweep's time, the rows it removed, and the event loop's longest stall and its p99 (from
 * `monitorEventLoopDelay`) while it ran.
 *
 * Run with `npx tsx bench/retention.ts [--issues=1000] [--days=2]`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { retention } from '../src/analytics/retention.js';
import { manualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';
import { jsonClient, mustPost } from './harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const ISSUES = arg('issues', 1000);
const DAYS = arg('days', 2);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RETENTION_DAYS = 1;

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = manualClock(start);
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const engine = await createEngine(
  loadConfig(
    {},
    { HERALD_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789' },
    {
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'herald-retention-')),
      adminToken: ADMIN,
      retentionDays: RETENTION_DAYS,
    },
  ),
  { clock, logger: createLogger('warn', quiet) },
);
const client = jsonClient(await engine.start(), ADMIN);
await mustPost(client, '/api/v1/orgs', { slug: 'bench' });
await mustPost(client, '/api/v1/orgs/bench/projects', { slug: 'bench' });
for (let i = 0; i < ISSUES; i += 1000) {
  const events = Array.from({ length: Math.min(1000, ISSUES - i) }, (_, k) => ({
    message: `retention ${i + k}`,
    fingerprint: [`retention-${i + k}`],
  }));
  await mustPost(client, '/api/v1/projects/bench/bench/events/batch', { events });
}
await engine.queue.drain();

// Every issue seen every minute of the period: its buckets, and its first and last sight.
const { db } = engine.store;
const end = start + DAYS * DAY;
await sql`update issues set first_seen = ${start}, last_seen = ${end - MINUTE}`.execute(db);
await sql`delete from issue_counts`.execute(db);
await sql`delete from issue_user_buckets`.execute(db);
const minutes = (DAYS * DAY) / MINUTE;
const hours = (DAYS * DAY) / HOUR;
const fill = async (table: string, resolution: string, steps: number, size: number, user: boolean) =>
  sql`with recursive t(n) as (select 0 union all select n + 1 from t where n < ${steps - 1})
      insert into ${sql.table(table)} (issue_id, resolution, bucket_start, ${sql.raw(user ? 'user_hash' : 'count')})
      select issues.id, ${resolution}, ${start} + t.n * ${size}, ${user ? sql`'u1'` : sql`1`} from issues, t`.execute(
    db,
  );
const filled = Date.now();
await fill('issue_counts', 'm', minutes, MINUTE, false);
await fill('issue_counts', 'h', hours, HOUR, false);
await fill('issue_user_buckets', 'm', minutes, MINUTE, true);
await fill('issue_user_buckets', 'h', hours, HOUR, true);
const rows = async (table: string) =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
const before = {
  issue_counts: await rows('issue_counts'),
  issue_user_buckets: await rows('issue_user_buckets'),
};
process.stdout.write(`filled in ${((Date.now() - filled) / 1000).toFixed(1)} s: ${JSON.stringify(before)}\n`);

// The oldest hour is past the retention age.
clock.set(start + HOUR + RETENTION_DAYS * DAY);
const sweep = retention({ db, clock, logger: engine.logger, retentionDays: RETENTION_DAYS });
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const began = performance.now();
const pruned = await sweep.prune();
const took = performance.now() - began;
loop.disable();
const cutoff = clock.now() - RETENTION_DAYS * DAY;
const left = async (table: string) =>
  Number(
    (
      await sql<{
        n: number;
      }>`select count(*) as n from ${sql.table(table)} where bucket_start < ${cutoff}`.execute(db)
    ).rows[0]!.n,
  );
const stale = (await left('issue_counts')) + (await left('issue_user_buckets'));
console.table([
  {
    issues: ISSUES,
    'bucket rows': before.issue_counts + before.issue_user_buckets,
    'sweep s': (took / 1000).toFixed(2),
    'counts removed': pruned.issue_counts,
    'users removed': pruned.issue_user_buckets,
    'older rows left': stale,
    'longest stall ms': (loop.max / 1e6).toFixed(1),
    'stall p99 ms': (loop.percentile(99) / 1e6).toFixed(1),
  },
]);
await engine.stop();
