/**
 * What a person's history costs when they are one recipient among many: `GET /api/v1/me/notifications`
 * (a page of 50, newest first) on an embedded Herald whose database holds `--notifications`
 * notifications, each delivered to a webhook, of which one in `--every` was also sent to the person by
 * email. Prints the page's time (median of `--runs`), unfiltered and filtered by status, and how many
 * notifications the page holds; then the organization's history (`GET /api/v1/orgs/{org}/notifications`)
 * filtered by a status none has and by the person.
 *
 * Run with `npx tsx bench/history.ts [--notifications=200000] [--every=1000] [--runs=5]`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';
import { jsonClient, mustPost, percentile } from './harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const NOTIFICATIONS = arg('notifications', 200_000);
const EVERY = arg('every', 1000);
const RUNS = arg('runs', 5);
const ADMIN = 'bench-admin-token-0123456789abcdef';

const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const engine = await createEngine(
  loadConfig(
    {},
    { HERALD_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789' },
    { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'herald-history-')), adminToken: ADMIN },
  ),
  { logger: createLogger('warn', quiet) },
);
const url = await engine.start();
const admin = jsonClient(url, ADMIN);
const org = (await mustPost(admin, '/api/v1/orgs', { slug: 'bench' })) as { id: string };
const member = (await mustPost(admin, '/api/v1/orgs/bench/members', { email: 'ana@bench.test' })) as {
  userId: string;
};
const { token } = (await mustPost(admin, `/api/v1/users/${member.userId}/tokens`, { name: 'bench' })) as {
  token: string;
};

// Written straight into the tables (the pipeline would take minutes to make this many): ids in time
// order, as Herald's are.
const { db } = engine.store;
const began = Date.now();
await sql`with recursive t(n) as (select 1 union all select n + 1 from t where n < ${NOTIFICATIONS})
  insert into notifications (id, org_id, project_id, type, issue_id, event_id, rule_ids, payload, payload_schema, dedupe_key, created_at)
  select printf('ntf_%012d', n), ${org.id}, null, 'deploy', null, null, '[]', '{}', null, printf('bench:%d', n), ${began} + n from t`.execute(
  db,
);
const delivery = (recipientType: string, recipientId: string, channel: string, where: string) =>
  sql`insert into deliveries (id, notification_id, org_id, recipient_type, recipient_id, channel, integration_id, status, reason, attempts, next_attempt_at, last_error, provider_message_id, digest_id, fallback_of, created_at, updated_at, sent_at)
    select printf('dlv_%s_%s', ${channel}, substr(id, 5)), id, org_id, ${recipientType}, ${recipientId}, ${channel}, null, 'sent', null, 1, null, null, null, null, null, created_at, created_at, created_at
    from notifications where ${sql.raw(where)}`.execute(db);
await delivery('webhook', 'int_hook', 'webhook', '1 = 1');
await delivery('user', member.userId, 'email', `cast(substr(id, 5) as integer) % ${EVERY} = 0`);
process.stdout.write(`written in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);

const me = jsonClient(url, token);
const time = async (path: string, client = me) => {
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const answer = await client.request('GET', path);
    times.push(performance.now() - start);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status}`);
    count = (answer.body as { data: unknown[] }).data.length;
  }
  return { 'median ms': percentile(times, 50).toFixed(1), notifications: count };
};
console.table({
  'GET /api/v1/me/notifications': {
    'in the database': NOTIFICATIONS,
    'sent to the person': Math.floor(NOTIFICATIONS / EVERY),
    ...(await time('/api/v1/me/notifications?limit=50')),
  },
  '… ?status=failed (none)': {
    'in the database': NOTIFICATIONS,
    'sent to the person': Math.floor(NOTIFICATIONS / EVERY),
    ...(await time('/api/v1/me/notifications?limit=50&status=failed')),
  },
  'GET /api/v1/orgs/bench/notifications?status=failed (none)': {
    'in the database': NOTIFICATIONS,
    'sent to the person': Math.floor(NOTIFICATIONS / EVERY),
    ...(await time('/api/v1/orgs/bench/notifications?limit=50&status=failed', admin)),
  },
  '… ?recipient=<the person>': {
    'in the database': NOTIFICATIONS,
    'sent to the person': Math.floor(NOTIFICATIONS / EVERY),
    ...(await time(`/api/v1/orgs/bench/notifications?limit=50&recipient=${member.userId}`, admin)),
  },
});
await engine.stop();
