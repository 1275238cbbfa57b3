import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTrackingToken, trackingKey } from '../../src/analytics/tracking-token.js';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { sha256Hex } from '../../src/security/sha256.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { type RecordedSpan, registerMemoryTracer } from '../helpers/memory-tracer.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';

const SECRET = 'test-secret-key-0123456789abcdef0123456789';
const DAY = 86_400_000;
const { spans } = registerMemoryTracer();

/**
 * A rule fires → an email is sent, opened and clicked, a webhook dies, a preference suppresses; the
 * timeline, the analytics, the metrics and the traces say so, and retention later prunes it all.
 */
describe.skipIf(SKIP_PROFILE)('history, engagement, analytics, metrics and retention', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let smtp: SMTPServer;
  const mails: Awaited<ReturnType<typeof simpleParser>>[] = [];
  let sinkAnswers: number[] = [];
  let ana = '';
  let ben = '';
  let ruleId = '';
  let first = { notificationId: '', issueId: '', emailId: '' };
  let pixels = 0;
  let clicks = 0;

  beforeAll(async () => {
    sink = await startHttpPeer((_req, _body, res) => {
      res.statusCode = sinkAnswers.shift() ?? 200;
      res.end();
    });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        simpleParser(stream)
          .then((mail) => {
            mails.push(mail);
            done();
          })
          .catch(done);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as { port: number }).port;

    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', role: 'owner' }))
      .body.userId;
    ben = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test' })).body.userId;
    await h.request('PUT', `/api/v1/users/${ben}/notification-settings`, {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: ben, value: 'never' }],
    });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    await connectSmtp(h, smtpPort);
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Ops',
      config: { url: `${sink.url}/hook` },
      secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    });
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Billing',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'billing' }],
      actions: [
        { id: 'notify_email', targetType: 'Member', targetIdentifier: ana },
        { id: 'notify_email', targetType: 'Member', targetIdentifier: ben },
        { id: 'webhook', integration: hook.body.id },
      ],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    ruleId = rule.body.id;
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const raise = async (message: string) => {
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message,
      tags: { service: 'billing' },
    });
    expect(event.status).toBe(202);
    clock.advance(1_500);
    await settle();
    const list = await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${event.body.issueId}`);
    return { issueId: event.body.issueId as string, notificationId: list.body.data[0].id as string };
  };
  const timelineOf = async (id: string) =>
    (await h.request('GET', `/api/v1/orgs/acme/notifications/${id}`)).body;
  const get = (path: string) => fetch(`${h.url}${path}`, { redirect: 'manual' });
  const trackedLinks = (html: string) =>
    [...html.matchAll(/href="(http[^"]*\/t\/c\/[^"]+)"/g)].map((m) => m[1]!);

  it('the timeline shows the event, the rule, every decision and every attempt with its code', async () => {
    sinkAnswers = [400];
    first = { ...(await raise('Card declined for order 42')), emailId: '' };
    const t = await timelineOf(first.notificationId);
    expect(t.event).toMatchObject({ message: 'Card declined for order 42' });
    expect(t.rules).toEqual([{ id: ruleId, name: 'Billing' }]);
    const byKey = Object.fromEntries(
      t.deliveries.map((d: { recipient: { id: string }; channel: string }) => [
        `${d.channel}:${d.recipient.id}`,
        d,
      ]),
    );
    const email = byKey[`email:${ana}`];
    first.emailId = email.id;
    expect(email).toMatchObject({ status: 'sent', decision: 'deliver' });
    expect(email.sendAttempts).toMatchObject([{ attempt: 1, outcome: 'sent', code: null }]);
    expect(byKey[`email:${ben}`]).toMatchObject({
      status: 'suppressed',
      reason: 'preference',
      decision: 'suppressed',
      sendAttempts: [],
    });
    const webhook = t.deliveries.find((d: { channel: string }) => d.channel === 'webhook');
    expect(webhook).toMatchObject({ status: 'dead', decision: 'deliver' });
    expect(webhook.sendAttempts).toMatchObject([{ attempt: 1, outcome: 'permanent', code: 'http_400' }]);
    expect(webhook.sendAttempts[0].durationMs).toBeGreaterThanOrEqual(0);
    const kinds = t.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['event_received', 'notification_created']);
    expect(kinds.filter((k: string) => k === 'attempt')).toHaveLength(2);
  });

  it('an opened email and a clicked link move the delivery forward: sent → opened → clicked', async () => {
    expect(mails).toHaveLength(1);
    const html = String(mails[0]!.html);
    const pixel = /src="([^"]+\/t\/o\/[^"]+\.gif)"/.exec(html)?.[1];
    expect(pixel).toBeDefined();
    const opened = await get(new URL(pixel!).pathname);
    pixels++;
    clock.advance(1_000);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('image/gif');
    expect(
      (await timelineOf(first.notificationId)).deliveries.find((d: { id: string }) => d.id === first.emailId),
    ).toMatchObject({ status: 'opened' });

    const links = trackedLinks(html);
    expect(links.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/href="http[^"]*\/issues\//);
    const targets: string[] = [];
    for (const link of links) {
      const answer = await get(new URL(link).pathname);
      clicks++;
      clock.advance(1_000);
      expect(answer.status).toBe(302);
      targets.push(answer.headers.get('location')!);
    }
    expect(targets).toContain(`${h.url}/issues/${first.issueId}`);

    // Opening again does not move it back.
    await get(new URL(pixel!).pathname);
    pixels++;
    const email = (await timelineOf(first.notificationId)).deliveries.find(
      (d: { id: string }) => d.id === first.emailId,
    );
    expect(email.status).toBe('clicked');
    expect(email.engagement.map((e: { kind: string }) => e.kind)).toEqual([
      'open',
      ...links.map(() => 'click'),
      'open',
    ]);
    expect(email.engagement[1].url).toBe(targets[0]);
  });

  it('refuses forged and foreign tokens, and never redirects anywhere the message did not link', async () => {
    const link = new URL(trackedLinks(String(mails[0]!.html))[0]!).pathname;
    const token = link.split('/').at(-1)!;
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const foreignKey = trackingKey('another-installation-secret-0123456789abcdef');
    const refused = [
      `/t/c/${tampered}`,
      `/t/c/${signTrackingToken({ kind: 'click', deliveryId: first.emailId, link: 0 }, foreignKey)}`,
      `/t/c/${signTrackingToken({ kind: 'open', deliveryId: first.emailId }, trackingKey(SECRET))}`,
      `/t/c/${signTrackingToken({ kind: 'click', deliveryId: first.emailId, link: 99 }, trackingKey(SECRET))}`,
      `/t/c/${encodeURIComponent('https://evil.example/phish')}`,
      `/t/o/${signTrackingToken({ kind: 'open', deliveryId: first.emailId }, foreignKey)}.gif`,
      `/t/o/${tampered}.gif`,
    ];
    for (const path of refused) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('location'), path).toBeNull();
    }
    const smuggled = await get(
      `${link}?url=${encodeURIComponent('https://evil.example/')}&next=//evil.example`,
    );
    clicks++;
    expect(smuggled.status).toBe(302);
    expect(smuggled.headers.get('location')).not.toContain('evil.example');
  });

  it('the analytics match the hand count: 1 sent, 1 dead, 1 suppressed by preference, 1 opened and clicked', async () => {
    const t = await timelineOf(first.notificationId);
    const email = t.deliveries.find((d: { id: string }) => d.id === first.emailId);
    const latency = Date.parse(email.sentAt) - Date.parse(t.event.receivedAt);
    expect(latency).toBeGreaterThanOrEqual(0);

    const all = (await h.request('GET', '/api/v1/orgs/acme/analytics')).body;
    expect(all.totals).toMatchObject({
      deliveries: 3,
      sent: 1,
      failed: 0,
      dead: 1,
      suppressed: { total: 1, byReason: { preference: 1 } },
      digested: 0,
      deferred: 0,
      opened: 1,
      clicked: 1,
      openRate: 1,
      clickRate: 1,
      latencyMs: { count: 1, p50: latency, p95: latency, p99: latency },
    });
    const byChannel = (await h.request('GET', '/api/v1/orgs/acme/analytics?groupBy=channel')).body;
    const groups = Object.fromEntries(byChannel.groups.map((g: { key: string }) => [g.key, g]));
    expect(Object.keys(groups).sort()).toEqual(['email', 'webhook']);
    expect(groups.email).toMatchObject({
      deliveries: 2,
      sent: 1,
      suppressed: { total: 1 },
      opened: 1,
      dead: 0,
    });
    expect(groups.webhook).toMatchObject({ deliveries: 1, sent: 0, dead: 1, openRate: null });
    const byDay = (await h.request('GET', '/api/v1/orgs/acme/analytics?groupBy=day')).body;
    expect(byDay.groups.map((g: { key: string }) => g.key)).toEqual([
      new Date(clock.now()).toISOString().slice(0, 10),
    ]);
    const future = new Date(clock.now() + DAY).toISOString();
    const empty = (await h.request('GET', `/api/v1/orgs/acme/analytics?from=${future}`)).body;
    expect(empty.error.code).toBeDefined();
  });

  it('tracking turned off per organization leaves the next email as rendered', async () => {
    expect((await h.request('GET', '/api/v1/orgs/acme/tracking')).body).toEqual({
      opens: true,
      clicks: true,
    });
    const put = await h.request('PUT', '/api/v1/orgs/acme/tracking', { opens: false, clicks: false });
    expect(put.body).toEqual({ opens: false, clicks: false });
    await raise('Refund failed');
    const html = String(mails.at(-1)!.html);
    expect(mails).toHaveLength(2);
    expect(html).not.toContain('/t/o/');
    expect(html).not.toContain('/t/c/');
    expect(html).toContain(`${h.url}/issues/`);
    await h.request('PUT', '/api/v1/orgs/acme/tracking', { opens: true, clicks: true });
  });

  it('a person sees only their own deliveries at /me/notifications', async () => {
    const token = (await h.request('POST', `/api/v1/users/${ana}/tokens`, { name: 't' })).body.token;
    const mine = await h.request('GET', '/api/v1/me/notifications', undefined, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.data).toHaveLength(2);
    for (const n of mine.body.data) {
      expect(n.deliveries).toHaveLength(1);
      expect(n.deliveries[0]).toMatchObject({ recipient: { type: 'user', id: ana }, channel: 'email' });
    }
    // A page at a time, newest first, each once.
    const firstPage = await h.request('GET', '/api/v1/me/notifications?limit=1', undefined, { token });
    const secondPage = await h.request(
      'GET',
      `/api/v1/me/notifications?limit=1&cursor=${firstPage.body.nextCursor}`,
      undefined,
      { token },
    );
    expect([...firstPage.body.data, ...secondPage.body.data].map((n: { id: string }) => n.id)).toEqual(
      mine.body.data.map((n: { id: string }) => n.id),
    );
    expect(secondPage.body.nextCursor).toBeNull();
    const opened = await h.request('GET', '/api/v1/me/notifications?status=clicked', undefined, { token });
    expect(opened.body.data.map((n: { id: string }) => n.id)).toEqual([first.notificationId]);
    expect((await h.request('GET', '/api/v1/me/notifications')).status).toBe(404);
  });

  it('refuses a history or deliveries filter that can match nothing, naming it', async () => {
    for (const [path, field] of [
      ['/api/v1/orgs/acme/notifications?status=nonsense', 'status'],
      ['/api/v1/orgs/acme/notifications?channel=carrier-pigeon', 'channel'],
      ['/api/v1/orgs/acme/notifications?type=nonsense', 'type'],
      ['/api/v1/orgs/acme/notifications?cursor=garbage', 'cursor'],
      ['/api/v1/orgs/acme/deliveries?status=bogus', 'status'],
      ['/api/v1/orgs/acme/deliveries?cursor=ntf_06h4xg6pwwd46b066pr1ksh49c', 'cursor'],
    ] as const) {
      const answer = await h.request('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toEqual([`query.${field}`]);
    }
    const listed = await h.request(
      'GET',
      '/api/v1/orgs/acme/notifications?type=issue_alert&status=sent&limit=1',
    );
    expect(listed.status).toBe(200);
    const next = await h.request('GET', `/api/v1/orgs/acme/notifications?cursor=${listed.body.data[0].id}`);
    expect(next.status).toBe(200);
  });

  it('/metrics counts what happened, in a strict text format', async () => {
    const answer = await fetch(`${h.url}/metrics`);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const text = await answer.text();
    const samples = parsePromText(text);
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(v('herald_events_ingested_total')).toBe(2);
    expect(v('herald_rules_fired_total')).toBe(2);
    expect(v('herald_notifications_created_total', { type: 'issue_alert' })).toBe(2);
    expect(v('herald_deliveries_total', { channel: 'email', status: 'pending' })).toBe(2);
    expect(v('herald_deliveries_total', { channel: 'email', status: 'suppressed' })).toBe(2);
    expect(v('herald_deliveries_total', { channel: 'email', status: 'sent' })).toBe(2);
    expect(v('herald_deliveries_total', { channel: 'webhook', status: 'dead' })).toBe(1);
    expect(v('herald_deliveries_total', { channel: 'webhook', status: 'sent' })).toBe(1);
    expect(v('herald_dead_letters_total', { channel: 'webhook' })).toBe(1);
    expect(v('herald_delivery_retries_total', { channel: 'webhook' })).toBe(0);
    expect(v('herald_engagement_total', { kind: 'open' })).toBe(pixels);
    expect(v('herald_engagement_total', { kind: 'click' })).toBe(clicks);
    expect(v('herald_event_to_sent_seconds_count', { channel: 'email' })).toBe(2);
    expect(v('herald_event_to_sent_seconds_bucket', { channel: 'email', le: '+Inf' })).toBe(2);
    expect(v('herald_event_to_sent_seconds_bucket', { channel: 'email', le: '14400' })).toBe(2);
    expect(text).toContain('# TYPE herald_queue_depth gauge');
    expect(text).toContain('# TYPE herald_queue_oldest_due_age_seconds gauge');
  });

  it('logs carry delivery and notification ids; spans cover ingest, evaluation and each send', async () => {
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const sent = lines.find((l) => l.msg === 'delivery sent' && l.deliveryId === first.emailId);
    expect(sent).toMatchObject({ notificationId: first.notificationId, channel: 'email', attempt: 1 });
    expect(lines.some((l) => l.msg === 'request' && typeof l.reqId === 'string')).toBe(true);

    const named = (name: string) => spans.filter((s: RecordedSpan) => s.name === name);
    expect(named('herald.ingest').length).toBeGreaterThanOrEqual(2);
    expect(named('herald.evaluate').length).toBeGreaterThanOrEqual(2);
    const sends = named('herald.send');
    expect(sends.find((s) => s.attributes['herald.delivery_id'] === first.emailId)?.attributes).toMatchObject(
      {
        'herald.channel': 'email',
        'herald.notification_id': first.notificationId,
      },
    );
    expect(spans.every((s) => s.ended)).toBe(true);
    expect(sends.find((s) => s.attributes['herald.channel'] === 'webhook')?.status?.code).toBe(2);
  });

  it('retention prunes what is older than 30 days and keeps what is newer', async () => {
    const db = h.engine.store.db;
    const team = await h.request(
      'POST',
      '/api/v1/orgs/acme/teams',
      { slug: 'ops' },
      {
        headers: { 'idempotency-key': 'team-ops' },
      },
    );
    expect(team.status).toBe(201);
    // A silence over a day ago's maintenance, which ends within the 30 days, and one that ends after them.
    const silence = (endsInDays: number) =>
      h.request('POST', '/api/v1/projects/acme/api/silences', {
        matchers: [{ name: 'instance', value: 'db-1' }],
        endsAt: new Date(clock.now() + endsInDays * DAY).toISOString(),
        comment: 'Maintenance',
      });
    const ended = await silence(0.5);
    const later = await silence(2);
    expect([ended.status, later.status]).toEqual([201, 201]);
    clock.advance(31 * DAY);
    const fresh = await raise('Payout stuck');
    expect((await silence(1)).status).toBe(201);
    const counts = await h.engine.services.analytics.retention.prune();
    expect(counts).toMatchObject({ notifications: 2, events: 2, idempotency_keys: 1, silences: 1 });
    const silences = await h.request('GET', '/api/v1/projects/acme/api/silences');
    expect(silences.body.data.map((s: { id: string }) => s.id)).not.toContain(ended.body.id);
    expect(silences.body.data.map((s: { id: string }) => s.id)).toContain(later.body.id);
    expect((await h.request('GET', `/api/v1/orgs/acme/notifications/${first.notificationId}`)).status).toBe(
      404,
    );
    expect((await timelineOf(fresh.notificationId)).deliveries).toHaveLength(3);
    const left = async (table: 'engagement_events' | 'delivery_attempts' | 'delivery_links' | 'events') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await left('engagement_events')).toBe(0);
    expect(await left('delivery_links')).toBeGreaterThan(0);
    expect(await left('delivery_attempts')).toBe(2);
    expect(await left('events')).toBe(1);
    const oldBuckets = await db
      .selectFrom('issue_counts')
      .select('bucket_start')
      .where('bucket_start', '<', clock.now() - 30 * DAY)
      .execute();
    expect(oldBuckets).toEqual([]);
    expect(await db.selectFrom('issue_counts').select('bucket_start').execute()).not.toEqual([]);
    // A pruned delivery's tracking link is gone with it.
    const old = signTrackingToken({ kind: 'open', deliveryId: first.emailId }, trackingKey(SECRET));
    expect((await get(`/t/o/${old}.gif`)).status).toBe(404);
  });

  it('retention forgets token buckets idle longer than the longest window; a forgotten limit starts full', async () => {
    const db = h.engine.store.db;
    const bucketKept = async (key: string) =>
      (await db.selectFrom('throttle_buckets').select('key').where('key', '=', key).executeTakeFirst()) !==
      undefined;
    const ask = () =>
      h.request('POST', '/api/v1/auth/email-link', { email: 'ghost@acme.test' }, { token: null });
    const ingest = (message: string) => h.request('POST', '/api/v1/projects/acme/api/events', { message });
    const addressBucket = `sign-in:${sha256Hex('ghost@acme.test')}`;

    // An address nobody has, asked for until the form answers 429.
    for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(202);
    expect((await ask()).status).toBe(429);
    clock.advance(2 * 3_600_000);
    // A project allowed 2 events a day, the longest window a limit may have, takes both.
    const project = await h.request('PATCH', '/api/v1/orgs/acme/projects/api', {
      rateLimit: { count: 2, windowSeconds: 86_400 },
    });
    expect(project.status).toBe(200);
    expect((await ingest('Quota one')).status).toBe(202);
    expect((await ingest('Quota two')).status).toBe(202);
    expect((await ingest('Quota over')).status).toBe(429);
    clock.advance(22 * 3_600_000 + 1_000);

    const counts = await h.engine.services.analytics.retention.prune();
    expect(counts.throttle_buckets).toBeGreaterThanOrEqual(1);
    const logged = JSON.parse(h.logs.findLast((line) => line.includes('retention sweep')) ?? '{}');
    expect(logged.pruned?.throttle_buckets).toBe(counts.throttle_buckets);
    // The address's bucket, idle a day and a second, is gone; the project's, idle 22 hours, stays.
    expect(await bucketKept(addressBucket)).toBe(false);
    expect(await bucketKept(`ingest:${project.body.id}`)).toBe(true);
    // 22 hours gave the project back 1.8 events' worth: one is taken and the next refused, sweep or not.
    expect((await ingest('Quota next day')).status).toBe(202);
    expect((await ingest('Quota next day, again')).status).toBe(429);
    // The forgotten address starts full, as it would have been: 5 more links, then 429 again.
    for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(202);
    expect((await ask()).status).toBe(429);
    expect(await bucketKept(addressBucket)).toBe(true);
    await h.request('PATCH', '/api/v1/orgs/acme/projects/api', { rateLimit: null });
  });
});
