/**
 * What many Alertmanager alerts ending at once cost the events that keep coming. Herald embedded in this
 * process (SQLite in a temp folder) takes N alerts (each its own issue; one rule sends every event to a
 * webhook on a local sink, another process), all ending `--ends-in` seconds later without being sent
 * again, as when a Prometheus goes quiet; meanwhile single events arrive at `--rate` a second for
 * `--seconds`. The workers' own sweeps resolve the alerts' issues, each resolution telling the webhook.
 * Prints, per 5-second window of the stream, its events' ingest→delivered p50 and p99 and how many
 * resolutions the webhook had got by the window's end, then the costliest SQLite statements of the
 * stream's time (µs and calls in all).
 *
 * Run with `npx tsx bench/alert-ends.ts [alerts] [--rate=200] [--seconds=60] [--ends-in=15]`
 * (default 10,000 alerts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';
import {
  alertBody,
  everyEventToWebhook,
  jsonClient,
  percentile,
  sleep,
  startSink,
  wallNow,
} from './harness.js';
import { fixedRate } from './load.js';
import { timeStatements } from './sql-timing.js';

const statements = timeStatements();

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const ALERTS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10_000);
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 60);
const ENDS_IN_MS = arg('ends-in', 15) * 1000;
const WINDOW_MS = 5_000;
const ADMIN = 'bench-admin-token-0123456789abcdef';

const sink = await startSink();
const config = loadConfig(
  {},
  { HERALD_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789', HERALD_ALLOW_PRIVATE_TARGETS: 'true' },
  {
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'herald-alert-ends-')),
    adminToken: ADMIN,
    logLevel: 'info',
  },
);
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const engine = await createEngine(config, { logger: createLogger('info', quiet) });
const client = jsonClient(await engine.start(), ADMIN);
await everyEventToWebhook(client, `${sink.url}/herald`);

// The alerts, all ending at one time, and their first notifications delivered before the stream starts.
const endsAt = new Date(Date.now() + ENDS_IN_MS).toISOString();
for (let i = 0; i < ALERTS; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, ALERTS - i) }, (_, k) => ({
    ...alertBody(`bmk_alert_${i + k}`, i + k),
    endsAt,
  }));
  const answer = await client.request(
    'POST',
    '/api/v1/projects/bench/hooks/alertmanager/api/v2/alerts',
    batch,
  );
  if (answer.status !== 200) throw new Error(`alerts: ${answer.status}`);
}
await sink.waitFor('bmk_alert_', ALERTS, 30_000, 300_000);
const before = (await sink.count('bmk_')).requests;
statements.start();
const streamStart = wallNow();
console.log(
  `${ALERTS} alerts delivered; they end ${((Date.parse(endsAt) - Date.now()) / 1000).toFixed(1)} s into the stream`,
);

// Requests to the sink, sampled every second: those that are no stream event are resolutions.
const requestsAt: { at: number; requests: number }[] = [];
const sampling = (async () => {
  while (wallNow() - streamStart < (SECONDS + 30) * 1000) {
    requestsAt.push({ at: wallNow(), requests: (await sink.count('bmk_stream_')).requests });
    await sleep(1000);
  }
})();
const sent = await fixedRate({
  rate: RATE,
  seconds: SECONDS,
  marker: (i) => `bmk_stream_${i}`,
  send: async (i, marker) =>
    (
      await client.request('POST', '/api/v1/projects/bench/hooks/events', {
        message: `Stream event ${i}`,
        level: 'error',
        tags: { bench: marker },
        fingerprint: [marker],
      })
    ).status === 202,
});
await sink.waitFor('bmk_stream_', sent.sent, 30_000, 120_000);
await sampling;
const { arrivals } = await sink.report('bmk_stream_');

const rows = [];
for (let from = streamStart; from < streamStart + SECONDS * 1000; from += WINDOW_MS) {
  const latencies = [...sent.scheduled]
    .filter(([, at]) => at >= from && at < from + WINDOW_MS)
    .map(([marker, at]) => (arrivals[marker] ?? Number.NaN) - at)
    .filter((ms) => !Number.isNaN(ms));
  const last = requestsAt.filter((s) => s.at >= from && s.at < from + WINDOW_MS).at(-1);
  const streamArrived = last ? Object.values(arrivals).filter((t) => t <= last.at).length : 0;
  rows.push({
    window: `${((from - streamStart) / 1000).toFixed(0)}–${((from - streamStart + WINDOW_MS) / 1000).toFixed(0)} s`,
    'p50 ms': percentile(latencies, 50).toFixed(1),
    'p99 ms': percentile(latencies, 99).toFixed(1),
    'resolutions delivered by its end': last ? last.requests - before - streamArrived : '',
  });
}
console.table(rows);
statements.stop();
console.table(statements.table(1, 8).map((r) => ({ ...r, sql: r.sql.slice(0, 160) })));
console.log(
  `stream: ${sent.sent} events at ${RATE}/s, ${Object.keys(arrivals).length} delivered; ` +
    `resolutions delivered in all: ${(await sink.count('bmk_')).requests - before - Object.keys(arrivals).length}`,
);
await engine.stop();
client.close();
sink.stop();
