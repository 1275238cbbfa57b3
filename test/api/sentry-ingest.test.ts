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

  it('drops what would pass the event off as a Prometheus alert (a DSN is public), and keeps the rest of extra', async () => {
    const res = await post(
      `/api/${number}/store/?sentry_key=${key}`,
      JSON.stringify({
        message: 'Spoofed alert',
        extra: {
          cart: 3,
          alertmanager: {
            fingerprint: 'aaaaaaaaaaaaaaaa',
            annotations: { runbook_url: 'https://phish.example/runbook' },
          },
        },
      }),
      { 'content-type': 'application/json' },
    );
    expect(res.status).toBe(200);
    const issue = (await issues()).find((i: { title: string }) => i.title === 'Spoofed alert');
    const stored = await h.engine.services.issues.latestEvent(issue.id);
    expect(stored?.event.extra).toEqual({ cart: 3 });
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

  /** An envelope of the header and `[type, payload]` items, each payload with its length. */
  const envelope = (header: Record<string, unknown>, ...items: [string, unknown][]) =>
    [
      JSON.stringify(header),
      ...items.flatMap(([type, payload]) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        return [JSON.stringify({ type, length: Buffer.byteLength(text) }), text];
      }),
    ].join('\n');
  const sendEnvelope = (body: string) => post(`/api/${number}/envelope/?sentry_key=${key}`, body);
  const issueTitled = async (title: string) => {
    const found = (await issues()).find((i: { title: string }) => i.title === title);
    return found ? (await h.request('GET', `/api/v1/issues/${found.id}`)).body : undefined;
  };
  const storedPayload = async (eventId: string) =>
    JSON.parse(
      (
        await h.engine.store.db
          .selectFrom('events')
          .select('payload')
          .where('event_id', '=', eventId)
          .executeTakeFirstOrThrow()
      ).payload,
    );

  /** The user's examples: each of these fields alone got the whole event refused with 400. */
  const badFields = (message: string) => ({
    message,
    level: 'loud',
    tags: { url: `https://shop.example/cart?${'q'.repeat(250)}`, browser: 'Firefox' },
    transaction: `/checkout/${'t'.repeat(220)}`,
    environment: `review-app-${'e'.repeat(60)}`,
    exception: {
      values: [
        {
          type: 'CheckoutError',
          value: message,
          stacktrace: {
            frames: [
              { filename: 'vendor.js', function: 'dispatch', lineno: -1, colno: 3.5 },
              { filename: 'cart.js', function: 'checkout', lineno: 42, colno: 7, in_app: true },
            ],
          },
        },
      ],
    },
  });

  it('keeps an event with over-long or malformed fields: those are trimmed or dropped, the rest kept', async () => {
    const eventId = 'ab'.repeat(16);
    const res = await sendEnvelope(envelope({ event_id: eventId }, ['event', badFields('Card declined')]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });

    const issue = await issueTitled('CheckoutError: Card declined');
    expect(issue).toBeDefined();
    const trimmedTransaction = `/checkout/${'t'.repeat(187)}...`;
    expect(issue.culprit).toBe(trimmedTransaction);
    expect(issue.level).toBe('error');
    const event = issue.latestEvent;
    expect(event).toMatchObject({ eventId, level: 'error', environment: null });
    expect(event.tags).toContainEqual(['browser', 'Firefox']);
    expect(event.tags).toContainEqual(['transaction', trimmedTransaction]);
    expect(event.tags.map(([key]: [string]) => key)).not.toContain('url');
    expect(event.exception.values[0].stacktrace.frames).toEqual([
      { filename: 'vendor.js', function: 'dispatch' },
      { filename: 'cart.js', function: 'checkout', lineno: 42, colno: 7, in_app: true },
    ]);
    // What was changed is recorded in the stored event, as Sentry's _meta.
    const meta = (await storedPayload(eventId))._meta;
    expect(Object.keys(meta).sort()).toEqual(['environment', 'exception', 'level', 'tags', 'transaction']);
    expect(meta.level['']).toMatchObject({ err: [['invalid_data', {}]], val: 'loud' });
    expect(meta.tags.url['']).toMatchObject({ err: [['invalid_data', {}]] });
    expect(meta.transaction['']).toEqual({ rem: [['!limit', 's', 197, 200]], len: 230 });
    expect(meta.exception.values[0].stacktrace.frames[0]).toEqual({
      lineno: { '': { err: [['invalid_data', expect.anything()]], val: -1 } },
      colno: { '': { err: [['invalid_data', expect.anything()]], val: 3.5 } },
    });
  });

  it('keeps an event with an over-long server name, user email and exception value: text trimmed, identifiers dropped', async () => {
    const eventId = 'ef'.repeat(16);
    const value = `Quota exceeded for ${'q'.repeat(9000)}`;
    const event = {
      environment: 'production',
      server_name: `web-${'h'.repeat(600)}`,
      user: { id: 'user-7', email: `${'e'.repeat(80)}@shop.test` },
      tags: { region: 'eu' },
      exception: {
        values: [
          {
            type: 'QuotaError',
            value,
            stacktrace: {
              frames: [{ filename: 'billing.js', function: 'charge', lineno: 12, in_app: true }],
            },
          },
        ],
      },
    };
    const res = await sendEnvelope(envelope({ event_id: eventId }, ['event', event]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });

    const found = (await issues()).find((i: { title: string }) =>
      i.title.startsWith('QuotaError: Quota exceeded for'),
    );
    expect(found).toBeDefined();
    const latest = (await h.request('GET', `/api/v1/issues/${found.id}`)).body.latestEvent;
    // The value is cut as Relay cuts it; the server name and the email are gone, the rest is kept.
    expect(latest).toMatchObject({ eventId, environment: 'production', user: { id: 'user-7' } });
    expect(latest.exception.values[0]).toMatchObject({
      type: 'QuotaError',
      value: `${value.slice(0, 8189)}...`,
      stacktrace: { frames: [{ filename: 'billing.js', function: 'charge', lineno: 12, in_app: true }] },
    });
    expect(latest.user).not.toHaveProperty('email');
    expect(latest.tags).toContainEqual(['region', 'eu']);
    expect(latest.tags).toContainEqual(['sentry:user', 'id:user-7']);
    expect(latest.tags.map(([key]: [string]) => key)).not.toContain('server_name');

    const stored = await storedPayload(eventId);
    expect(stored).not.toHaveProperty('server_name');
    expect(stored._meta).toEqual({
      server_name: {
        '': { err: [['invalid_data', { reason: 'must have at most 256 characters' }]], len: 604 },
      },
      user: {
        email: {
          '': {
            err: [['invalid_data', { reason: 'must have at most 75 characters' }]],
            val: event.user.email,
          },
        },
      },
      exception: {
        values: { 0: { value: { '': { rem: [['!limit', 's', 8189, 8192]], len: value.length } } } },
      },
    });
  });

  it('keeps such an event on the store endpoint too', async () => {
    const res = await post(
      `/api/${number}/store/?sentry_key=${key}`,
      JSON.stringify(badFields('Stored bad')),
    );
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect((await issueTitled('CheckoutError: Stored bad'))?.latestEvent.eventId).toBe(id);
  });

  it('keeps an event no database could store as sent: a NUL becomes U+FFFD, absurd nesting is cut', async () => {
    const eventId = 'cd'.repeat(16);
    let deep: Record<string, unknown> = { bottom: true };
    for (let i = 0; i < 200; i++) deep = { deeper: deep };
    const event = {
      message: 'Unexpected byte \u0000 in header',
      tags: { 'file\u0000name': 'upload.bin' },
      extra: { deep, note: 'kept' },
    };
    const res = await sendEnvelope(envelope({ event_id: eventId }, ['event', event]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });

    const issue = await issueTitled('Unexpected byte \uFFFD in header');
    expect(issue?.latestEvent.eventId).toBe(eventId);
    expect(issue.latestEvent.tags).toContainEqual(['file\uFFFDname', 'upload.bin']);
    const stored = await storedPayload(eventId);
    expect(stored.extra.note).toBe('kept');
    let level = stored.extra.deep;
    let depth = 2;
    while (level?.deeper !== undefined && level.deeper !== null) {
      level = level.deeper;
      depth++;
    }
    // Cut where the input stops being storable, not before.
    expect(level).toEqual({ deeper: null });
    expect(depth).toBe(63);
  });

  it("Herald's own API still refuses the same event, naming every bad field", async () => {
    const paths = (res: { body: { error: { details: { path: string }[] } } }) =>
      res.body.error.details.map((d) => d.path).sort();
    const one = await h.request('POST', '/api/v1/projects/sentry/app/events', badFields('API bad'));
    expect(one.status).toBe(400);
    expect(paths(one)).toEqual([
      'environment',
      'exception.values.0.stacktrace.frames.0.colno',
      'exception.values.0.stacktrace.frames.0.lineno',
      'level',
      'tags.url',
      'transaction',
    ]);
    const batch = await h.request('POST', '/api/v1/projects/sentry/app/events/batch', {
      events: [{ message: 'fine' }, badFields('API bad')],
    });
    expect(batch.status).toBe(400);
    expect(paths(batch)).toContain('events.1.tags.url');
    expect(await issueTitled('CheckoutError: API bad')).toBeUndefined();
  });

  it('still refuses an envelope with an item that is not a JSON object, and stores none of it', async () => {
    for (const unusable of ['{"message": "cut off', '["a list"]']) {
      const res = await sendEnvelope(envelope({}, ['event', { message: 'Good half' }], ['event', unusable]));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(
        /^item 1 (is not valid JSON|must be a JSON object)$/,
      );
    }
    expect(await issueTitled('Good half')).toBeUndefined();
  });

  it('makes a performance issue of a slow transaction only; quick ones are accepted and make none', async () => {
    const now = Date.now() / 1000;
    const transaction = (name: string, seconds: number | null) => ({
      transaction: name,
      ...(seconds === null ? {} : { start_timestamp: now - seconds }),
      timestamp: now,
      contexts: { trace: { trace_id: 'c'.repeat(32), span_id: 'd'.repeat(16), op: 'http.server' } },
      spans: [],
    });
    const quickId = '01'.repeat(16);
    const quick = await sendEnvelope(
      envelope({ event_id: quickId }, ['transaction', transaction('GET /health', 0.01)]),
    );
    expect(quick.status).toBe(200);
    expect(await quick.json()).toEqual({ id: quickId });
    const untimed = await sendEnvelope(envelope({}, ['transaction', transaction('GET /untimed', null)]));
    expect(untimed.status).toBe(200);
    const stored = await post(
      `/api/${number}/store/?sentry_key=${key}`,
      JSON.stringify({ ...transaction('GET /stored', 0.05), type: 'transaction', event_id: '02'.repeat(16) }),
    );
    expect(await stored.json()).toEqual({ id: '02'.repeat(16) });

    const slow = await sendEnvelope(envelope({}, ['transaction', transaction('GET /reports', 3)]));
    expect(slow.status).toBe(200);

    const titles = (await issues()).map((i: { title: string }) => i.title);
    expect(titles).toContain('GET /reports');
    for (const quicker of ['GET /health', 'GET /untimed', 'GET /stored'])
      expect(titles).not.toContain(quicker);
    expect(await issueTitled('GET /reports')).toMatchObject({ category: 'performance', level: 'info' });
    const events = await h.engine.store.db.selectFrom('events').select('event_id').execute();
    expect(events.map((e) => e.event_id)).not.toContain(quickId);
  });

  it('takes the slow-transaction threshold from HERALD_SLOW_TRANSACTION_MS', async () => {
    const quick = await startHerald({ slowTransactionMs: 40 });
    try {
      await quick.request('POST', '/api/v1/orgs', { slug: 'fast' });
      const project = (await quick.request('POST', '/api/v1/orgs/fast/projects', { slug: 'app' })).body;
      const now = Date.now() / 1000;
      const sent = await fetch(
        `${quick.url}/api/${project.number}/store/?sentry_key=${new URL(project.dsn).username}`,
        {
          method: 'POST',
          body: JSON.stringify({
            type: 'transaction',
            transaction: 'GET /cart',
            start_timestamp: now - 0.1,
            timestamp: now,
          }),
        },
      );
      expect(sent.status).toBe(200);
      const listed = await quick.request('GET', '/api/v1/projects/fast/app/issues');
      expect(listed.body.data.map((i: { title: string }) => i.title)).toEqual(['GET /cart']);
    } finally {
      await quick.close();
    }
  });
});
