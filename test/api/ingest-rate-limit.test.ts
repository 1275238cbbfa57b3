import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const PROJECT = '/api/v1/orgs/acme/projects';
const EVENTS = '/api/v1/projects/acme/app/events';

/** A project's ingest limit: events over it are refused with 429 until its bucket refills. */
describe.skipIf(SKIP_PROFILE)('project ingest rate limit', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let dsn: { key: string; number: number };
  let seq = 0;

  /** An event of its own issue, so the issue count shows every event stored. */
  const event = () => ({ message: 'Runaway error', fingerprint: [`runaway-${++seq}`] });
  const issueCount = async (project = 'app') =>
    (await h.request('GET', `/api/v1/projects/acme/${project}/issues`)).body.data.length;
  const limit = (rateLimit: unknown) => h.request('PATCH', `${PROJECT}/app`, { rateLimit });

  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    h = await startHerald({ role: 'api' }, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    const app = (await h.request('POST', PROJECT, { slug: 'app' })).body;
    dsn = { key: new URL(app.dsn).username, number: app.number };
    await h.request('POST', PROJECT, { slug: 'other' });
  });
  afterAll(() => h?.close());

  it('has no limit by default and shows the one set', async () => {
    expect((await h.request('GET', `${PROJECT}/app`)).body.rateLimit).toBeNull();
    const res = await limit({ count: 3, windowSeconds: 60 });
    expect(res.status).toBe(200);
    expect(res.body.rateLimit).toEqual({ count: 3, windowSeconds: 60 });
    expect((await h.request('GET', `${PROJECT}/app`)).body.rateLimit).toEqual({
      count: 3,
      windowSeconds: 60,
    });
  });

  it('takes 3 events in 60 s, refuses the 4th with 429 and Retry-After storing nothing, then takes again', async () => {
    for (let i = 0; i < 3; i++) expect((await h.request('POST', EVENTS, event())).status).toBe(202);
    expect(await issueCount()).toBe(3);

    const refused = await h.request('POST', EVENTS, event());
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    // One event's worth of the bucket refills in 60 s / 3.
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(await issueCount()).toBe(3);

    clock.advance(60_000);
    expect((await h.request('POST', EVENTS, event())).status).toBe(202);
    expect(await issueCount()).toBe(4);
  });

  it('refuses a batch over the limit whole', async () => {
    clock.advance(60_000);
    const batch = await h.request('POST', `${EVENTS}/batch`, { events: [1, 2, 3, 4, 5].map(event) });
    expect(batch.status).toBe(429);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await issueCount()).toBe(4);
    // The refused batch took nothing: the bucket still holds the 3 a batch of 3 needs.
    const fits = await h.request('POST', `${EVENTS}/batch`, { events: [1, 2, 3].map(event) });
    expect(fits.status).toBe(202);
    expect(await issueCount()).toBe(7);
  });

  it('answers Sentry SDKs 429 with X-Sentry-Rate-Limits on the envelope endpoint', async () => {
    const payload = JSON.stringify({ message: 'Envelope over the limit' });
    const body = ['{}', JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) }), payload].join(
      '\n',
    );
    const res = await fetch(`${h.url}/api/${dsn.number}/envelope/?sentry_key=${dsn.key}`, {
      method: 'POST',
      body,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('20');
    expect(res.headers.get('x-sentry-rate-limits')).toBe('20::project');
    expect(await issueCount()).toBe(7);
  });

  it('does not limit another project', async () => {
    for (let i = 0; i < 5; i++)
      expect((await h.request('POST', '/api/v1/projects/acme/other/events', event())).status).toBe(202);
    expect(await issueCount('other')).toBe(5);
  });

  it('refuses a bad limit naming the field, and lifts it with null', async () => {
    const zero = await limit({ count: 0, windowSeconds: 60 });
    expect(zero.status).toBe(400);
    expect(zero.body.error.details.map((d: { path: string }) => d.path)).toEqual(['rateLimit.count']);
    const window = await limit({ count: 3, windowSeconds: 86_401 });
    expect(window.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'rateLimit.windowSeconds',
    ]);
    expect((await h.request('GET', `${PROJECT}/app`)).body.rateLimit).toEqual({
      count: 3,
      windowSeconds: 60,
    });

    expect((await h.request('POST', EVENTS, event())).status).toBe(429);
    const lifted = await limit(null);
    expect(lifted.body.rateLimit).toBeNull();
    for (let i = 0; i < 5; i++) expect((await h.request('POST', EVENTS, event())).status).toBe(202);
  });
});
