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
      // Only what the test looks at: no automatic instrumentation, sessions or tracing.
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
});
