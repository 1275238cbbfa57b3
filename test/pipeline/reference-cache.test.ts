import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface DeliveryView {
  channel: string;
  status: string;
  reason: string | null;
}

/**
 * The pipeline keeps organizations, projects and integrations for a moment instead of reading them for
 * every event; a change made through the API must still apply to the very next event. Each case first
 * sends an event (so the rows are kept), changes something, and sends the next event at once, well
 * within the time they are kept for, on a clock that stands still.
 */
describe.skipIf(SKIP_PROFILE)('reference rows kept between events', () => {
  let h: TestHerald;
  let sink: TestPeer;
  let hookId = '';
  const bodies: { data: { organization: { name: string }; project: { slug: string; name: string } } }[] = [];
  /** Sink answers still to fail with a 500. */
  let failing = 0;
  const clock = manualClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    sink = await startHttpPeer((_req, body, res) => {
      bodies.push(JSON.parse(body.toString()));
      if (failing > 0) {
        failing--;
        res.statusCode = 500;
      }
      res.end();
    });
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Ops',
      config: { url: `${sink.url}/hook` },
      secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    });
    expect(hook.status, hook.text).toBe(201);
    hookId = hook.body.id;
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Every event',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'webhook', integration: hookId }],
    });
    expect(rule.status, rule.text).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  /** The webhook delivery's view of the issue's notification. */
  const deliveryOf = async (issueId: string): Promise<DeliveryView> => {
    const { data } = (await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}`)).body;
    const deliveries = data.flatMap((d: { deliveries: DeliveryView[] }) => d.deliveries);
    expect(deliveries).toHaveLength(1);
    return deliveries[0];
  };

  /** Sends one event of a new issue and runs the pipeline; answers the webhook delivery's view. */
  const send = async (): Promise<DeliveryView & { issueId: string }> => {
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: `Reference case ${++n}`,
      level: 'error',
      fingerprint: [`reference-${n}`],
    });
    expect(event.status, event.text).toBe(202);
    for (let i = 0; i < 4; i++) await h.engine.queue.drain();
    return { ...(await deliveryOf(event.body.issueId)), issueId: event.body.issueId };
  };

  it('suppresses at once for an integration disabled through the API, and routes again when enabled', async () => {
    expect(await send()).toMatchObject({ channel: 'webhook', status: 'sent' });
    const off = await h.request('PATCH', `/api/v1/orgs/acme/integrations/${hookId}`, { status: 'disabled' });
    expect(off.status, off.text).toBe(200);
    expect(await send()).toMatchObject({ status: 'suppressed', reason: 'integration_disabled' });
    const on = await h.request('PATCH', `/api/v1/orgs/acme/integrations/${hookId}`, { status: 'active' });
    expect(on.status, on.text).toBe(200);
    expect(await send()).toMatchObject({ status: 'sent' });
  });

  it('does not send a retry queued before its integration was disabled through the API', async () => {
    expect(await send()).toMatchObject({ status: 'sent' });
    failing = 1;
    const before = bodies.length;
    const failed = await send();
    expect(failed).toMatchObject({ status: 'failed' });
    const off = await h.request('PATCH', `/api/v1/orgs/acme/integrations/${hookId}`, { status: 'disabled' });
    expect(off.status, off.text).toBe(200);
    try {
      // The retry comes due within the moment the delivery stage keeps integrations for (wall clock).
      clock.advance(3_600_000);
      for (let i = 0; i < 4; i++) await h.engine.queue.drain();
      expect(await deliveryOf(failed.issueId)).toMatchObject({
        status: 'suppressed',
        reason: 'integration_disabled',
      });
      expect(bodies.length - before).toBe(1);
    } finally {
      await h.request('PATCH', `/api/v1/orgs/acme/integrations/${hookId}`, { status: 'active' });
    }
  });

  it('renders the next alert with a template override saved or removed through the API', async () => {
    await send();
    expect(bodies.at(-1)?.data).toHaveProperty('organization');
    const put = await h.request('PUT', '/api/v1/orgs/acme/templates/issue_alert/webhook', {
      parts: { data: '{"note": "custom {{ issue.title }}"}' },
    });
    expect(put.status, put.text).toBe(200);
    try {
      await send();
      expect(bodies.at(-1)?.data).toMatchObject({ note: `custom Reference case ${n}` });
    } finally {
      const removed = await h.request('DELETE', '/api/v1/orgs/acme/templates/issue_alert/webhook');
      expect(removed.status, removed.text).toBe(204);
    }
    await send();
    expect(bodies.at(-1)?.data).toHaveProperty('organization');
  });

  it('applies throttle limits changed through the API to the next event', async () => {
    expect(await send()).toMatchObject({ status: 'sent' });
    const put = await h.request('PUT', '/api/v1/orgs/acme/throttle', {
      limits: { webhook: { limit: 1, windowSeconds: 3600 } },
    });
    expect(put.status, put.text).toBe(200);
    expect(await send()).toMatchObject({ status: 'sent' });
    expect(await send()).toMatchObject({ status: 'digested', reason: 'throttled' });
    await h.request('PUT', '/api/v1/orgs/acme/throttle', { limits: {} });
    expect(await send()).toMatchObject({ status: 'sent' });
  });

  it('names the project by its new name in the next alert after a rename', async () => {
    await send();
    const slug = bodies.at(-1)!.data.project.slug;
    const renamed = await h.request('PATCH', `/api/v1/orgs/acme/projects/${slug}`, { name: 'Checkout API' });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ slug, name: 'Checkout API' });
    await send();
    expect(bodies.at(-1)?.data.project).toMatchObject({ slug, name: 'Checkout API' });
  });

  it('names the organization by its new name in the next alert after a rename', async () => {
    await send();
    expect(bodies.at(-1)?.data.organization.name).toBe('Acme');
    const renamed = await h.request('PATCH', '/api/v1/orgs/acme', { name: 'Acme Corp' });
    expect(renamed.status, renamed.text).toBe(200);
    await send();
    expect(bodies.at(-1)?.data.organization.name).toBe('Acme Corp');
  });

  it('suppresses as unroutable once the integration is deleted through the API', async () => {
    expect(await send()).toMatchObject({ status: 'sent' });
    // A rule sends through it: deleting it needs force, and says which rules.
    const kept = await h.request('DELETE', `/api/v1/orgs/acme/integrations/${hookId}`);
    expect(kept.status).toBe(409);
    expect(kept.body.error.message).toMatch(/^Alert rules send through this integration: “.+” \(rule_/);
    expect(await send()).toMatchObject({ status: 'sent' });
    const gone = await h.request('DELETE', `/api/v1/orgs/acme/integrations/${hookId}?force=true`);
    expect(gone.status, gone.text).toBe(204);
    expect(await send()).toMatchObject({ status: 'suppressed', reason: 'unroutable' });
  });
});
