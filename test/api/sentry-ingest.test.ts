import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** The Sentry SDK endpoints, driven with hand-made envelopes (test/sentry-sdk.test.ts uses the real SDK). */
describe.skipIf(SKIP_PROFILE)('Sentry ingest endpoints', () => {
  let h: TestHerald;
  let key: string;
  let number: number;

  const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { method: 'POST', body, headers });
  const issues = async () => (await h.request('GET', '/api/v1/projects/sentry/app/issues')).body.data;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'sentry' });
    const project = (await h.request('POST', '/api/v1/orgs/sentry/projects', { slug: 'app' })).body;
    key = new URL(project.dsn).username;
    number = project.number;
  });
  afterAll(() => h?.close());

  it('ingests the event of a gzipped envelope and ignores session and client report items', async () => {
    const eventId = 'fe'.repeat(16);
    const event = JSON.stringify({ message: 'Envelope event', level: 'warning', tags: { region: 'eu' } });
    const envelope = [
      JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString() }),
      JSON.stringify({ type: 'event', length: Buffer.byteLength(event) }),
      event,
      JSON.stringify({ type: 'session' }),
      JSON.stringify({ sid: 'x', status: 'ok' }),
      JSON.stringify({ type: 'client_report' }),
      JSON.stringify({ discarded_events: [] }),
    ].join('\n');
    const res = await post(
      `/api/${number}/envelope/?sentry_key=${key}&sentry_version=7`,
      gzipSync(envelope),
      {
        'content-type': 'application/x-sentry-envelope',
        'content-encoding': 'gzip',
      },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const list = await issues();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ title: 'Envelope event', level: 'warning' });
  });

  it('accepts the store endpoint with X-Sentry-Auth and a deflated body', async () => {
    const res = await post(
      `/api/${number}/store/`,
      deflateSync(JSON.stringify({ message: 'Stored event' })),
      {
        'content-type': 'application/json',
        'content-encoding': 'deflate',
        'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${key}, sentry_client=test/1.0`,
      },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toMatch(/^[0-9a-f]{32}$/);
    expect((await issues()).map((i: { title: string }) => i.title)).toContain('Stored event');
  });

  it("answers in Sentry's style: 401 without or with a wrong key, 403 for an unknown project", async () => {
    const body = '{}\n{"type":"event"}\n{"message":"nope"}\n';
    const missing = await post(`/api/${number}/envelope/`, body);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: 'missing authorization information' });
    const wrong = await post(`/api/${number}/envelope/?sentry_key=${'0'.repeat(32)}`, body);
    expect(wrong.status).toBe(401);
    const unknown = await post(`/api/999999/envelope/?sentry_key=${key}`, body);
    expect(unknown.status).toBe(403);
    expect((await issues()).map((i: { title: string }) => i.title)).not.toContain('nope');
  });

  it('refuses an invalid event with its path and stores nothing', async () => {
    const body = `{}\n{"type":"event"}\n${JSON.stringify({ message: 'bad', level: 'loud' })}\n`;
    const res = await post(`/api/${number}/envelope/?sentry_key=${key}`, body, {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { causes: string[] }).causes).toEqual([
      expect.stringMatching(/^items\.0\.level: /),
    ]);
    expect((await issues()).map((i: { title: string }) => i.title)).not.toContain('bad');
  });
});
