/**
 * `npm run bench`: Herald side by side with the physical limit (a bare keep-alive HTTP loop to the same
 * sink) and with Prometheus Alertmanager, on this machine, in one run. Herald runs as child processes
 * (`node --max-semi-space-size=32 bin/herald.js serve --port 0`, as `npm start` runs it): embedded in a
 * temp folder, and the cluster profile too when PostgreSQL and Redis answer. Prints one table and writes
 * bench/results/<timestamp>.json.
 *
 * Flags: `--quick` (smoke run, about 2 minutes), `--profile` (CPU profile of each Herald process,
 * summarized at the end), `--no-cluster`, `--no-alertmanager`, `--install-alertmanager` (apt-get, as root),
 * `--only=a,b` (those scenarios), `--rates=500,1000` and `--latency-seconds=N` (the latency scenario's
 * fixed rates and length), `--pg-tcp` (the cluster reaches PostgreSQL over TCP, not its Unix socket),
 * `--cluster-workers=N` (worker processes beside the cluster's API; default 1).
 * Loopback only; every loop is bounded and a watchdog ends the run if anything hangs.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { DEFAULT_CONCURRENCY } from '../src/queue/queue.js';
import { findAlertmanager, startAlertmanager } from './alertmanager-peer.js';
import {
  alertBody,
  cpuMeter,
  cpuNote,
  type HeraldProcesses,
  type JsonClient,
  jsonClient,
  memoryOf,
  percentile,
  pidsNamed,
  replayDeadLetters,
  type Sink,
  sleep,
  slope,
  startHeraldProcess,
  startSink,
  waitForRefused,
  wallNow,
} from './harness.js';
import { agentPoster, autocannonPosts, closedLoop, fixedRate, type Poster, undiciPoster } from './load.js';
import { summarizeProfile } from './profile-summary.js';
import { measureRules } from './rules.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const CPU_PROFILE = argv.includes('--profile');
const ONLY = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** Whether a scenario runs: all of them, unless `--only=a,b` names some. */
const want = (name: string) => ONLY === undefined || ONLY.includes(name);
const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';
const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/**
 * PostgreSQL on this host, over its Unix socket when it has one (what an operator running the cluster
 * processes beside their database would configure: on this machine a query costs the client about half
 * the CPU of one over loopback TCP); `--pg-tcp` uses TCP.
 */
const PG_SOCKET_DIR = '/var/run/postgresql';
const PG_URL =
  !argv.includes('--pg-tcp') && existsSync(join(PG_SOCKET_DIR, '.s.PGSQL.5432'))
    ? `postgres://postgres@${encodeURIComponent(PG_SOCKET_DIR)}/test`
    : 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
/**
 * Concurrencies of the bare loops: Herald's worker runs DEFAULT_CONCURRENCY jobs at once (only part of each
 * is its HTTP request), and a loop of 16 posts is as fast or faster on two cores; the ceiling is the
 * fastest loop of the run.
 */
const CEILING_CONCURRENCIES = [...new Set([16, DEFAULT_CONCURRENCY])];

/** A numeric list flag (`--name=1,2`), or undefined when absent. */
function numbersFlag(name: string): number[] | undefined {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v) || v <= 0))
    throw new Error(`--${name}: positive numbers, got ${raw}`);
  return values;
}

/** How long and how much each scenario runs. */
const DEFAULT_PLAN = QUICK
  ? {
      ingestSeconds: 10,
      batchSeconds: 5,
      latencyRates: [500, 1000, 2000],
      latencySeconds: 3,
      warmUpSeconds: 3,
      burst: 2000,
      alerts: 1000,
      memorySeconds: 60,
      memoryRate: 100,
      sampleMs: 2000,
      ruleEvents: 500,
      clusterIngestSeconds: 5,
      clusterRates: [500],
      watchdogMinutes: 30,
    }
  : {
      ingestSeconds: 60,
      batchSeconds: 20,
      latencyRates: [500, 1000, 2000],
      latencySeconds: 20,
      warmUpSeconds: 10,
      burst: 20_000,
      alerts: 10_000,
      memorySeconds: 300,
      memoryRate: 200,
      sampleMs: 5000,
      ruleEvents: 2000,
      clusterIngestSeconds: 20,
      clusterRates: [500, 2000],
      watchdogMinutes: 75,
    };
const PLAN = {
  ...DEFAULT_PLAN,
  latencyRates: numbersFlag('rates') ?? DEFAULT_PLAN.latencyRates,
  latencySeconds: numbersFlag('latency-seconds')?.[0] ?? DEFAULT_PLAN.latencySeconds,
};

/** One line of the table. */
interface Row {
  profile: string;
  scenario: string;
  figure: string;
  herald: number | null;
  unit: string;
  /** The bare HTTP loop's figure, for delivery figures. */
  ceiling?: number | null;
  alertmanager?: number | null;
  note?: string;
}

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const cleanups: (() => Promise<void> | void)[] = [];

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: still running after ${PLAN.watchdogMinutes} minutes; stopping\n`);
  rows.push({
    profile: '-',
    scenario: 'watchdog',
    figure: '-',
    herald: null,
    unit: '',
    note: 'run stopped early',
  });
  writeResults();
  void cleanup().finally(() => process.exit(2));
}, PLAN.watchdogMinutes * 60_000);
watchdog.unref();
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch (error) {
      process.stderr.write(`bench: cleanup failed: ${String(error)}\n`);
    }
  }
}

const log = (message: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** A Sentry-shaped event; `unique` gives it an issue of its own (so every event fires `every_event`). */
function eventBody(marker: string, n: number, unique: boolean): Record<string, unknown> {
  return {
    level: n % 10 === 0 ? 'warning' : 'error',
    environment: 'production',
    release: `web@1.${n % 5}.0`,
    platform: 'node',
    tags: { bench: marker, browser: ['Chrome', 'Firefox', 'Safari'][n % 3]!, route: `/cart/${n % 20}` },
    user: { id: `user-${n % 500}` },
    ...(unique ? { fingerprint: [marker] } : {}),
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
  };
}

/** Latency figures in ms of the markers that arrived; `delivered` counts them. */
function latencies(scheduled: ReadonlyMap<string, number>, arrivals: Readonly<Record<string, number>>) {
  const values: number[] = [];
  for (const [marker, at] of scheduled) {
    const arrived = arrivals[marker];
    if (arrived !== undefined) values.push(arrived - at);
  }
  return {
    delivered: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}

/**
 * The p99 of each second of a fixed-rate run, by scheduled send time: whether a run's tail is spread
 * over it or sits in a few seconds (its start, a pause).
 */
function p99BySecond(scheduled: ReadonlyMap<string, number>, arrivals: Readonly<Record<string, number>>) {
  const seconds: number[][] = [];
  let start = Number.POSITIVE_INFINITY;
  for (const at of scheduled.values()) start = Math.min(start, at);
  for (const [marker, at] of scheduled) {
    const arrived = arrivals[marker];
    if (arrived === undefined) continue;
    const second = Math.floor((at - start) / 1000);
    const values = seconds[second] ?? [];
    values.push(arrived - at);
    seconds[second] = values;
  }
  return Array.from(seconds, (values) => (values ? Math.round(percentile(values, 99) * 10) / 10 : null));
}

/** First and last arrival of a report's markers. */
function span(arrivals: Readonly<Record<string, number>>): { first: number; last: number } {
  // The queue runs jobs oldest first: a burst's first delivery waits for every evaluation before it.
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const at of Object.values(arrivals)) {
    if (at < first) first = at;
    if (at > last) last = at;
  }
  return { first, last };
}

/** Herald under test: its processes and a client for its API. */
interface Target {
  readonly profile: 'embedded' | 'cluster';
  readonly tag: string;
  readonly processes: HeraldProcesses;
  readonly client: JsonClient;
  /** The embedded Herald's database, read (read-only) for when its rules fired. */
  readonly sqliteFile?: string;
  /** Gives the cluster's PostgreSQL tables their statistics (see warmUp). */
  readonly analyze?: () => Promise<void>;
}

/**
 * Counts the CPU of Herald's processes and the sink's from now, and in the cluster profile PostgreSQL's
 * and Redis's too (every process of those names on the host: the bench's are the only ones).
 */
function meterFor(target: Target, sink: Sink) {
  return cpuMeter({
    herald: target.processes.pids,
    ...(target.profile === 'cluster'
      ? { 'PostgreSQL+Redis': () => pidsNamed(['postgres', 'redis-server']) }
      : {}),
    sink: [sink.pid],
  });
}

/**
 * Waits until the Herald has no due job left (its `/readyz` queue detail), so a scenario is not measured
 * behind the backlog the previous one left. Bounded: after `maxMs` it goes on and says how much was left.
 */
async function settle(target: Target, maxMs = 600_000): Promise<void> {
  const started = wallNow();
  let due = 0;
  for (;;) {
    const answer = await target.client.request('GET', '/readyz');
    due = Number(answer.body?.queue?.due ?? 0);
    if (due === 0) break;
    if (wallNow() - started > maxMs) {
      log(`${target.profile}: ${due} jobs still due after ${maxMs / 1000} s; going on`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const waited = wallNow() - started;
  if (waited > 1000)
    log(`${target.profile}: waited ${(waited / 1000).toFixed(1)} s for the previous backlog`);
}

/** Rate of the warm-up before the latency runs: one a fresh process sustains easily. */
const WARM_UP_RATE = 300;

/**
 * Runs events through a fresh Herald before anything is measured: its first seconds are spent compiling
 * (the JIT, SQLite's prepared statements, connection pools), which no long-running installation pays.
 * Its figures are kept in the JSON (as `<profile>.latency300`) but not in the table. On PostgreSQL the
 * tables then get their first statistics, as autovacuum gives them within its first cycle (a minute) on
 * any installation: a fresh schema has none, and without them the planner took the few thousand issues
 * of the warm-up for a few dozen and looked issues up by reading every issue of the project (400–4,000
 * buffers a lookup; 1.2 ms of PostgreSQL an event at 500 events/s), which is a new database's first
 * minute, not the cluster's steady state.
 */
async function warmUp(target: Target, sink: Sink): Promise<void> {
  log(`${target.profile}: warm-up, ${WARM_UP_RATE} events/s for ${PLAN.warmUpSeconds} s (not measured)`);
  await latencyAt({ ...target, tag: `${target.tag}warm` }, sink, WARM_UP_RATE, PLAN.warmUpSeconds);
  await settle(target);
  await target.analyze?.();
}

/** Creates the org, its projects, the webhook integration to the sink and the `every_event` rules. */
async function setUp(client: JsonClient, sink: Sink): Promise<void> {
  const must = async (method: string, path: string, body: unknown) => {
    const answer = await client.request(method, path, body);
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  await must('POST', '/api/v1/orgs', { slug: 'bench', name: 'Bench' });
  for (const slug of ['ingest', 'hooks', 'alerts', 'replay'])
    await must('POST', '/api/v1/orgs/bench/projects', { slug });
  const hook = await must('POST', '/api/v1/orgs/bench/integrations', {
    provider: 'webhook',
    name: 'Sink',
    config: { url: `${sink.url}/herald` },
    secrets: { signingSecret: SIGNING_SECRET },
  });
  // The receiver of the `replay` scenario refuses (400) until the scenario points it at the sink.
  const receiver = await must('POST', '/api/v1/orgs/bench/integrations', {
    provider: 'webhook',
    name: REPLAY_RECEIVER,
    config: { url: `${sink.url}/refuse/herald` },
    secrets: { signingSecret: SIGNING_SECRET },
  });
  for (const [project, integration] of [
    ['hooks', hook.id],
    ['alerts', hook.id],
    ['replay', receiver.id],
  ]) {
    await must('POST', `/api/v1/projects/bench/${project}/rules`, {
      name: 'Every event to the sink',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'webhook', integration }],
    });
  }
}

const REPLAY_RECEIVER = 'Receiver (replay)';

/** Ingest→delivered latency at a fixed rate of single-event POSTs. */
async function latencyAt(target: Target, sink: Sink, rate: number, seconds: number) {
  const prefix = `bmk_${target.tag}lat${rate}_`;
  const sender = jsonClient(target.processes.url, ADMIN, 256);
  // What a steady stream costs: the CPU of each event at this rate, the sender's not counted.
  const meter = meterFor(target, sink);
  const sent = await fixedRate({
    rate,
    seconds,
    marker: (i) => `${prefix}${i}`,
    send: (i, marker) =>
      sender
        .request(
          'POST',
          '/api/v1/projects/bench/hooks/events',
          undefined,
          JSON.stringify(eventBody(marker, i, true)),
        )
        .then((a) => a.status === 202),
  });
  sender.close();
  await sink.waitFor(prefix, sent.sent - sent.failed, 15_000, 180_000);
  const cpu = meter.perUnit(sent.sent);
  const report = await sink.report(prefix);
  const figures = latencies(sent.scheduled, report.arrivals);
  const firing = target.sqliteFile ? latencies(sent.scheduled, firedAt(target.sqliteFile, prefix)) : null;
  details[`${target.profile}.latency${rate}`] = {
    ...figures,
    sent: sent.sent,
    failed: sent.failed,
    ingestAnswerP99: percentile(sent.answerMs, 99),
    ...(firing ? { firing } : {}),
    p99BySecond: p99BySecond(sent.scheduled, report.arrivals),
    cpu,
  };
  return { ...figures, sent: sent.sent, failed: sent.failed, firing, cpu };
}

/**
 * When each marked event's rule fired: the creation time of its issue alert, from the embedded Herald's
 * database (the same wall clock as the sender's), by the marker in the event's `bench` tag.
 */
function firedAt(file: string, prefix: string): Record<string, number> {
  const db = new SQLite(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `select json_extract(e.payload, '$.tags.bench') as marker, n.created_at as fired
           from notifications n join events e on e.id = n.event_id
          where n.type = 'issue_alert' and json_extract(e.payload, '$.tags.bench') like ? || '%'`,
      )
      .all(prefix) as { marker: string; fired: number }[];
    return Object.fromEntries(rows.map((r) => [r.marker, Number(r.fired)]));
  } finally {
    db.close();
  }
}

/** The bare loop's latency at the same fixed rate, to the same sink. */
async function bareLatencyAt(
  sink: Sink,
  poster: Poster,
  sample: { headers: Record<string, string>; body: string },
  rate: number,
  seconds: number,
) {
  const prefix = `bmk_barelat${rate}_`;
  const sent = await fixedRate({
    rate,
    seconds,
    marker: (i) => `${prefix}${i}`,
    send: (i, marker) =>
      poster.post(
        { ...sample.headers, 'webhook-id': `bare_lat_${rate}_${i}` },
        withMarker(sample.body, marker),
      ),
  });
  await sink.waitFor(prefix, sent.sent - sent.failed, 5000, 60_000);
  return latencies(sent.scheduled, (await sink.report(prefix)).arrivals);
}

function replayRow(
  profile: Target['profile'],
  figures: Awaited<ReturnType<typeof replay>>,
  ceilingPerSecond: number | null,
): Row {
  return {
    profile,
    scenario: `delivery stage (${figures.replayed} dead letters replayed)`,
    figure: 'deliveries/s',
    herald: figures.arrivalsPerSecond,
    ceiling: ceilingPerSecond,
    unit: '/s',
    note: `${figures.delivered} delivered, ${figures.duplicates} duplicates; ${cpuNote(figures.cpu)}`,
  };
}

function withMarker(body: string, marker: string): string {
  return body.replace(/bmk_[a-z0-9]+_\d+/g, marker);
}

/** N marked events, each its own issue, into a project of the bench org in batches of 1,000. */
async function ingestBatches(target: Target, project: string, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const events = Array.from({ length: Math.min(1000, n - i) }, (_, k) =>
      eventBody(`${prefix}${i + k}`, i + k, true),
    );
    const answer = await target.client.request('POST', `/api/v1/projects/bench/${project}/events/batch`, {
      events,
    });
    if (answer.status !== 202) throw new Error(`batch ingest answered ${answer.status}`);
  }
}

/** N notifications at once (batches of 1,000 events, each its own issue): sink arrivals per second. */
async function burst(target: Target, sink: Sink, n: number) {
  const prefix = `bmk_${target.tag}burst_`;
  const meter = meterFor(target, sink);
  const started = wallNow();
  await ingestBatches(target, 'hooks', prefix, n);
  const ingested = wallNow();
  await sink.waitFor(prefix, n, 120_000, 600_000);
  const cpu = meter.perUnit(n);
  const report = await sink.report(prefix);
  const { first, last } = span(report.arrivals);
  const figures = {
    delivered: report.markers,
    ingestMs: ingested - started,
    arrivalsPerSecond: report.markers / ((last - first) / 1000),
    endToEndPerSecond: report.markers / ((last - started) / 1000),
    duplicates: report.duplicates,
    cpu,
  };
  details[`${target.profile}.burst`] = figures;
  return figures;
}

/**
 * The delivery stage alone, like for like with the bare loops: N deliveries already decided are sent.
 * Every event of the `replay` project first goes to a receiver that rejects it (400 → dead after
 * one attempt); the receiver is then pointed at the sink and the dead letters replayed in bulk, 1,000 a
 * request, as an operator would after fixing it. The figure is sink arrivals per second, first to last:
 * claim, render, sign, post and record each delivery, with no ingest or rules in the window.
 */
async function replay(target: Target, sink: Sink, n: number) {
  const prefix = `bmk_${target.tag}replay_`;
  await ingestBatches(target, 'replay', prefix, n);
  await waitForRefused(sink, prefix, n);
  await settle(target);
  const listed = await target.client.request('GET', '/api/v1/orgs/bench/integrations');
  const receiver = (listed.body?.data as { id: string; name: string }[] | undefined)?.find(
    (i) => i.name === REPLAY_RECEIVER,
  );
  if (!receiver) throw new Error('the replay receiver integration is missing');
  const patched = await target.client.request('PATCH', `/api/v1/orgs/bench/integrations/${receiver.id}`, {
    config: { url: `${sink.url}/herald` },
  });
  if (patched.status !== 200) throw new Error(`integration update answered ${patched.status}`);
  // Workers of other processes (the cluster's) see an integration edit within 2 s.
  if (target.profile === 'cluster') await sleep(2500);
  const meter = meterFor(target, sink);
  const replayed = await replayDeadLetters(target.client, n);
  await sink.waitFor(prefix, n, 60_000, 600_000);
  const cpu = meter.perUnit(n);
  const report = await sink.report(prefix);
  const { first, last } = span(report.arrivals);
  const figures = {
    replayed,
    delivered: report.markers,
    arrivalsPerSecond: report.markers / ((last - first) / 1000),
    duplicates: report.duplicates,
    cpu,
  };
  details[`${target.profile}.replay`] = figures;
  return figures;
}

/** The physical limit: the same body, N times, by a bare loop of `concurrency` posts at a time. */
async function ceiling(
  sink: Sink,
  poster: Poster,
  sample: { headers: Record<string, string>; body: string },
  n: number,
  tag: string,
  concurrency: number,
) {
  const prefix = `bmk_${tag}_`;
  const meter = cpuMeter({ 'bare loop': [process.pid], sink: [sink.pid] });
  const loop = await closedLoop(n, concurrency, (i) =>
    poster.post(
      { ...sample.headers, 'webhook-id': `bare_${tag}_${i}` },
      withMarker(sample.body, `${prefix}${i}`),
    ),
  );
  await sink.waitFor(prefix, n - loop.failed, 5000, 60_000);
  const cpu = meter.perUnit(n);
  const report = await sink.report(prefix);
  const { first, last } = span(report.arrivals);
  return {
    delivered: report.markers,
    perSecond: report.markers / ((last - first) / 1000),
    failed: loop.failed,
    cpu,
  };
}

/**
 * Alertmanager's v2 API fed N alerts in batches of 100, one batch after another: alert→webhook
 * throughput (from the first post to the last arrival) and latency (from each alert's post).
 */
async function alertFeed(
  baseUrl: string,
  path: string,
  token: string,
  sink: Sink,
  n: number,
  tag: string,
  meter: ReturnType<typeof cpuMeter>,
) {
  const prefix = `bmk_${tag}_`;
  const client = jsonClient(baseUrl, token, 4);
  const scheduled = new Map<string, number>();
  const started = wallNow();
  for (let i = 0; i < n; i += 100) {
    const at = wallNow();
    const alerts = Array.from({ length: Math.min(100, n - i) }, (_, k) => {
      const marker = `${prefix}${i + k}`;
      scheduled.set(marker, at);
      return alertBody(marker, i + k);
    });
    const answer = await client.request('POST', path, alerts);
    if (answer.status !== 200)
      throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  client.close();
  await sink.waitFor(prefix, n, 120_000, 600_000);
  const cpu = meter.perUnit(n);
  const report = await sink.report(prefix);
  const { last } = span(report.arrivals);
  const figures = {
    ...latencies(scheduled, report.arrivals),
    perSecond: report.markers / ((last - started) / 1000),
    cpu,
  };
  details[`${tag}.alerts`] = figures;
  return figures;
}

/** Sustained single-event ingest (autocannon, 32 connections) and batch ingest (100 per request). */
async function ingest(target: Target, sink: Sink, seconds: number, batchSeconds: number) {
  let n = 0;
  const single = await autocannonPosts({
    url: target.processes.url,
    path: '/api/v1/projects/bench/ingest/events',
    token: ADMIN,
    connections: 32,
    seconds,
    body: () => JSON.stringify(eventBody(`bmk_ingest_${n}`, n++, false)),
  });
  const batch =
    batchSeconds > 0
      ? await autocannonPosts({
          url: target.processes.url,
          path: '/api/v1/projects/bench/ingest/events/batch',
          token: ADMIN,
          connections: 4,
          seconds: batchSeconds,
          body: () =>
            JSON.stringify({
              events: Array.from({ length: 100 }, () => eventBody(`bmk_ingest_${n}`, n++, false)),
            }),
        })
      : null;
  // The rule jobs of what was ingested run behind; the next scenario starts once a canary got through.
  const drainStart = wallNow();
  const prefix = `bmk_${target.tag}canary_`;
  await target.client.request(
    'POST',
    '/api/v1/projects/bench/hooks/events',
    eventBody(`${prefix}0`, 0, true),
  );
  await sink.waitFor(prefix, 1, 600_000, 600_000);
  const figures = {
    singlePerSecond: single.perSecond,
    singleP99: single.p99,
    singleErrors: single.errors,
    batchEventsPerSecond: batch ? (batch.ok * 100) / batchSeconds : null,
    backlogDrainMs: wallNow() - drainStart,
  };
  details[`${target.profile}.ingest`] = figures;
  return figures;
}

/** A fixed rate for a long while, RSS sampled throughout: the slope says whether memory keeps growing. */
async function memory(target: Target, sink: Sink, seconds: number, rate: number, everyMs: number) {
  const pid = target.processes.pids[0]!;
  const samples: { x: number; y: number }[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const m = memoryOf(pid);
    if (m) samples.push({ x: (Date.now() - t0) / 60_000, y: m.rssMb });
  }, everyMs);
  const figures = await latencyAt({ ...target, tag: `${target.tag}mem` }, sink, rate, seconds);
  clearInterval(sampler);
  const steady = samples.slice(Math.floor(samples.length * 0.2));
  const result = {
    samples,
    mbPerMinute: slope(steady),
    firstMb: samples[0]?.y ?? null,
    lastMb: samples.at(-1)?.y ?? null,
    p99: figures.p99,
  };
  details[`${target.profile}.memory`] = result;
  return result;
}

async function startEmbedded(dir: string): Promise<Target> {
  const dataDir = join(dir, 'embedded');
  mkdirSync(dataDir, { recursive: true });
  const process0 = await startHeraldProcess({
    name: 'herald-embedded',
    logDir: dir,
    env: heraldEnv({ HERALD_DATA_DIR: dataDir }),
    ...profiled('herald-embedded'),
  });
  const processes: HeraldProcesses = {
    url: process0.url,
    pids: [process0.child.pid ?? 0],
    stop: process0.stop,
  };
  return {
    profile: 'embedded',
    tag: 'e',
    processes,
    client: jsonClient(process0.url, ADMIN),
    sqliteFile: join(dataDir, 'herald.db'),
  };
}

/** With `--profile`, where a Herald process writes its CPU profile: a folder of its own, named after it. */
function profiled(name: string): { cpuProfDir?: string } {
  if (!CPU_PROFILE) return {};
  const cpuProfDir = join(ROOT, 'bench/results', `profile-${stamp}`, name);
  mkdirSync(cpuProfDir, { recursive: true });
  return { cpuProfDir };
}

function heraldEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HERALD_ADMIN_TOKEN: ADMIN,
    HERALD_SECRET_KEY: SECRET_KEY,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Whether PostgreSQL and Redis answer, so the cluster profile can run. */
async function clusterAvailable(): Promise<string | null> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    return `PostgreSQL at ${PG_URL} does not answer (${String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis at ${REDIS_URL} does not answer (${String(error)})`;
  } finally {
    redis.disconnect();
  }
}

/** Runs `fn` on a connection of its own to the bench's PostgreSQL, closed after. */
async function withPg<T>(fn: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function startCluster(dir: string, workers: number): Promise<Target> {
  const id = Math.random().toString(36).slice(2, 10);
  const schema = `bench_${id}`;
  const prefix = `herald-bench-${id}`;
  await withPg((c) => c.query(`create schema ${schema}`));
  cleanups.push(async () => {
    await withPg((c) => c.query(`drop schema if exists ${schema} cascade`));
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    for (let round = 0; round < 10_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    redis.disconnect();
  });
  const env = heraldEnv({
    HERALD_DATA_DIR: join(dir, 'cluster'),
    HERALD_DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    HERALD_REDIS_URL: REDIS_URL,
    HERALD_REDIS_PREFIX: prefix,
  });
  mkdirSync(join(dir, 'cluster'), { recursive: true });
  const api = await startHeraldProcess({
    name: 'herald-api',
    logDir: dir,
    env,
    role: 'api',
    ...profiled('herald-api'),
  });
  const started = [api];
  for (let i = 0; i < workers; i++) {
    const name = `herald-worker-${i}`;
    started.push(await startHeraldProcess({ name, logDir: dir, env, role: 'worker', ...profiled(name) }));
  }
  const processes: HeraldProcesses = {
    url: api.url,
    pids: started.map((p) => p.child.pid ?? 0),
    stop: async () => {
      await Promise.all(started.map((p) => p.stop()));
    },
  };
  const analyze = () =>
    withPg(async (c) => {
      const { rows } = await c.query<{ name: string }>(
        'select tablename as name from pg_tables where schemaname = $1',
        [schema],
      );
      for (const { name } of rows) await c.query(`analyze ${schema}."${name}"`);
    });
  return { profile: 'cluster', tag: 'c', processes, client: jsonClient(api.url, ADMIN), analyze };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: loadAtStart,
  };
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const loadAtStart = os.loadavg().map((l) => Number(l.toFixed(2)));

async function main(): Promise<void> {
  const info = machine();
  log(
    `${QUICK ? 'quick' : 'full'} run on ${info.cpus} × ${info.cpuModel}, ${info.memoryGb} GB, Node ${info.node}`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), 'herald-bench-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const sink = await startSink();
  cleanups.push(() => sink.stop());

  if (want('rules')) {
    log('rules: 1,000 rules, in process');
    const rules = measureRules(1000, PLAN.ruleEvents);
    details.rules = rules;
    rows.push({
      profile: '-',
      scenario: 'rules (1,000 rules)',
      figure: 'evaluations/s',
      herald: rules.evaluationsPerSecond,
      unit: '/s',
    });
  }

  // Embedded Herald: every scenario.
  const embedded = await startEmbedded(dir);
  cleanups.push(() => embedded.processes.stop());
  await setUp(embedded.client, sink);
  let ceilingPerSecond: number | null = null;
  const bareLatency = new Map<number, number>();
  // Every scenario that delivers starts warm: compiled code, and the outbound HTTP client's thread,
  // which starts with the first send.
  if (['latency', 'burst', 'replay', 'alerts'].some(want)) await warmUp(embedded, sink);
  for (const rate of want('latency') ? PLAN.latencyRates : []) {
    await settle(embedded);
    log(`embedded: latency at ${rate} events/s for ${PLAN.latencySeconds} s`);
    const l = await latencyAt(embedded, sink, rate, PLAN.latencySeconds);
    rows.push(latencyRow('embedded', rate, l));
    if (l.firing)
      rows.push({
        profile: 'embedded',
        scenario: `ingest→firing at ${rate}/s`,
        figure: 'p99 (p50 / p95)',
        herald: l.firing.p99,
        unit: 'ms',
        note: `p50 ${l.firing.p50.toFixed(1)} / p95 ${l.firing.p95.toFixed(1)} ms; ${l.firing.delivered}/${l.sent} fired`,
      });
  }
  if (want('burst')) await settle(embedded);
  if (want('burst')) log(`embedded: burst of ${PLAN.burst} notifications`);
  const b = want('burst') ? await burst(embedded, sink, PLAN.burst) : null;
  const sample = await sink.sample('/herald');
  if (sample && want('ceiling')) {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'user-agent', 'webhook-timestamp', 'webhook-signature'])
      if (sample.headers[name]) headers[name] = sample.headers[name]!;
    const bare = { headers, body: sample.body };
    log('bare HTTP loops to the same sink');
    const loops: { poster: Poster; concurrency: number }[] = [];
    for (const concurrency of CEILING_CONCURRENCIES) {
      loops.push({ poster: agentPoster(`${sink.url}/bare`, concurrency), concurrency });
      const undici = await undiciPoster(`${sink.url}/bare`, concurrency);
      if (undici) loops.push({ poster: undici, concurrency });
    }
    const ceilings: Record<string, number> = {};
    const measured: { poster: Poster; perSecond: number }[] = [];
    for (const [i, { poster, concurrency }] of loops.entries()) {
      const c = await ceiling(sink, poster, bare, PLAN.burst, `ceil${i}`, concurrency);
      ceilings[`${poster.name}, ${concurrency} concurrent`] = c.perSecond;
      measured.push({ poster, perSecond: c.perSecond });
      rows.push({
        profile: '-',
        scenario: `bare HTTP: ${poster.name}`,
        figure: 'posts/s',
        herald: null,
        ceiling: c.perSecond,
        unit: '/s',
        note: `${concurrency} concurrent; ${cpuNote(c.cpu)}`,
      });
    }
    // Only the Agent loops ran: undici could not be loaded.
    if (loops.length === CEILING_CONCURRENCIES.length)
      rows.push({
        profile: '-',
        scenario: 'bare HTTP: undici Pool',
        figure: 'posts/s',
        herald: null,
        unit: '/s',
        note: 'undici is not installed',
      });
    // The ceiling is the fastest loop of this run.
    const fastest = measured.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    ceilingPerSecond = fastest.perSecond;
    details.ceilings = ceilings;
    for (const rate of PLAN.latencyRates) {
      const l = await bareLatencyAt(sink, fastest.poster, bare, rate, Math.min(5, PLAN.latencySeconds));
      bareLatency.set(rate, l.p99);
    }
    details.bareLatencyP99 = Object.fromEntries(bareLatency);
    for (const { poster } of loops) await poster.close();
  }
  for (const row of rows)
    if (row.figure.startsWith('p99') && row.profile === 'embedded')
      row.ceiling = bareLatency.get(Number(/at (\d+)/.exec(row.scenario)?.[1])) ?? null;
  if (b)
    rows.push({
      profile: 'embedded',
      scenario: `deliveries (burst of ${PLAN.burst})`,
      figure: 'deliveries/s',
      herald: b.arrivalsPerSecond,
      ceiling: ceilingPerSecond,
      unit: '/s',
      note: `ingest→last delivery ${Math.round(b.endToEndPerSecond)}/s; ${cpuNote(b.cpu)}`,
    });
  if (want('replay')) {
    await settle(embedded);
    log(`embedded: ${PLAN.burst} dead letters replayed (the delivery stage alone)`);
    rows.push(replayRow('embedded', await replay(embedded, sink, PLAN.burst), ceilingPerSecond));
  }

  let heraldAlerts: Awaited<ReturnType<typeof alertFeed>> | null = null;
  if (want('alerts')) {
    await settle(embedded);
    log(`embedded: ${PLAN.alerts} alerts through the Alertmanager-compatible endpoint`);
    heraldAlerts = await alertFeed(
      embedded.processes.url,
      '/api/v1/projects/bench/alerts/alertmanager/api/v2/alerts',
      ADMIN,
      sink,
      PLAN.alerts,
      'eamc',
      meterFor(embedded, sink),
    );
  }

  if (want('ingest')) {
    await settle(embedded);
    log(`embedded: ingest for ${PLAN.ingestSeconds} s (+ ${PLAN.batchSeconds} s batches)`);
    const ing = await ingest(embedded, sink, PLAN.ingestSeconds, PLAN.batchSeconds);
    rows.push({
      profile: 'embedded',
      scenario: 'ingest, single events (32 conn.)',
      figure: 'events/s',
      herald: ing.singlePerSecond,
      unit: '/s',
      note: `p99 answer ${ing.singleP99} ms; rule backlog drained in ${(ing.backlogDrainMs / 1000).toFixed(1)} s`,
    });
    if (ing.batchEventsPerSecond !== null)
      rows.push({
        profile: 'embedded',
        scenario: 'ingest, batches of 100',
        figure: 'events/s',
        herald: ing.batchEventsPerSecond,
        unit: '/s',
      });
  }

  if (want('memory')) {
    await settle(embedded);
    log(`embedded: memory over ${PLAN.memorySeconds} s at ${PLAN.memoryRate} events/s`);
    const mem = await memory(embedded, sink, PLAN.memorySeconds, PLAN.memoryRate, PLAN.sampleMs);
    const peak = memoryOf(embedded.processes.pids[0]!)?.peakMb ?? null;
    rows.push({ profile: 'embedded', scenario: 'memory', figure: 'peak RSS', herald: peak, unit: 'MB' });
    rows.push({
      profile: 'embedded',
      scenario: `memory, ${PLAN.memorySeconds} s at ${PLAN.memoryRate}/s`,
      figure: 'RSS slope',
      herald: mem.mbPerMinute,
      unit: 'MB/min',
      note: `${mem.firstMb?.toFixed(0)} → ${mem.lastMb?.toFixed(0)} MB; p99 ${mem.p99.toFixed(1)} ms`,
    });
  }
  await embedded.processes.stop();
  embedded.client.close();

  // The peer.
  let amAlerts: Awaited<ReturnType<typeof alertFeed>> | null = null;
  let amNote = 'skipped (--no-alertmanager)';
  if (!argv.includes('--no-alertmanager') && want('alertmanager')) {
    const found = findAlertmanager(argv.includes('--install-alertmanager'));
    amNote = found.note;
    if (found.binary) {
      log(`Alertmanager ${found.note}: ${PLAN.alerts} alerts`);
      const amDir = join(dir, 'alertmanager');
      mkdirSync(amDir, { recursive: true });
      const am = await startAlertmanager(found.binary, amDir, `${sink.url}/am`);
      cleanups.push(() => am.stop());
      amAlerts = await alertFeed(
        am.url,
        '/api/v2/alerts',
        'none',
        sink,
        PLAN.alerts,
        'am',
        cpuMeter({ alertmanager: [am.pid], sink: [sink.pid] }),
      );
      details.alertmanagerPeakMb = memoryOf(am.pid)?.peakMb ?? null;
      await am.stop();
      amNote = `Alertmanager ${found.note}`;
    } else log(found.note);
  }
  const vsAm = (herald: number | null, am: number | undefined) => ({ herald, alertmanager: am ?? null });
  rows.push({
    profile: 'embedded',
    scenario: `alerts→webhook (${PLAN.alerts}, batches of 100)`,
    figure: 'alerts/s',
    ...vsAm(heraldAlerts?.perSecond ?? null, amAlerts?.perSecond),
    ceiling: ceilingPerSecond,
    unit: '/s',
    note: [
      amNote,
      heraldAlerts && `Herald ${cpuNote(heraldAlerts.cpu)}`,
      amAlerts && `AM ${cpuNote(amAlerts.cpu)}`,
    ]
      .filter(Boolean)
      .join('; '),
  });
  for (const p of ['p50', 'p99'] as const)
    rows.push({
      profile: 'embedded',
      scenario: 'alerts→webhook latency',
      figure: p,
      ...vsAm(heraldAlerts?.[p] ?? null, amAlerts?.[p]),
      unit: 'ms',
    });

  // The cluster profile, when PostgreSQL and Redis answer.
  if (!argv.includes('--no-cluster') && want('cluster')) {
    const missing = await clusterAvailable();
    if (missing) {
      log(`cluster profile skipped: ${missing}`);
      rows.push({
        profile: 'cluster',
        scenario: 'all',
        figure: '-',
        herald: null,
        unit: '',
        note: `skipped: ${missing}`,
      });
    } else {
      const workers = numbersFlag('cluster-workers')?.[0] ?? 1;
      log(`cluster: api + ${workers} worker(s) on PostgreSQL (${PG_URL}) and Redis (${REDIS_URL})`);
      const cluster = await startCluster(dir, workers);
      cleanups.push(() => cluster.processes.stop());
      await setUp(cluster.client, sink);
      await warmUp(cluster, sink);
      for (const rate of PLAN.clusterRates) {
        await settle(cluster);
        log(`cluster: latency at ${rate} events/s`);
        rows.push(latencyRow('cluster', rate, await latencyAt(cluster, sink, rate, PLAN.latencySeconds)));
      }
      await settle(cluster);
      log(`cluster: burst of ${PLAN.burst}`);
      const cb = await burst(cluster, sink, PLAN.burst);
      rows.push({
        profile: 'cluster',
        scenario: `deliveries (burst of ${PLAN.burst})`,
        figure: 'deliveries/s',
        herald: cb.arrivalsPerSecond,
        ceiling: ceilingPerSecond,
        unit: '/s',
        note: `ingest→last delivery ${Math.round(cb.endToEndPerSecond)}/s; ${cpuNote(cb.cpu)}`,
      });
      await settle(cluster);
      log(`cluster: ${PLAN.burst} dead letters replayed`);
      rows.push(replayRow('cluster', await replay(cluster, sink, PLAN.burst), ceilingPerSecond));
      await settle(cluster);
      log(`cluster: ${PLAN.alerts} alerts in batches of 100`);
      const ca = await alertFeed(
        cluster.processes.url,
        '/api/v1/projects/bench/alerts/alertmanager/api/v2/alerts',
        ADMIN,
        sink,
        PLAN.alerts,
        'camc',
        meterFor(cluster, sink),
      );
      rows.push({
        profile: 'cluster',
        scenario: `alerts→webhook (${PLAN.alerts})`,
        figure: 'alerts/s',
        ...vsAm(ca.perSecond, amAlerts?.perSecond),
        ceiling: ceilingPerSecond,
        unit: '/s',
        note: `p99 ${ca.p99.toFixed(0)} ms; ${cpuNote(ca.cpu)}`,
      });
      await settle(cluster);
      log(`cluster: ingest for ${PLAN.clusterIngestSeconds} s`);
      const ci = await ingest(cluster, sink, PLAN.clusterIngestSeconds, 0);
      rows.push({
        profile: 'cluster',
        scenario: 'ingest, single events (32 conn.)',
        figure: 'events/s',
        herald: ci.singlePerSecond,
        unit: '/s',
        note: `rule backlog drained in ${(ci.backlogDrainMs / 1000).toFixed(1)} s`,
      });
      rows.push({
        profile: 'cluster',
        scenario: 'memory',
        figure: 'peak RSS (api + workers)',
        herald: cluster.processes.pids.reduce((s, pid) => s + (memoryOf(pid)?.peakMb ?? 0), 0),
        unit: 'MB',
      });
      await cluster.processes.stop();
      cluster.client.close();
    }
  }

  writeResults();
  if (CPU_PROFILE) printProfile();
}

/** Writes bench/results/<timestamp>.json and prints the table: what has been measured so far. */
function writeResults(): void {
  const info = machine();
  const result = {
    date: new Date().toISOString(),
    quick: QUICK,
    machine: { ...info, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
    plan: PLAN,
    cluster: { postgres: PG_URL, redis: REDIS_URL },
    rows,
    details,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  printTable(info);
  process.stdout.write(`\nfigures written to ${file}\n`);
}

function latencyRow(
  profile: string,
  rate: number,
  l: {
    p50: number;
    p95: number;
    p99: number;
    delivered: number;
    sent: number;
    cpu: Readonly<Record<string, number>>;
  },
): Row {
  return {
    profile,
    scenario: `ingest→delivered at ${rate}/s`,
    figure: 'p99 (p50 / p95)',
    herald: l.p99,
    unit: 'ms',
    note: `p50 ${l.p50.toFixed(1)} / p95 ${l.p95.toFixed(1)} ms; ${l.delivered}/${l.sent} delivered; ${cpuNote(l.cpu)}`,
  };
}

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value) || (unit === '/s' && value <= 0))
    return '';
  if (unit === 'ms' || unit === 'MB/min') return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

function printTable(info: ReturnType<typeof machine>): void {
  process.stdout.write(
    `\nHerald benchmarks ${QUICK ? '(quick)' : ''} — ${new Date().toISOString().slice(0, 10)}, ${info.cpus} × ${info.cpuModel}, ${info.memoryGb} GB, Node ${info.node}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const table = rows.map((r) => {
    // Throughputs: Herald's share of the other's (above 1 is faster); latencies: how many times longer.
    const ratio = (other: number | null | undefined) =>
      r.herald === null || !other ? '' : `${(r.herald / other).toFixed(2)}×`;
    return {
      profile: r.profile,
      scenario: r.scenario,
      figure: r.figure,
      Herald: fmt(r.herald, r.unit),
      unit: r.unit,
      'bare HTTP': fmt(r.ceiling, r.unit),
      'Herald/bare': ratio(r.ceiling),
      Alertmanager: fmt(r.alertmanager, r.unit),
      'Herald/AM': ratio(r.alertmanager),
      note: r.note ?? '',
    };
  });
  console.table(table);
}

function printProfile(): void {
  const profDir = join(ROOT, 'bench/results', `profile-${stamp}`);
  for (const name of readdirSync(profDir)) {
    const files = readdirSync(join(profDir, name)).filter((f) => f.endsWith('.cpuprofile'));
    for (const file of files) {
      const path = join(profDir, name, file);
      const { functions, places } = summarizeProfile(path, 20);
      process.stdout.write(`\nCPU profile of ${name} (${path}): self time by place\n`);
      console.table(places);
      console.table(functions);
    }
  }
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
