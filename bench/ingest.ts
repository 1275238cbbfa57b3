/**
 * Event ingest throughput: Herald embedded (SQLite file in a temp dir) in a child process, driven with
 * single-event POSTs over keep-alive connections by autocannon in this one, so client and server each
 * get a core. Run with `npx tsx bench/ingest.ts [seconds] [connections]`.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createLogger } from '../src/logger.js';

const SECONDS = Number(process.argv[2] ?? 20);
const CONNECTIONS = Number(process.argv[3] ?? 32);
const ADMIN = 'bench-admin-token-0123456789';

/** The part of autocannon used here (it ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
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

if (process.argv.includes('--serve')) await serve();
else await drive();

/** The child: Herald on port 0; request logs at info go nowhere (their cost counts, their noise does not). */
async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  // Role api: the rule workers stay off, so the figure is ingest alone (their jobs are still written).
  const config = loadConfig({}, {}, { port: 0, dataDir, adminToken: ADMIN, logLevel: 'info', role: 'api' });
  const engine = await createEngine(config, { logger: createLogger('info', sink) });
  const url = await engine.start();
  process.send?.({ url });
  let cpu = process.cpuUsage();
  process.on('message', async (message) => {
    // 'start' marks the beginning of the measured run; 'stop' answers with the CPU spent since.
    if (message === 'start') {
      cpu = process.cpuUsage();
      return;
    }
    const used = process.cpuUsage(cpu);
    process.send?.({ cpuMs: (used.user + used.system) / 1000 });
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

async function drive(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: [...process.execArgv, ...(process.env.HERALD_BENCH_PROF ? ['--cpu-prof'] : [])],
  });
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
    connections: CONNECTIONS,
    duration: SECONDS,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/projects/bench/web/events',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
  const stopped = new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { cpuMs: number }).cpuMs)),
  );
  child.send('stop');
  const cpuMs = await stopped;
  await new Promise((resolve) => child.once('exit', resolve));
  const served = result.requests.total;
  console.table([
    {
      'requests/s': Math.round(result.requests.average),
      total: served,
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.timeouts,
      // What one core of the server could do if nothing else ran on the machine.
      'server CPU µs/req': Math.round((cpuMs * 1000) / served),
      'one-core capacity/s': Math.round(served / (cpuMs / 1000)),
      'non-2xx': result.non2xx,
      connections: CONNECTIONS,
      seconds: SECONDS,
    },
  ]);
}
