import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE, TEST_REDIS_URL } from '../helpers/profile.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { closedPort, dropRedisPrefix, freshRedisPrefix, SKIP_REDIS } from '../helpers/redis.js';

/**
 * An API process whose workers are behind: `/readyz` shows the work waiting, by kind, and how long the
 * oldest due job has waited, while it still answers "ready" (a lagging queue is reported, not unready).
 * The workers are this engine's queue, run by hand with `drain()`.
 */
describe.skipIf(SKIP_PROFILE)('/readyz queue detail', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let sinkAnswers: { status: number; headers?: Record<string, string> }[] = [];

  beforeAll(async () => {
    sink = await startHttpPeer((_req, _body, res) => {
      const answer = sinkAnswers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.headers);
      res.end();
    });
    h = await startHerald({ role: 'api' });
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Ops',
      config: { url: `${sink.url}/hook` },
      secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    });
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'New issues',
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'webhook', integration: hook.body.id }],
    });
    expect(rule.status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  const ready = () => h.request('GET', '/readyz', undefined, { token: null });

  it('an idle queue: nothing due, nothing delayed', async () => {
    const answer = await ready();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'ready',
      checks: { database: true },
      queue: { due: 0, delayed: 0, oldestDueAgeMs: null, kinds: {} },
    });
  });

  it('shows due work by kind with its age, and a retry waiting out Retry-After as delayed', async () => {
    sinkAnswers = [{ status: 429, headers: { 'retry-after': '600' } }];
    await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Checkout failed' });
    await h.engine.queue.drain();
    // The webhook answered 429: its retry waits ten minutes, so it is delayed, not due.
    let answer = await ready();
    expect(answer.body.queue).toEqual({
      due: 0,
      delayed: 1,
      oldestDueAgeMs: null,
      kinds: { deliver: { due: 0, delayed: 1, oldestDueAgeMs: null } },
    });

    await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Login refused' });
    clock.advance(2_000);
    await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Search index stale' });
    clock.advance(3_000);
    answer = await ready();
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ready');
    expect(answer.body.queue).toEqual({
      due: 2,
      delayed: 1,
      oldestDueAgeMs: 5_000,
      kinds: {
        deliver: { due: 0, delayed: 1, oldestDueAgeMs: null },
        'evaluate-event': { due: 2, delayed: 0, oldestDueAgeMs: 5_000 },
      },
    });
    // The Prometheus gauges read the same figures.
    const samples = parsePromText(await (await fetch(`${h.url}/metrics`)).text());
    expect(sampleValue(samples, 'herald_queue_depth', { kind: 'evaluate-event' })).toBe(2);
    expect(sampleValue(samples, 'herald_queue_oldest_due_age_seconds', { kind: 'evaluate-event' })).toBe(5);
    expect(samples.filter((s) => s.name === 'herald_queue_depth')).toHaveLength(1);

    // Ten minutes on, the retry is due too; once the workers catch up the queue is empty again.
    clock.advance(600_000);
    answer = await ready();
    expect(answer.body.queue).toMatchObject({ due: 3, delayed: 0, oldestDueAgeMs: 605_000 });
    expect(answer.body.queue.kinds.deliver).toEqual({ due: 1, delayed: 0, oldestDueAgeMs: 5_000 });
    for (let i = 0; i < 3; i++) await h.engine.queue.drain();
    answer = await ready();
    expect(answer.body.queue).toEqual({ due: 0, delayed: 0, oldestDueAgeMs: null, kinds: {} });
  });

  it('documents the queue detail in the OpenAPI document', async () => {
    const doc = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    const schema = doc.body.paths['/readyz'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['status', 'checks', 'queue']);
  });
});

/**
 * The cluster profile's Redis in `/readyz`: checked with a PING when Redis is configured, and a Redis
 * that does not answer makes the process unavailable and is logged as structured lines, one per
 * connection and ten seconds, without the URL's password.
 */
describe.skipIf(SKIP_PROFILE)('/readyz with Redis', () => {
  const password = 'Redis-Pa55word-do-not-log';

  it('an API whose Redis does not answer is unavailable and logs why, once per interval', async () => {
    const port = await closedPort();
    const stderr = vi.spyOn(console, 'error');
    const h = await startHerald({
      role: 'api',
      redisUrl: `redis://herald:${password}@127.0.0.1:${port}`,
      redisPrefix: freshRedisPrefix(),
    });
    try {
      const clock = h.clock as ManualClock;
      const answer = await h.request('GET', '/readyz', undefined, { token: null });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'unavailable', checks: { database: true, redis: false } });

      const outages = () =>
        h.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'redis unavailable');
      // ioredis tried again many times during the PING's second; one line said so.
      expect(outages()).toEqual([
        expect.objectContaining({
          level: 50,
          connection: 'limits',
          redis: `redis://127.0.0.1:${port}`,
          error: expect.objectContaining({ code: 'ECONNREFUSED' }),
        }),
      ]);
      clock.advance(10_000);
      await vi.waitFor(() => expect(outages()).toHaveLength(2), { timeout: 5_000 });

      expect(h.logs.join('\n')).not.toContain(password);
      const unhandled = stderr.mock.calls.filter((call) => String(call[0]).includes('[ioredis]'));
      expect(unhandled).toEqual([]);
    } finally {
      stderr.mockRestore();
      await h.close();
    }
  });

  it.skipIf(SKIP_REDIS)('a Redis that refuses the password: unavailable, logged without it', async () => {
    const url = new URL(TEST_REDIS_URL);
    url.username = 'herald';
    url.password = password;
    const h = await startHerald({ role: 'api', redisUrl: url.href, redisPrefix: freshRedisPrefix() });
    try {
      const answer = await h.request('GET', '/readyz', undefined, { token: null });
      expect(answer.status).toBe(503);
      expect(answer.body.checks).toEqual({ database: true, redis: false });
      // An event rings the workers through Redis too: that connection is refused the same way.
      await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
      await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
      const event = await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Disk full' });
      expect(event.status).toBe(202);
      const refused = (connection: string) => (line: Record<string, unknown>) =>
        line.connection === connection &&
        String((line.error as { message?: string } | undefined)?.message).startsWith('WRONGPASS');
      await vi.waitFor(
        () => {
          const lines = h.logs.map((line) => JSON.parse(line));
          expect(lines.find(refused('limits'))).toBeDefined();
          expect(lines.find(refused('doorbell publisher'))).toBeDefined();
        },
        { timeout: 5_000 },
      );
      expect(h.logs.join('\n')).not.toContain(password);
    } finally {
      await h.close();
    }
  });

  it.skipIf(SKIP_REDIS)('an API whose Redis answers is ready, and says it checked Redis', async () => {
    const prefix = freshRedisPrefix();
    const h = await startHerald({ role: 'api', redisUrl: TEST_REDIS_URL, redisPrefix: prefix });
    try {
      const answer = await h.request('GET', '/readyz', undefined, { token: null });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'ready', checks: { database: true, redis: true } });
    } finally {
      await h.close();
      await dropRedisPrefix(prefix);
    }
  });
});
