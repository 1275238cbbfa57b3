import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';

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
