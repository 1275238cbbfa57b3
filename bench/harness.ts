/**
 * The pieces bench/run.ts drives: the webhook sink child, Herald as child processes (embedded or
 * cluster), a keep-alive JSON client, RSS readings and the statistics of the table.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SinkCommand, SinkReport, SinkSample } from './sink.js';

const ROOT = new URL('..', import.meta.url).pathname;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The webhook sink child, driven over IPC one command at a time. */
export interface Sink {
  readonly url: string;
  readonly pid: number;
  reset(): Promise<void>;
  count(prefix: string): Promise<SinkReport>;
  report(prefix: string): Promise<SinkReport & { arrivals: Record<string, number> }>;
  sample(path: string): Promise<SinkSample | null>;
  /** Waits until `expected` markers of `prefix` arrived, or nothing arrived for `idleMs`, or `maxMs` passed. */
  waitFor(prefix: string, expected: number, idleMs: number, maxMs: number): Promise<SinkReport>;
  stop(): void;
}

/** Forks bench/sink.ts and waits for its URL. */
export async function startSink(): Promise<Sink> {
  const child = fork(join(ROOT, 'bench/sink.ts'), [], { execArgv: process.execArgv, stdio: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the sink exited with ${code}`)));
  });
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(command: SinkCommand): Promise<T> => {
    const next = chain.then(
      () =>
        new Promise<T>((resolve) => {
          child.once('message', (m) => resolve(m as T));
          child.send(command);
        }),
    );
    chain = next.catch(() => undefined);
    return next;
  };
  const sink: Sink = {
    url,
    pid: child.pid ?? 0,
    reset: () => ask<unknown>({ cmd: 'reset' }).then(() => undefined),
    count: (prefix) => ask<SinkReport>({ cmd: 'count', prefix }),
    report: (prefix) => ask({ cmd: 'report', prefix }),
    sample: (path) => ask<SinkSample | null>({ cmd: 'sample', path }),
    async waitFor(prefix, expected, idleMs, maxMs) {
      const started = Date.now();
      let seen = -1;
      let changed = Date.now();
      for (;;) {
        const now = await sink.count(prefix);
        if (now.markers >= expected) return now;
        if (now.markers !== seen) {
          seen = now.markers;
          changed = Date.now();
        }
        if (Date.now() - changed > idleMs || Date.now() - started > maxMs) return now;
        await sleep(100);
      }
    },
    stop: () => {
      child.disconnect();
      child.kill();
    },
  };
  return sink;
}

/** A JSON answer. */
export interface JsonAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: setup answers are arbitrary JSON read by field name
  readonly body: any;
}

/** A keep-alive JSON client for one base URL (node:http: about 5× the throughput of fetch here). */
export interface JsonClient {
  request(method: string, path: string, body?: unknown, raw?: string): Promise<JsonAnswer>;
  close(): void;
}

/** Creates a {@link JsonClient} with `maxSockets` keep-alive sockets and a bearer token. */
export function jsonClient(baseUrl: string, token: string, maxSockets = 64): JsonClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const base = new URL(baseUrl);
  const client: JsonClient = {
    async request(method, path, body, raw) {
      try {
        return await once(method, path, body, raw);
      } catch (error) {
        // A kept-alive socket the server closed while idle (after its keep-alive timeout, during a long
        // drain) can fail the next request on it: an idempotent read is sent once more, as HTTP clients do.
        if (method !== 'GET' || (error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
        return once(method, path, body, raw);
      }
    },
    close: () => agent.destroy(),
  };
  return client;

  function once(method: string, path: string, body?: unknown, raw?: string): Promise<JsonAnswer> {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    return new Promise<JsonAnswer>((resolve, reject) => {
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Posts `body` to `path`, throwing on an answer of 300 or more with the path and the answer; the body. */
export async function mustPost(
  client: JsonClient,
  path: string,
  body: unknown,
): Promise<Record<string, string>> {
  const answer = await client.request('POST', path, body);
  if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Record<string, string>;
}

/**
 * Organization `bench` with project `hooks`, whose one rule sends every event to a signed webhook at
 * `url`; answers the webhook integration's id.
 */
export async function everyEventToWebhook(client: JsonClient, url: string): Promise<string> {
  await mustPost(client, '/api/v1/orgs', { slug: 'bench' });
  await mustPost(client, '/api/v1/orgs/bench/projects', { slug: 'hooks' });
  const hook = await mustPost(client, '/api/v1/orgs/bench/integrations', {
    provider: 'webhook',
    name: 'Sink',
    config: { url },
    secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  });
  await mustPost(client, '/api/v1/projects/bench/hooks/rules', {
    name: 'Every event to the sink',
    frequency: 0,
    conditions: [{ id: 'every_event' }],
    actions: [{ id: 'webhook', integration: hook.id }],
  });
  return hook.id!;
}

/**
 * Waits until the sink refused all `n` markers with `prefix` (every delivery reached the refusing
 * receiver once, and is a dead letter); throws when that stalls for 30 s or takes over 10 minutes.
 */
export async function waitForRefused(sink: Sink, prefix: string, n: number): Promise<void> {
  const deadline = wallNow() + 600_000;
  for (let seen = -1, changed = wallNow(); ; await sleep(200)) {
    const { refused } = await sink.count(prefix);
    if (refused >= n) return;
    if (refused !== seen) [seen, changed] = [refused, wallNow()];
    if (wallNow() - changed > 30_000 || wallNow() > deadline)
      throw new Error(`only ${refused} of ${n} deliveries reached the refusing receiver`);
  }
}

/**
 * Replays the `bench` org's dead letters in bulk (`POST …/deliveries/retry`, 1,000 a request) until `n`
 * were replayed; returns how many were. Gives up after 10 minutes.
 */
export async function replayDeadLetters(client: JsonClient, n: number): Promise<number> {
  const deadline = wallNow() + 600_000;
  let replayed = 0;
  while (replayed < n && wallNow() < deadline) {
    const answer = await client.request('POST', '/api/v1/orgs/bench/deliveries/retry', { limit: 1000 });
    if (answer.status !== 202) throw new Error(`bulk replay answered ${answer.status}`);
    const count = (answer.body?.data as unknown[] | undefined)?.length ?? 0;
    replayed += count;
    if (count === 0) await sleep(200);
  }
  return replayed;
}

/** A Herald process group started for the benchmarks. */
export interface HeraldProcesses {
  /** Base URL of the API process. */
  readonly url: string;
  /** Every process: the API first, then the workers (or the one embedded process). */
  readonly pids: readonly number[];
  /** Stops every process (SIGTERM, then SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** How to start one `herald serve`. */
export interface HeraldStart {
  readonly env: Readonly<Record<string, string>>;
  readonly role?: 'all' | 'api' | 'worker';
  /** Folder for this process's log file. */
  readonly logDir: string;
  readonly name: string;
  /** Folder for a `--cpu-prof` profile of the process, when profiling. */
  readonly cpuProfDir?: string;
}

/**
 * Starts `node --max-semi-space-size=32 bin/herald.js serve --port 0` (as `npm start` and the `herald`
 * command run it) and waits for its "herald started" line.
 */
export async function startHeraldProcess(
  start: HeraldStart,
): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  // Node 20 refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
  const args = [
    ...(start.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${start.cpuProfDir}`] : []),
    '--max-semi-space-size=32',
    'bin/herald.js',
    'serve',
    '--port',
    '0',
    ...(start.role ? ['--role', start.role] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...start.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(start.logDir, `${start.name}.log`));
  child.stderr?.pipe(log);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${start.name} did not start within 60 s`)), 60_000);
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (!line.includes('"herald started"')) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { url?: string };
      resolve(parsed.url ?? '');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${start.name} exited with ${code}; see ${join(start.logDir, `${start.name}.log`)}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Resident and peak resident memory of a process in MB, from /proc (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Clock ticks a second in /proc's CPU times (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user and system, every thread) a process used since it started, in ms, from /proc (Linux);
 * null once it is gone.
 */
function cpuMsOfPid(pid: number): number | null {
  try {
    // The fields after the command's closing parenthesis: state is the first, utime the 12th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Running processes whose command name is one of `names` (PostgreSQL's server and backends, Redis). */
export function pidsNamed(names: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // Exited.
    }
  }
  return pids;
}

/** The processes of a meter's group: fixed, or listed again when read (PostgreSQL starts and ends some). */
export type MeteredPids = readonly number[] | (() => readonly number[]);

/**
 * Starts counting the CPU time of groups of processes (Herald's, the sink's, the databases'); `perUnit(n)`
 * answers each group's CPU in µs per unit of work (a delivery, an alert) since the start. Unlike a rate,
 * CPU per unit barely moves when the host's speed does, and it says what a figure costs: on two cores
 * shared with the sink, a delivery rate R leaves each delivery (2,000,000 − R × sink's µs) / R µs of CPU.
 * A process is counted from when the meter started or, started later, from its own start; one that ended
 * meanwhile (an autovacuum worker, a closed connection's backend) is left out, since what it used after
 * the start is unknown: a group whose processes come and go reads a little low, never below zero (its
 * whole CPU subtracted once made the cluster's PostgreSQL read −361 µs a delivery).
 */
export function cpuMeter(groups: Readonly<Record<string, MeteredPids>>) {
  const list = (pids: MeteredPids) => (typeof pids === 'function' ? pids() : pids);
  const start = Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [
      name,
      new Map(list(pids).map((pid) => [pid, cpuMsOfPid(pid) ?? 0])),
    ]),
  );
  return {
    perUnit(units: number): Record<string, number> {
      return Object.fromEntries(
        Object.entries(groups).map(([name, pids]) => {
          let ms = 0;
          for (const pid of list(pids)) {
            const now = cpuMsOfPid(pid);
            if (now !== null) ms += now - (start[name]!.get(pid) ?? 0);
          }
          return [name, Math.round((ms * 1000) / Math.max(1, units))];
        }),
      );
    },
  };
}

/** A meter's figures for a table's note: `CPU µs each: herald 245, sink 27`. */
export function cpuNote(figures: Readonly<Record<string, number>>): string {
  return `CPU µs each: ${Object.entries(figures)
    .map(([name, us]) => `${name} ${us}`)
    .join(', ')}`;
}

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** An Alertmanager v2 alert with a label set of its own. */
export function alertBody(marker: string, n: number): Record<string, unknown> {
  const now = Date.now();
  return {
    labels: {
      alertname: 'BenchHighLatency',
      bench: marker,
      instance: `web-${n % 50}:9100`,
      severity: 'warning',
    },
    annotations: { summary: 'p99 latency above 1s', runbook_url: 'https://runbooks.example.com/latency' },
    startsAt: new Date(now - 60_000).toISOString(),
    // Past the whole run: an alert whose end passes is resolved (by Herald as by Alertmanager), and the
    // resolutions of 10,000 alerts would land in the middle of the scenarios that follow.
    endsAt: new Date(now + 3_600_000).toISOString(),
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=latency',
  };
}
