import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { TRIGGER_RECHECK_MS } from '../../src/delivery/pagerduty-incidents.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { startPagerDutyPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const OPS_KEY = 'R0UT1NGKEY0PS0000000000000000001';
const DB_KEY = 'R0UT1NGKEYDB00000000000000000002';
const QUIET_KEY = 'R0UT1NGKEYQU1ET00000000000000003';
/** What an alert's issue tells both services when it opened an incident on each and was then resolved. */
const PAGED_THEN_RESOLVED = [
  ['trigger', OPS_KEY],
  ['trigger', DB_KEY],
  ['resolve', OPS_KEY],
  ['resolve', DB_KEY],
].sort();

interface DeliveryView {
  id: string;
  channel: string;
  integrationId: string | null;
  status: string;
  reason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
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
  /** Each service's incident of an issue at the peer, ops first. */
  const incidents = (issueId: string) => [pd.incident(OPS_KEY, issueId), pd.incident(DB_KEY, issueId)];
  /** Refuses the first `times` triggers of events whose message holds `message` with `status`. */
  const refuseTriggers = (message: string, status: number, times: number) => {
    let refused = 0;
    pd.plan.current = (event) =>
      event.event_action === 'trigger' && JSON.stringify(event).includes(message) && refused++ < times
        ? status
        : 202;
  };
  /** Resolves the issue at the clock's time, before any retry written at that time is due. */
  const resolveNow = async (issueId: string) => {
    const answer = await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    await settle();
  };
  /** Moves the clock to the latest next attempt of these deliveries and runs what fell due. */
  const untilRetried = async (deliveries: readonly DeliveryView[]) => {
    clock.set(Math.max(...deliveries.map((d) => Date.parse(d.nextAttemptAt!))));
    await settle();
  };

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
    expect(eventsOf(issueId, 202).sort()).toEqual(PAGED_THEN_RESOLVED);
    expect((await h.request('GET', `/api/v1/issues/${issueId}`)).body.status).toBe('resolved');
  });

  it('an alert Prometheus stops sending resolves its incident once its end passes; sent again, it reopens its issue', async () => {
    const alerts = '/api/v1/projects/acme/api/alertmanager/api/v2/alerts';
    const iso = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
    const startsAt = iso(-60_000);
    // Prometheus re-sends a firing alert every minute, each time with an end 4 minutes ahead.
    const firing = () => ({
      labels: { alertname: 'ReplicaLag', instance: 'db-8', severity: 'critical' },
      annotations: { summary: 'Replica db-8 is 5 minutes behind' },
      startsAt,
      endsAt: iso(4 * 60_000),
    });
    expect((await h.request('POST', alerts, [firing()], { token: apiKey })).status).toBe(200);
    await settle();
    const trigger = pd.arrivals.find((a) => JSON.stringify(a.event).includes('db-8'));
    const issueId = String(trigger?.event.dedup_key);
    for (let minute = 0; minute < 3; minute++) {
      clock.advance(60_000);
      expect((await h.request('POST', alerts, [firing()], { token: apiKey })).status).toBe(200);
      expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    }
    // Its first end has long passed, its latest not yet: nothing is resolved.
    clock.advance(3 * 60_000);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    await settle();
    expect(eventsOf(issueId, 202).filter(([action]) => action === 'resolve')).toEqual([]);

    // Then Prometheus goes quiet: a millisecond after the latest end, the incidents are resolved, once.
    clock.advance(60_000 + 1);
    expect(await h.engine.services.alertEnds.sweep()).toBe(1);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    await settle();
    expect(eventsOf(issueId, 202).sort()).toEqual(PAGED_THEN_RESOLVED);
    const resolved = await h.request('GET', `/api/v1/issues/${issueId}`);
    expect(resolved.body).toMatchObject({ status: 'resolved', timesSeen: 1 });

    // Back after an outage with the alert still firing (same start): the issue reopens (a regression, which
    // this project's rule, on new issues only, does not page for); its further re-sends count once.
    clock.advance(60_000);
    expect((await h.request('POST', alerts, [firing()], { token: apiKey })).status).toBe(200);
    clock.advance(60_000);
    expect((await h.request('POST', alerts, [firing()], { token: apiKey })).status).toBe(200);
    await settle();
    expect(await h.request('GET', `/api/v1/issues/${issueId}`)).toMatchObject({
      body: { status: 'unresolved', timesSeen: 2 },
    });
  });

  it('an alert still retrying when its issue is resolved is never sent: no incident opens for a resolved issue', async () => {
    refuseTriggers('Queue consumer crash loop', 500, 2);
    const issueId = await ingest('Queue consumer crash loop');
    const retrying = await deliveriesOf(issueId, 'issue_alert');
    expect(retrying.map((d) => [d.status, d.reason])).toEqual([
      ['failed', 'http_500'],
      ['failed', 'http_500'],
    ]);

    // Resolved before the retries are due: PagerDuty accepted no trigger, so there is nothing to resolve.
    await resolveNow(issueId);
    const resolves = await deliveriesOf(issueId, 'resolved');
    expect(byIntegration(resolves)).toEqual(
      [
        [db, 'suppressed'],
        [ops, 'suppressed'],
      ].sort(),
    );
    expect(resolves.every((d) => d.reason === 'no_incident')).toBe(true);

    // The retries fall due (PagerDuty would take them now) and are not sent: the issue is resolved.
    await untilRetried(retrying);
    const alerts = await deliveriesOf(issueId, 'issue_alert');
    for (const alert of alerts) {
      expect(alert).toMatchObject({ status: 'suppressed', reason: 'issue_resolved', attempts: 1 });
      expect(alert.lastError).toMatch(/resolved at .*after this alert was raised/);
    }
    clock.advance(3_600_000);
    await settle();
    expect(eventsOf(issueId)).toEqual([
      ['trigger', OPS_KEY],
      ['trigger', DB_KEY],
    ]);
    expect(eventsOf(issueId, 202)).toEqual([]);
    expect(incidents(issueId)).toEqual([undefined, undefined]);
  });

  it('an alert still retrying is sent as before when its issue is open again by then', async () => {
    refuseTriggers('Webhook signer drift', 429, 2);
    const issueId = await ingest('Webhook signer drift');
    const retrying = await deliveriesOf(issueId, 'issue_alert');
    await resolveNow(issueId);
    // Reopened before the retries are due: the issue pages again, and its next resolution closes it.
    const reopened = await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'unresolved' });
    expect(reopened.status, JSON.stringify(reopened.body)).toBe(200);
    await untilRetried(retrying);
    expect(byIntegration(await deliveriesOf(issueId, 'issue_alert'))).toEqual(
      [
        [db, 'sent'],
        [ops, 'sent'],
      ].sort(),
    );
    expect(incidents(issueId)).toEqual(['triggered', 'triggered']);

    await resolve(issueId);
    expect(incidents(issueId)).toEqual(['resolved', 'resolved']);
    expect(eventsOf(issueId, 202).filter(([action]) => action === 'resolve')).toHaveLength(2);
  });

  it('an alert being sent when its issue is resolved is followed by a resolve once PagerDuty accepts it', async () => {
    const message = 'Session store evicting';
    const held: (() => void)[] = [];
    pd.plan.current = (event) =>
      event.event_action === 'trigger' && JSON.stringify(event).includes(message)
        ? new Promise<number>((answer) => held.push(() => answer(202)))
        : 202;
    clock.advance(60_000);
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', { message, level: 'error' });
    expect(event.status, JSON.stringify(event.body)).toBe(202);
    const issueId: string = event.body.issueId;
    // Both triggers are at PagerDuty, not yet answered, when the issue is resolved.
    await vi.waitFor(() => expect(held).toHaveLength(2), { timeout: 10_000 });
    const resolved = await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);

    // Each service's resolve waits for its trigger, without using up an attempt.
    await vi.waitFor(
      async () => {
        const waiting = await deliveriesOf(issueId, 'resolved');
        expect(waiting.map((d) => [d.integrationId, d.status, d.reason, d.attempts]).sort()).toEqual(
          [
            [db, 'pending', 'awaiting_trigger', 0],
            [ops, 'pending', 'awaiting_trigger', 0],
          ].sort(),
        );
      },
      { timeout: 10_000 },
    );
    expect(eventsOf(issueId)).toEqual([]);

    // PagerDuty accepts the triggers: the incidents open.
    for (const answer of held) answer();
    await settle();
    expect(incidents(issueId)).toEqual(['triggered', 'triggered']);

    // The resolves look again, find the incidents open, and close them.
    clock.advance(TRIGGER_RECHECK_MS);
    await settle();
    expect(incidents(issueId)).toEqual(['resolved', 'resolved']);
    expect(await deliveriesOf(issueId, 'resolved')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ integrationId: ops, status: 'sent', attempts: 1 }),
        expect.objectContaining({ integrationId: db, status: 'sent', attempts: 1 }),
      ]),
    );
    expect(eventsOf(issueId, 202).map(([action]) => action)).toEqual([
      'trigger',
      'trigger',
      'resolve',
      'resolve',
    ]);
  });

  it('an alert PagerDuty took without an answer is resolved all the same when its retry is not sent', async () => {
    // What a worker that dies mid-send leaves too: an attempt PagerDuty may have taken, unanswered.
    const message = 'Billing export stalled';
    let lost = 0;
    pd.plan.current = (event) =>
      event.event_action === 'trigger' && JSON.stringify(event).includes(message) && lost++ < 2
        ? 'lost'
        : 202;
    const issueId = await ingest(message);
    const retrying = await deliveriesOf(issueId, 'issue_alert');
    expect(retrying.map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(incidents(issueId)).toEqual(['triggered', 'triggered']);

    await resolveNow(issueId);
    expect(byIntegration(await deliveriesOf(issueId, 'resolved'))).toEqual(
      [
        [db, 'sent'],
        [ops, 'sent'],
      ].sort(),
    );
    expect(incidents(issueId)).toEqual(['resolved', 'resolved']);
    await untilRetried(retrying);
    for (const alert of await deliveriesOf(issueId, 'issue_alert'))
      expect(alert).toMatchObject({ status: 'suppressed', reason: 'issue_resolved' });
    expect(eventsOf(issueId).filter(([action]) => action === 'trigger')).toHaveLength(2);
    expect(incidents(issueId)).toEqual(['resolved', 'resolved']);
  });
  it('a replayed alert PagerDuty took without an answer is resolved, whatever its earlier attempts were answered', async () => {
    // Its first sends were refused (a routing key fixed since); the replay's attempts are numbered from
    // one again, beside the refused ones.
    const message = 'Search index rebuild failing';
    let refused = 0;
    let lost = 0;
    pd.plan.current = (event) => {
      if (event.event_action !== 'trigger' || !JSON.stringify(event).includes(message)) return 202;
      if (refused < 2) {
        refused++;
        return 400;
      }
      return lost++ < 2 ? 'lost' : 202;
    };
    const issueId = await ingest(message);
    const dead = await deliveriesOf(issueId, 'issue_alert');
    expect(dead.map((d) => [d.status, d.attempts])).toEqual([
      ['dead', 1],
      ['dead', 1],
    ]);
    clock.advance(60_000);
    for (const alert of dead) {
      const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${alert.id}/retry`);
      expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    }
    await settle();
    const retrying = await deliveriesOf(issueId, 'issue_alert');
    expect(retrying.map((d) => [d.status, d.attempts])).toEqual([
      ['failed', 1],
      ['failed', 1],
    ]);
    expect(incidents(issueId)).toEqual(['triggered', 'triggered']);

    await resolveNow(issueId);
    expect(byIntegration(await deliveriesOf(issueId, 'resolved'))).toEqual(
      [
        [db, 'sent'],
        [ops, 'sent'],
      ].sort(),
    );
    expect(incidents(issueId)).toEqual(['resolved', 'resolved']);
  });
});
