import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from './helpers/herald.js';

/** The official Sentry SDK, configured with a Herald project's DSN, sends real envelopes to Herald. */
describe('Sentry SDK ingest', () => {
  let h: TestHerald;
  let dsn: string;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'sdk' });
    dsn = (await h.request('POST', '/api/v1/orgs/sdk/projects', { slug: 'node-app', platform: 'node' })).body
      .dsn;
    Sentry.init({
      dsn,
      environment: 'staging',
      release: 'shop@1.4.2',
      // Tracing on, every span sampled and sent as a transaction (the SDK's `static` lifecycle, as SDKs
      // of other platforms send them; streamed spans are accepted and ignored); otherwise only what the
      // tests look at: no automatic instrumentation or sessions.
      tracesSampleRate: 1,
      traceLifecycle: 'static',
      defaultIntegrations: false,
      sendClientReports: false,
    });
  });
  afterAll(async () => {
    await Sentry.close(2000);
    await h?.close();
  });

  it('captureException arrives as an issue with its title, level, tags, environment and release', async () => {
    Sentry.withScope((scope) => {
      scope.setTag('checkout.step', 'payment');
      scope.setUser({ id: 'user-7', email: 'buyer@example.com' });
      Sentry.captureException(new TypeError('Cannot read properties of undefined (reading "total")'));
    });
    expect(await Sentry.flush(5000)).toBe(true);

    const list = await h.request('GET', '/api/v1/projects/sdk/node-app/issues');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const issue = await h.request('GET', `/api/v1/issues/${list.body.data[0].id}`);
    expect(issue.body).toMatchObject({
      title: 'TypeError: Cannot read properties of undefined (reading "total")',
      level: 'error',
      status: 'unresolved',
      timesSeen: 1,
      usersSeen: 1,
      environments: [{ name: 'staging' }],
    });
    expect(issue.body.culprit).not.toBe('');
    const event = issue.body.latestEvent;
    expect(event).toMatchObject({ environment: 'staging', release: 'shop@1.4.2', platform: 'node' });
    expect(event.sdk.name).toBe('sentry.javascript.node');
    expect(event.tags).toEqual(
      expect.arrayContaining([
        ['checkout.step', 'payment'],
        ['environment', 'staging'],
        ['sentry:release', 'shop@1.4.2'],
        ['sentry:user', 'id:user-7'],
      ]),
    );
  });

  it('captureMessage groups by message, and the same error twice makes one issue', async () => {
    Sentry.captureMessage('Payment provider timed out after 3000 ms', 'warning');
    Sentry.captureMessage('Payment provider timed out after 4500 ms', 'warning');
    expect(await Sentry.flush(5000)).toBe(true);
    const list = await h.request('GET', '/api/v1/projects/sdk/node-app/issues?query=timed%20out');
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ level: 'warning', timesSeen: 2 });
  });

  it('an error with an over-long tag, transaction name and environment and a bad frame still arrives', async () => {
    const url = `https://shop.example/search?q=${'red shoes '.repeat(30)}`;
    Sentry.withScope((scope) => {
      scope.setTag('url', url);
      scope.setTag('checkout.step', 'review');
      scope.setTransactionName(`GET /search/${'x'.repeat(220)}`);
      // Environment and frames come from the options and the stack: set them as other SDKs send them.
      scope.addEventProcessor((event) => {
        event.environment = `preview-${'e'.repeat(70)}`;
        const frame = event.exception?.values?.[0]?.stacktrace?.frames?.at(-1);
        if (frame) Object.assign(frame, { lineno: -1, colno: 2.5 });
        return event;
      });
      Sentry.captureException(new RangeError('Search query too long'));
    });
    expect(await Sentry.flush(5000)).toBe(true);

    const list = await h.request('GET', '/api/v1/projects/sdk/node-app/issues?query=Search%20query');
    expect(list.body.data.map((i: { title: string }) => i.title)).toEqual([
      'RangeError: Search query too long',
    ]);
    const event = (await h.request('GET', `/api/v1/issues/${list.body.data[0].id}`)).body.latestEvent;
    expect(event).toMatchObject({ environment: null, release: 'shop@1.4.2', level: 'error' });
    expect(event.tags).toContainEqual(['checkout.step', 'review']);
    expect(event.tags).toContainEqual(['transaction', `GET /search/${'x'.repeat(185)}...`]);
    expect(event.tags.find(([key]: [string]) => key === 'url')).toBeUndefined();
    const frames = event.exception.values[0].stacktrace.frames;
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.at(-1)).not.toHaveProperty('lineno');
    expect(frames.at(-1)).not.toHaveProperty('colno');
    expect(frames.at(-1).function).toBeTruthy();
  });

  it('with tracing, a quick transaction is accepted without an issue or an alert; a slow one alerts', async () => {
    const userId = (
      await h.request('POST', '/api/v1/orgs/sdk/members', { email: 'ops@sdk.test', role: 'owner' })
    ).body.userId;
    const rule = await h.request('POST', '/api/v1/projects/sdk/node-app/rules', {
      name: 'New issues',
      actionMatch: 'all',
      frequency: 0,
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: userId }],
    });
    expect(rule.status).toBe(201);

    Sentry.startSpan({ name: 'GET /health', op: 'http.server' }, () => undefined);
    Sentry.startSpan(
      { name: 'GET /reports/yearly', op: 'http.server', startTime: new Date(Date.now() - 3000) },
      () => undefined,
    );
    expect(await Sentry.flush(5000)).toBe(true);
    await h.engine.queue.drain();

    const all = (await h.request('GET', '/api/v1/projects/sdk/node-app/issues')).body.data;
    const performance = all.filter((i: { category: string }) => i.category === 'performance');
    expect(performance.map((i: { title: string }) => i.title)).toEqual(['GET /reports/yearly']);
    expect(all.map((i: { title: string }) => i.title)).not.toContain('GET /health');
    const history = (await h.request('GET', `/api/v1/orgs/sdk/notifications?rule=${rule.body.id}`)).body.data;
    expect(history.map((n: { issueId: string }) => n.issueId)).toEqual([performance[0].id]);
  });
});
