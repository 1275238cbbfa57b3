/**
 * Event ingest, two scenarios against Herald embedded (SQLite file in a temp dir) in a child process,
 * driven with single-event POSTs over keep-alive connections by autocannon in this one, so client and
 * server each get a core:
 * - throughput: as many requests as the server takes (role api: ingest alone, rules off);
 * - latency: a fixed 1,000 events/s into a project with one `every_event` rule (frequency 0) and the
 *   workers on; ingest→firing is each notification's created_at minus its event's received_at, read from
 *   the database after the run (received_at is taken as the event's transaction starts, just after the
 *   request was parsed and validated).
 * Run with `npx tsx bench/ingest.ts [seconds] [connections] [--scenario=throughput|latency]` (both by
 * default; the latency scenario uses 16 connections and `--rate=N` changes its rate). `--role=all` runs
 * the throughput scenario with the workers on, as `npm start` does: each event's evaluation job runs too
 * (the project has no rules, so it finds none to fire).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';
import type { Database } from '../src/store/schema.js';
import { timeStatements } from './sql-timing.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const option = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
const SECONDS = Number(positional[0] ?? 20);
const CONNECTIONS = Number(positional[1] ?? 32);
const SCENARIOS = ['throughput', 'latency'] as const;
type Scenario = (typeof SCENARIOS)[number];
const RATE = Number(option('rate') ?? 1000);
const ADMIN = 'bench-admin-token-0123456789';

/** The part of autocannon used here (it ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  overallRate?: number;
  requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    setupRequest: (request: { body?: string }) => { body: string };
  }[];
}) => Promise<{
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}>;

const serving = option('serve') as Scenario | undefined;
if (serving) await serve(serving);
else {
  const chosen = option('scenario');
  for (const scenario of SCENARIOS) if (!chosen || chosen === scenario) await drive(scenario);
}

/** What the child reports when stopped. */
interface Report {
  readonly cpuMs: number;
  /** Latency scenario: ingest→notification in ms per fired event, and the events stored. */
  readonly firing?: { readonly latencies: number[]; readonly events: number };
}

/**
 * The child: Herald on port 0; request logs at info go nowhere (their cost counts, their noise does not).
 * With HERALD_BENCH_SQL set, it times every SQLite statement of the measured run and prints the costliest
 * per request when stopped: where the database time goes, by statement.
 */
async function serve(scenario: Scenario): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  // Throughput runs role api: the rule workers stay off, so the figure is ingest alone (their jobs are
  // still written). Latency needs them.
  const role = scenario === 'throughput' ? (option('role') === 'all' ? 'all' : 'api') : 'all';
  const config = loadConfig({}, {}, { port: 0, dataDir, adminToken: ADMIN, logLevel: 'info', role });
  const statements = process.env.HERALD_BENCH_SQL ? timeStatements() : null;
  const engine = await createEngine(config, { logger: createLogger('info', sink) });
  const url = await engine.start();
  process.send?.({ url });
  let cpu = process.cpuUsage();
  process.on('message', async (message) => {
    // 'start' marks the beginning of the measured run; `{ stop: requests }` answers with the CPU spent since.
    if (message === 'start') {
      cpu = process.cpuUsage();
      statements?.start();
      return;
    }
    statements?.stop();
    const used = process.cpuUsage(cpu);
    const report: Report = {
      cpuMs: (used.user + used.system) / 1000,
      ...(scenario === 'latency' ? { firing: await firingLatencies(engine.store.db) } : {}),
    };
    if (statements) {
      const { calls } = statements.totals();
      console.log(`SQLite statements of the measured run: ${calls}`);
      const { stop: requests } = message as { stop: number };
      console.table(statements.table(Math.max(1, requests)));
    }
    process.send?.(report);
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** Waits until the evaluation jobs are done, then reads notification time minus event arrival per event. */
async function firingLatencies(db: Kysely<Database>): Promise<NonNullable<Report['firing']>> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const left = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'evaluate-event')
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rows = await db
    .selectFrom('notifications')
    .innerJoin('events', 'events.id', 'notifications.event_id')
    .select(['notifications.created_at as firedAt', 'events.received_at as receivedAt'])
    .execute();
  const events = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { latencies: rows.map((r) => r.firedAt - r.receivedAt), events: Number(events.n) };
}

async function drive(scenario: Scenario): Promise<void> {
  const child = fork(
    new URL(import.meta.url).pathname,
    [`--serve=${scenario}`, `--role=${option('role') ?? 'api'}`],
    {
      execArgv: [...process.execArgv, ...(process.env.HERALD_BENCH_PROF ? ['--cpu-prof'] : [])],
    },
  );
  const url = await new Promise<string>((resolve) =>
    child.once('message', (m) => resolve((m as { url: string }).url)),
  );
  const call = async (path: string, body: unknown, token = ADMIN) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, string>;
  };
  await call('/api/v1/orgs', { slug: 'bench' });
  await call('/api/v1/orgs/bench/projects', { slug: 'web' });
  const { token } = await call('/api/v1/orgs/bench/api-keys', { name: 'bench' });
  if (scenario === 'latency') {
    const { userId } = await call('/api/v1/orgs/bench/members', {
      email: 'oncall@bench.test',
      role: 'owner',
    });
    await call('/api/v1/projects/bench/web/rules', {
      name: 'Every event',
      actionMatch: 'all',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_inapp', targetType: 'Member', targetIdentifier: userId }],
    });
  }
  const connections = scenario === 'latency' ? 16 : CONNECTIONS;

  let n = 0;
  const body = () => {
    n++;
    return JSON.stringify({
      level: n % 10 === 0 ? 'warning' : 'error',
      environment: n % 3 === 0 ? 'staging' : 'production',
      release: `web@1.${n % 5}.0`,
      platform: 'node',
      tags: { browser: ['Chrome', 'Firefox', 'Safari'][n % 3], route: `/cart/${n % 20}` },
      user: { id: `user-${n % 500}` },
      exception: {
        values: [
          {
            type: ['TypeError', 'RangeError', 'Error'][n % 3],
            value: `Cannot read properties of undefined (reading 'item${n}')`,
            mechanism: { type: 'onunhandledrejection', handled: false },
            stacktrace: {
              frames: [
                { filename: 'node:internal/process', function: 'processTicks', in_app: false },
                { filename: '/srv/app/cart.js', function: `handler${n % 50}`, lineno: 42, in_app: true },
              ],
            },
          },
        ],
      },
    });
  };

  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  child.send('start');
  const result = await autocannon({
    url,
    connections,
    duration: SECONDS,
    pipelining: 1,
    ...(scenario === 'latency' ? { overallRate: RATE } : {}),
    requests: [
      {
        method: 'POST',
        path: '/api/v1/projects/bench/web/events',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
  const stopped = new Promise<Report>((resolve) => child.once('message', (m) => resolve(m as Report)));
  const served = result.requests.total;
  child.send({ stop: served });
  const { cpuMs, firing } = await stopped;
  await new Promise((resolve) => child.once('exit', resolve));
  const fired = firing ? [...firing.latencies].sort((a, b) => a - b) : [];
  const at = (q: number) => fired[Math.min(fired.length - 1, Math.floor(q * fired.length))] ?? Number.NaN;
  console.table([
    {
      scenario,
      'requests/s': Math.round(result.requests.average),
      total: served,
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.timeouts,
      // What one core of the server could do if nothing else ran on the machine.
      'server CPU µs/req': Math.round((cpuMs * 1000) / served),
      'one-core capacity/s': Math.round(served / (cpuMs / 1000)),
      'non-2xx': result.non2xx,
      ...(firing
        ? {
            'fired/events': `${fired.length}/${firing.events}`,
            'firing p50 ms': at(0.5),
            'firing p99 ms': at(0.99),
          }
        : {}),
      connections,
      seconds: SECONDS,
    },
  ]);
}
