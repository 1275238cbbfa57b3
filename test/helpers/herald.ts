import { Writable } from 'node:stream';
import { type Clock, manualClock } from '../../src/clock.js';
import { type HeraldConfig, loadConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase } from './store.js';

/** The admin token of test instances. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** An HTTP answer as tests see it. */
// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON that tests inspect freely
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A Herald started for a test, on port 0, with its log lines captured. */
export interface TestHerald {
  readonly url: string;
  readonly engine: Engine;
  readonly clock: Clock;
  /** Every log line written so far. */
  readonly logs: string[];
  /** Calls the API with the admin token (or `token`). */
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON that tests inspect freely
  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<Answer<T>>;
  close(): Promise<void>;
}

/** Starts Herald on the profile of this run (SQLite file in a temp dir, or a fresh PostgreSQL schema). */
export async function startHerald(
  overrides: Partial<HeraldConfig> = {},
  options: { clock?: Clock } = {},
): Promise<TestHerald> {
  const database = await createTestDatabase();
  const { dataDir, databaseUrl } = database;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig(
    {},
    {},
    {
      port: 0,
      dataDir,
      databaseUrl,
      adminToken: ADMIN_TOKEN,
      secretKey: 'test-secret-key-0123456789abcdef0123456789',
      allowPrivateTargets: true,
      logLevel: 'info',
      ...overrides,
    },
  );
  const clock = options.clock ?? manualClock(Date.now());
  const engine = await createEngine(config, { clock, logger: createLogger('info', sink) });
  const url = await engine.start();

  return {
    url,
    engine,
    clock,
    logs,
    async request(method, path, body, opts = {}) {
      const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined = opts.raw;
      if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body: payload });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed as never, text };
    },
    async close() {
      await engine.stop();
      await database.drop();
    },
  };
}

/**
 * Connects the organization's email to a local SMTP server on `port` (plain, no login, from
 * herald@acme.test): its "Mail" integration. Answers the API's answer.
 */
export function connectSmtp(h: TestHerald, port: number, org = 'acme'): Promise<Answer> {
  return h.request('POST', `/api/v1/orgs/${org}/integrations`, {
    provider: 'email',
    name: 'Mail',
    config: { transport: 'smtp', host: '127.0.0.1', port, secure: false, from: 'herald@acme.test' },
  });
}
