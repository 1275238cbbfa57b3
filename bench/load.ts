/**
 * Load shapes of the benchmarks: open-loop sending at a fixed rate (latency is measured from each
 * request's scheduled time, so a slow server cannot hide its queueing), closed loops of N requests at a
 * fixed concurrency (the bare HTTP ceiling), and autocannon for sustained ingest.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { sleep, wallNow } from './harness.js';

/** What a fixed-rate run did. */
export interface FixedRateResult {
  readonly sent: number;
  readonly failed: number;
  /** Marker → scheduled send time (wall-clock ms). */
  readonly scheduled: Map<string, number>;
  /** How long the sender itself waited for answers (ms), per request. */
  readonly answerMs: number[];
}

/**
 * Sends `rate × seconds` requests, request i at `start + i/rate`, whatever the server's pace (bounded:
 * the total is fixed). `send` resolves true for an accepted request.
 */
export async function fixedRate(options: {
  readonly rate: number;
  readonly seconds: number;
  readonly marker: (i: number) => string;
  readonly send: (i: number, marker: string) => Promise<boolean>;
}): Promise<FixedRateResult> {
  const total = Math.round(options.rate * options.seconds);
  const scheduled = new Map<string, number>();
  const answerMs: number[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let next = 0;
  const start = wallNow() + 5;
  while (next < total) {
    const due = Math.min(total, Math.floor(((wallNow() - start) * options.rate) / 1000) + 1);
    for (; next < due; next++) {
      const marker = options.marker(next);
      const at = start + (next * 1000) / options.rate;
      scheduled.set(marker, at);
      const task: Promise<void> = options
        .send(next, marker)
        .then(
          (ok) => {
            if (!ok) failed++;
          },
          () => {
            failed++;
          },
        )
        .finally(() => {
          answerMs.push(wallNow() - at);
          pending.delete(task);
        });
      pending.add(task);
    }
    await sleep(1);
  }
  await Promise.allSettled([...pending]);
  return { sent: total, failed, scheduled, answerMs };
}

/** Runs `total` calls of `post` from `concurrency` loops; returns the elapsed ms and failures. */
export async function closedLoop(
  total: number,
  concurrency: number,
  post: (i: number) => Promise<boolean>,
): Promise<{ ms: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const started = wallNow();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        if (!(await post(i).catch(() => false))) failed++;
      }
    }),
  );
  return { ms: wallNow() - started, failed };
}

/** A poster that sends a body to one URL: the bare loops Herald's deliveries are compared with. */
export interface Poster {
  readonly name: string;
  post(headers: Record<string, string>, body: string): Promise<boolean>;
  close(): Promise<void>;
}

/** `http.request` over a keep-alive node:http Agent with `sockets` sockets (what Herald delivers with). */
export function agentPoster(url: string, sockets: number): Poster {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return {
    name: 'node:http Agent (keep-alive)',
    post(headers, body) {
      return new Promise<boolean>((resolve) => {
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            agent,
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve((res.statusCode ?? 0) < 300));
          },
        );
        req.on('error', () => resolve(false));
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** The part of undici's Pool used here. */
interface UndiciPool {
  request(options: {
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string;
  }): Promise<{ statusCode: number; body: { dump(): Promise<void> } }>;
  close(): Promise<void>;
}

/** undici's Pool with `connections` connections, when the package is installed; null otherwise. */
export async function undiciPoster(url: string, connections: number): Promise<Poster | null> {
  let Pool: new (origin: string, options: { connections: number }) => UndiciPool;
  try {
    const name = 'undici';
    ({ Pool } = (await import(name)) as { Pool: typeof Pool });
  } catch {
    return null;
  }
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections });
  return {
    name: 'undici Pool',
    async post(headers, body) {
      const res = await pool.request({ path: target.pathname, method: 'POST', headers, body });
      await res.body.dump();
      return res.statusCode < 300;
    },
    close: () => pool.close(),
  };
}

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
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  timeouts: number;
  '2xx': number;
}>;

/** Sustained POSTs with autocannon over keep-alive connections; `body` makes each request's body. */
export async function autocannonPosts(options: {
  readonly url: string;
  readonly path: string;
  readonly token: string;
  readonly connections: number;
  readonly seconds: number;
  readonly body: () => string;
}): Promise<{ requests: number; ok: number; perSecond: number; p50: number; p99: number; errors: number }> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: options.path,
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
  });
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    perSecond: result['2xx'] / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
