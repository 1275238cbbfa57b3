import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { startPagerDutyPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const OPS_KEY = 'R0UT1NGKEY0PS0000000000000000001';
const DB_KEY = 'R0UT1NGKEYDB00000000000000000002';
const QUIET_KEY = 'R0UT1NGKEYQU1ET00000000000000003';

interface DeliveryView {
  id: string;
  channel: string;
  integrationId: string | null;
  status: string;
  reason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
}

/**
 * PagerDuty as a user sees it: an alert rule's PagerDuty action opens an incident keyed by the issue,
 * and resolving the issue (in the API or by Alertmanager) closes that incident on every PagerDuty
 * service that opened one, through the delivery history with its retries and dead letters.
 */
describe.skipIf(SKIP_PROFILE)('PagerDuty incidents follow their issue', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let pd: Awaited<ReturnType<typeof startPagerDutyPeer>>;
  let ops = '';
  let db = '';
  let apiKey = '';

  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    // The peer listens under a path prefix, as PagerDuty does behind a proxy: the prefix must be kept.
    pd = await startPagerDutyPeer(clock, { prefix: '/pd', routingKeys: [OPS_KEY, DB_KEY, QUIET_KEY] });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    apiKey = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'prometheus' })).body.token;
    const integration = async (name: string, baseUrl: string, routingKey: string) => {
      const created = await h.request('POST', '/api/v1/orgs/acme/integrations', {
        provider: 'pagerduty',
        name,
        config: { baseUrl },
        secrets: { routingKey },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.id as string;
    };
    ops = await integration('Ops on call', `${pd.url}/pd`, OPS_KEY);
    db = await integration('DB on call', `${pd.url}/pd/`, DB_KEY);
    // Never named by a rule: it opens no incident, so it has none to resolve.
    await integration('Quiet service', `${pd.url}/pd`, QUIET_KEY);
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Page on new issues',
      conditions: [{ id: 'first_seen_event' }],
      actions: [
        { id: 'pagerduty', integration: ops },
        { id: 'pagerduty', integration: db },
      ],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await pd?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const ingest = async (message: string): Promise<string> => {
    clock.advance(60_000);
    const answer = await h.request('POST', '/api/v1/projects/acme/api/events', { message, level: 'error' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    await settle();
    return answer.body.issueId;
  };
  const resolve = async (issueId: string) => {
    // A minute later: each change is its own activity, as a person's clicks are.
    clock.advance(60_000);
    const answer = await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    await settle();
  };
  /** What the peer received about one issue, action and routing key each, in order. */
  const eventsOf = (issueId: string, status?: number) =>
    pd.arrivals
      .filter((a) => a.event.dedup_key === issueId && (status === undefined || a.status === status))
      .map((a) => [a.event.event_action, a.event.routing_key]);
  /** The PagerDuty deliveries of an issue's notifications of one type, as the history shows them. */
  const deliveriesOf = async (issueId: string, type: string): Promise<DeliveryView[]> => {
    const page = await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}&type=${type}`);
    expect(page.status).toBe(200);
    return page.body.data
      .flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries)
      .filter((d: DeliveryView) => d.channel === 'pagerduty');
  };
  const byIntegration = (deliveries: readonly DeliveryView[]) =>
    deliveries.map((d) => [d.integrationId, d.status]).sort();

  it('resolving an issue resolves the incident on each service its alert opened one on, once', async () => {
    const issueId = await ingest('Payment gateway timeout');
    const triggers = pd.arrivals.filter((a) => a.event.dedup_key === issueId);
    expect(triggers.map((a) => [a.path, a.status, a.event.event_action])).toEqual([
      ['/pd/v2/enqueue', 202, 'trigger'],
      ['/pd/v2/enqueue', 202, 'trigger'],
    ]);
    expect(triggers[0]!.event.payload).toMatchObject({ severity: 'error', source: 'api' });

    await resolve(issueId);
    const resolves = pd.arrivals.filter((a) => a.event.event_action === 'resolve');
    expect(resolves.map((a) => [a.path, a.status, a.event.dedup_key])).toEqual([
      ['/pd/v2/enqueue', 202, issueId],
      ['/pd/v2/enqueue', 202, issueId],
    ]);
    expect(resolves.map((a) => a.event.routing_key).sort()).toEqual([DB_KEY, OPS_KEY].sort());
    expect(resolves.every((a) => a.event.payload === undefined)).toBe(true);
    expect(byIntegration(await deliveriesOf(issueId, 'resolved'))).toEqual(
      [
        [db, 'sent'],
        [ops, 'sent'],
      ].sort(),
    );

    // Resolved again, and time passes: nothing more reaches PagerDuty.
    await resolve(issueId);
    clock.advance(3_600_000);
    await settle();
    expect(eventsOf(issueId)).toHaveLength(4);
    expect(pd.arrivals.some((a) => a.event.routing_key === QUIET_KEY)).toBe(false);
    expect(pd.arrivals.every((a) => a.status === 202)).toBe(true);
  });

  it('a resolve PagerDuty cannot take yet is retried with the same dedup key until accepted', async () => {
    const issueId = await ingest('Ledger replica lagging');
    let refused = 0;
    pd.plan.current = (event) =>
      event.event_action === 'resolve' && event.routing_key === OPS_KEY && refused++ < 2 ? 503 : 202;
    await resolve(issueId);
    let deliveries = await deliveriesOf(issueId, 'resolved');
    const toOps = () => deliveries.find((d) => d.integrationId === ops)!;
    expect(toOps()).toMatchObject({ status: 'failed', reason: 'http_503', attempts: 1 });
    for (let round = 0; round < 5 && toOps().status === 'failed'; round++) {
      clock.set(Date.parse(toOps().nextAttemptAt!));
      await settle();
      deliveries = await deliveriesOf(issueId, 'resolved');
    }
    pd.plan.current = () => 202;
    expect(toOps()).toMatchObject({ status: 'sent', attempts: 3 });
    // Three tries at the ops service, all with the issue as dedup key; one at the other.
    expect(
      eventsOf(issueId)
        .filter(([action]) => action === 'resolve')
        .sort(),
    ).toEqual(
      [
        ['resolve', OPS_KEY],
        ['resolve', OPS_KEY],
        ['resolve', OPS_KEY],
        ['resolve', DB_KEY],
      ].sort(),
    );
    // Accepted once per service.
    expect(eventsOf(issueId, 202).filter(([action]) => action === 'resolve')).toHaveLength(2);
  });

  it('a resolve PagerDuty refuses is a dead letter that a replay sends', async () => {
    const issueId = await ingest('Search index corrupt');
    pd.plan.current = (event) =>
      event.event_action === 'resolve' && event.routing_key === DB_KEY ? 400 : 202;
    await resolve(issueId);
    const dead = (await deliveriesOf(issueId, 'resolved')).find((d) => d.integrationId === db)!;
    expect(dead).toMatchObject({ status: 'dead', reason: 'http_400', attempts: 1 });
    const letters = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead&channel=pagerduty');
    expect(letters.body.data.map((d: { id: string }) => d.id)).toContain(dead.id);

    pd.plan.current = () => 202;
    const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${dead.id}/retry`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    await settle();
    expect(byIntegration(await deliveriesOf(issueId, 'resolved'))).toEqual(
      [
        [db, 'sent'],
        [ops, 'sent'],
      ].sort(),
    );
    expect(eventsOf(issueId, 202)).toEqual(
      expect.arrayContaining([
        ['resolve', OPS_KEY],
        ['resolve', DB_KEY],
      ]),
    );
    expect(eventsOf(issueId, 202).filter(([action]) => action === 'resolve')).toHaveLength(2);
  });

  it('an issue reopened without a new alert has no incident left to resolve; a new alert opens one', async () => {
    const issueId = await ingest('Cache stampede on login');
    await resolve(issueId);
    expect(eventsOf(issueId)).toHaveLength(4);

    // Reopened by hand: nothing was sent to PagerDuty, so resolving again sends nothing either.
    clock.advance(60_000);
    await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'unresolved' });
    await resolve(issueId);
    expect(eventsOf(issueId)).toHaveLength(4);
    expect(await deliveriesOf(issueId, 'resolved')).toHaveLength(2);

    // A regression alert on the ops service opens its incident again; the next resolve closes that one.
    const regressions = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Page ops on regressions',
      conditions: [{ id: 'regression_event' }],
      actions: [{ id: 'pagerduty', integration: ops }],
    });
    expect(regressions.status, JSON.stringify(regressions.body)).toBe(201);
    expect(await ingest('Cache stampede on login')).toBe(issueId);
    await resolve(issueId);
    expect(eventsOf(issueId)).toEqual([
      ...eventsOf(issueId).slice(0, 4),
      ['trigger', OPS_KEY],
      ['resolve', OPS_KEY],
    ]);
    await h.request('DELETE', `/api/v1/projects/acme/api/rules/${regressions.body.id}`);
  });

  it('an Alertmanager alert whose endsAt passed resolves the incident its firing opened', async () => {
    const alerts = '/api/v1/projects/acme/api/alertmanager/api/v2/alerts';
    const iso = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
    const alert = {
      labels: { alertname: 'DiskFull', instance: 'db-7', severity: 'critical' },
      annotations: { summary: 'Disk of db-7 is 97% full' },
      startsAt: iso(-60_000),
      endsAt: iso(4 * 60_000),
    };
    expect((await h.request('POST', alerts, [alert], { token: apiKey })).status).toBe(200);
    await settle();
    const trigger = pd.arrivals.find(
      (a) => a.event.event_action === 'trigger' && JSON.stringify(a.event).includes('db-7'),
    );
    expect(trigger?.event.payload).toMatchObject({ severity: 'critical' });
    const issueId = String(trigger?.event.dedup_key);

    const ended = await h.request('POST', alerts, [{ ...alert, endsAt: iso(-1000) }], { token: apiKey });
    expect(ended.status).toBe(200);
    await settle();
    expect(eventsOf(issueId, 202).sort()).toEqual(
      [
        ['trigger', OPS_KEY],
        ['trigger', DB_KEY],
        ['resolve', OPS_KEY],
        ['resolve', DB_KEY],
      ].sort(),
    );
    expect((await h.request('GET', `/api/v1/issues/${issueId}`)).body.status).toBe('resolved');
  });
});
