/**
 * Where the time of one event goes, end to end: Herald embedded in this process (SQLite in a temp
 * folder) takes N events in batches of 1,000, each its own issue, and one rule sends every event to a
 * signed webhook on a local sink (another process). Prints events/s from the first batch to the last
 * arrival, this process's CPU per event (all its threads; the system's part apart), the time its main
 * thread was busy per event (the pipeline's bottleneck: it runs every stage), how often it slept and
 * woke per event, and the SQLite statements per event with their time, costliest first. The CPU figure
 * is Herald's alone (ingest, rules, fan-out, delivery and the HTTP client); the sink runs elsewhere.
 *
 * With `--replay` the same for the delivery stage alone: every event's webhook is first rejected (400 →
 * dead letter), then the receiver is fixed and the dead letters replayed in bulk; only the replay is
 * measured.
 *
 * With `--rate=N` the events come one a request (the single-event ingest) at N a second, sent from this
 * process (the sender's CPU is counted too: about 30 µs a request): the statement mix of a steady trickle,
 * where each COMMIT holds few events.
 *
 * With `--alerts` the events come as Alertmanager alerts (`POST …/alertmanager/api/v2/alerts`, 100 a
 * request), each its own alert, as the `alerts` scenario of bench/run.ts sends them.
 *
 * Run with `npx tsx bench/pipeline.ts [events] [--replay | --alerts] [--profile] [--allocations]` (default 5,000). With
 * `--profile` the measured window alone (not the setup, nor the refused first sends of `--replay`) is
 * recorded as a V8 CPU profile of the main thread, written to `bench/results/pipeline-<time>.cpuprofile`
 * and summarized with bench/profile-summary.ts. With `--allocations` the bytes the
 * process allocated in the measured window (V8's sampling heap profiler, collected objects included) are
 * printed per event with the functions and places that allocated most: garbage per event is a figure
 * that does not move with what else the host runs, where times do. `HERALD_WORKER_CONCURRENCY` in the
 * environment sets the worker's job slots.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';
import {
  alertBody,
  everyEventToWebhook,
  jsonClient,
  mustPost,
  replayDeadLetters,
  startSink,
  waitForRefused,
  wallNow,
} from './harness.js';
import { fixedRate } from './load.js';
import { type AllocationNode, summarizeAllocations, summarizeProfile } from './profile-summary.js';
import { timeStatements } from './sql-timing.js';

const EVENTS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 5000);
const REPLAY = process.argv.includes('--replay');
const ALERTS = process.argv.includes('--alerts');
const PROFILE = process.argv.includes('--profile');
const ALLOCATIONS = process.argv.includes('--allocations');
const RATE = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice('--rate='.length) ?? 0);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const PREFIX = 'bmk_pipe_';

const statements = timeStatements();
/**
 * Times the main thread has blocked since it started (Linux: its voluntary context switches), each a
 * sleep and a wake of the event loop, which cost tens of µs of CPU each on a virtual machine.
 */
const mainThreadWaits = () =>
  Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1] ?? 0);
const sink = await startSink();
const dataDir = mkdtempSync(join(tmpdir(), 'herald-pipeline-'));
const config = loadConfig(
  {},
  {
    HERALD_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    // The worker's job slots, when given (the default otherwise).
    ...(process.env.HERALD_WORKER_CONCURRENCY
      ? { HERALD_WORKER_CONCURRENCY: process.env.HERALD_WORKER_CONCURRENCY }
      : {}),
  },
  { port: 0, dataDir, adminToken: ADMIN, logLevel: 'info' },
);
// Log lines are made at info (their cost counts) and dropped (their noise does not).
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const engine = await createEngine(config, { logger: createLogger('info', quiet) });
const client = jsonClient(await engine.start(), ADMIN);

const must = (path: string, body: unknown) => mustPost(client, path, body);
const hookId = await everyEventToWebhook(client, `${sink.url}${REPLAY ? '/refuse' : ''}/herald`);

const event = (n: number) => ({
  level: 'error',
  environment: 'production',
  release: `web@1.${n % 5}.0`,
  platform: 'node',
  tags: { bench: `${PREFIX}${n}`, browser: 'Chrome', route: `/cart/${n % 20}` },
  user: { id: `user-${n % 500}` },
  fingerprint: [`${PREFIX}${n}`],
  exception: {
    values: [
      {
        type: 'TypeError',
        value: `Cannot read properties of undefined (reading 'item${n}')`,
        stacktrace: {
          frames: [{ filename: '/srv/app/cart.js', function: `h${n % 50}`, lineno: 42, in_app: true }],
        },
      },
    ],
  },
});

const ingestAll = async () => {
  if (ALERTS) {
    for (let i = 0; i < EVENTS; i += 100) {
      const alerts = Array.from({ length: Math.min(100, EVENTS - i) }, (_, k) =>
        alertBody(`${PREFIX}${i + k}`, i + k),
      );
      const answer = await client.request(
        'POST',
        '/api/v1/projects/bench/hooks/alertmanager/api/v2/alerts',
        alerts,
      );
      if (answer.status !== 200) throw new Error(`alerts: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return;
  }
  if (RATE > 0) {
    const sent = await fixedRate({
      rate: RATE,
      seconds: EVENTS / RATE,
      marker: (i) => `${PREFIX}${i}`,
      send: async (i) =>
        (await client.request('POST', '/api/v1/projects/bench/hooks/events', event(i))).status === 202,
    });
    if (sent.failed > 0) throw new Error(`${sent.failed} events were refused`);
    return;
  }
  for (let i = 0; i < EVENTS; i += 1000) {
    const events = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, k) => event(i + k));
    await must('/api/v1/projects/bench/hooks/events/batch', { events });
  }
};
// One event through the whole pipeline before the measured window (the replay's refused sends do as
// much): the outbound HTTP client's thread starts with the first send.
if (!REPLAY) {
  await must('/api/v1/projects/bench/hooks/events', {
    ...event(0),
    tags: { bench: 'bmk_warm_0' },
    fingerprint: ['bmk_warm_0'],
  });
  await sink.waitFor('bmk_warm_', 1, 10_000, 60_000);
}
if (REPLAY) {
  await ingestAll();
  await waitForRefused(sink, PREFIX, EVENTS);
  await new Promise((r) => setTimeout(r, 1000));
  const fixed = await client.request('PATCH', `/api/v1/orgs/bench/integrations/${hookId}`, {
    config: { url: `${sink.url}/herald` },
  });
  if (fixed.status !== 200) throw new Error(`integration update answered ${fixed.status}`);
}
const profiler = PROFILE || ALLOCATIONS ? new Session() : undefined;
profiler?.connect();
if (profiler && PROFILE) {
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
if (profiler && ALLOCATIONS) {
  await profiler.post('HeapProfiler.enable');
  await profiler.post('HeapProfiler.startSampling', {
    samplingInterval: 8192,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
statements.start();
const waits = mainThreadWaits();
const cpu = process.cpuUsage();
const loop = performance.eventLoopUtilization();
const started = wallNow();
if (REPLAY) await replayDeadLetters(client, EVENTS);
else await ingestAll();
await sink.waitFor(PREFIX, EVENTS, 60_000, 600_000);
const seconds = (wallNow() - started) / 1000;
const used = process.cpuUsage(cpu);
const busy = performance.eventLoopUtilization(loop);
const waited = mainThreadWaits() - waits;
statements.stop();
let profileFile: string | undefined;
if (profiler && PROFILE) {
  const { profile } = await profiler.post('Profiler.stop');
  const name = `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  profileFile = fileURLToPath(new URL(`results/${name}`, import.meta.url));
  mkdirSync(dirname(profileFile), { recursive: true });
  writeFileSync(profileFile, JSON.stringify(profile));
}
const allocations =
  profiler && ALLOCATIONS
    ? summarizeAllocations(
        (await profiler.post('HeapProfiler.stopSampling')).profile.head as unknown as AllocationNode,
        EVENTS,
        25,
      )
    : undefined;
profiler?.disconnect();
const report = await sink.report(PREFIX);
const sql = statements.totals();

console.table([
  {
    events: EVENTS,
    delivered: report.markers,
    duplicates: report.duplicates,
    'events/s': Math.round(report.markers / seconds),
    'CPU µs/event': Math.round((used.user + used.system) / EVENTS),
    'of which system': Math.round(used.system / EVENTS),
    'main thread µs/event': Math.round((busy.active * 1000) / EVENTS),
    'SQLite µs/event': Math.round(sql.us / EVENTS),
    'statements/event': (sql.calls / EVENTS).toFixed(1),
    'waits/event': (waited / EVENTS).toFixed(2),
    ...(allocations ? { 'KB allocated/event': (allocations.bytesPerUnit / 1000).toFixed(1) } : {}),
  },
]);
console.table(statements.table(EVENTS, 30));
if (allocations) {
  console.log('Allocated in the measured window, per event: by place, then by function');
  console.table(allocations.places);
  console.table(allocations.functions);
}
if (profileFile) {
  const { functions, places } = summarizeProfile(profileFile, 30);
  console.log(`CPU profile of the measured window: ${profileFile}`);
  console.table(places);
  console.table(functions);
}

client.close();
await engine.stop();
sink.stop();
rmSync(dataDir, { recursive: true, force: true });
