import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpPeer, type TestPeer } from '../src/delivery/channel-test-kit.js';
import { signal, within } from '../src/queue/queue-conformance.js';
import { adminCall, everyEventToWebhook, type HeraldProcess, serveHerald } from './helpers/herald-process.js';
import { skipWithoutPostgres, TEST_DATABASE_URL, TEST_REDIS_URL } from './helpers/profile.js';
import { parsePromText, sampleValue } from './helpers/prom-text.js';
import { dropRedisPrefix, freshRedisPrefix, SKIP_REDIS } from './helpers/redis.js';
import { pgQuery } from './helpers/store.js';

const ADMIN_TOKEN = 'worker-ops-admin-token-0123456789';
const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const SKIP_POSTGRES = await skipWithoutPostgres('the worker operations test');

/**
 * A worker of the cluster profile, as Kubernetes probes and Prometheus scrape it: given a port, it
 * answers `/healthz`, `/readyz` (database and Redis) and `/metrics` with the deliveries it made, and
 * nothing of the API or the dashboard.
 */
describe.skipIf(SKIP_POSTGRES || SKIP_REDIS)('a worker process serves the operations routes', () => {
  const schema = `w_${randomBytes(6).toString('hex')}`;
  const prefix = freshRedisPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-worker-ops-'));
  const nodes: HeraldProcess[] = [];
  const arrived = signal();
  let sink: TestPeer;
  let apiUrl = '';
  let worker: HeraldProcess;
  let workerUrl = '';

  function serve(role: 'api' | 'worker'): HeraldProcess {
    // serveHerald gives `--port 0`: the worker listens on a free port and logs it as its url.
    const node = serveHerald(['--role', role], {
      HERALD_DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      HERALD_REDIS_URL: TEST_REDIS_URL,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_SECRET_KEY: 'worker-ops-secret-key-0123456789abcdef',
      HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_DATA_DIR: join(dataDir, role),
    });
    nodes.push(node);
    return node;
  }

  const call = adminCall(() => apiUrl, ADMIN_TOKEN);
  const get = (path: string) => fetch(`${workerUrl}${path}`);

  beforeAll(async () => {
    await pgQuery(`create schema ${schema}`);
    sink = await startHttpPeer((_req, _body, res) => {
      res.end();
      arrived.resolve();
    });
    apiUrl = await within(serve('api').ready, 45_000, 'the api process');
    worker = serve('worker');
    workerUrl = await within(worker.ready, 45_000, 'the worker process');
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await sink?.close();
    await pgQuery(`drop schema if exists ${schema} cascade`);
    await dropRedisPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz with its database and Redis checks', async () => {
    expect(workerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(worker.output()).toContain('"serves":"operations only: /healthz, /readyz, /metrics"');
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: true, redis: true },
      queue: { due: 0 },
    });
  });

  it('serves neither the API nor the dashboard', async () => {
    const api = await fetch(`${workerUrl}/api/v1/orgs`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(api.status).toBe(404);
    expect((await get('/')).status).toBe(404);
    expect((await get('/api/v1/openapi.json')).status).toBe(404);
  });

  it("counts its deliveries in its own /metrics, which the API's does not show", async () => {
    await everyEventToWebhook(call, `${sink.url}/hook`, SIGNING_SECRET);
    const event = await call('POST', '/api/v1/projects/acme/api/events', { message: 'Checkout failed' });
    expect(event.status).toBe(202);
    await within(arrived.promise, 30_000, 'the webhook');
    // The counter moves once the worker has recorded the outcome, a moment after the webhook answered.
    await vi.waitFor(
      async () => {
        const samples = parsePromText(await (await get('/metrics')).text());
        expect(sampleValue(samples, 'herald_deliveries_total', { channel: 'webhook', status: 'sent' })).toBe(
          1,
        );
      },
      { timeout: 10_000, interval: 100 },
    );
    const apiSamples = parsePromText(await (await fetch(`${apiUrl}/metrics`)).text());
    expect(apiSamples.filter((s) => s.name === 'herald_deliveries_total')).toEqual([]);
  });

  it('says it stopped when told to stop', async () => {
    const code = new Promise<number | null>((resolve) => worker.child.once('exit', resolve));
    worker.child.kill('SIGTERM');
    expect(await within(code, 20_000, 'the worker to stop')).toBe(0);
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.slice(-2).map((line) => line.msg)).toEqual(['shutting down', 'herald stopped']);
  });
});
