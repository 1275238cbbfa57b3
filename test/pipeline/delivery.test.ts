import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface Hook {
  id: string;
  body: { type: string; data: { notificationId: string; issue: { id: string; title: string } } };
}

/** A rule fires → the right messages reach real peers, and the history says what became of each. */
describe.skipIf(SKIP_PROFILE)('delivery end to end', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let slack: TestPeer;
  let smtp: SMTPServer;
  /** The next this many emails are refused with 550 (a permanent error). */
  let mailRejections = 0;
  let smtpPort = 0;
  const mails: Awaited<ReturnType<typeof simpleParser>>[] = [];
  const hooks: Hook[] = [];
  const slackPosts: { channel: string; text: string; blocks: string; thread?: string; ts: string }[] = [];
  let sinkAnswers: number[] = [];
  let secret = '';
  let ana = '';
  let ben = '';

  beforeAll(async () => {
    sink = await startHttpPeer((req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // The receiver checks the signature as Standard Webhooks says; a forged one would throw here.
      const verified = new Webhook(secret).verify(body.toString(), headers) as Hook['body'];
      hooks.push({ id: headers['webhook-id']!, body: verified });
      res.statusCode = sinkAnswers.shift() ?? 200;
      res.end();
    });
    slack = await startHttpPeer((req, body, res) => {
      const args = Object.fromEntries(new URLSearchParams(body.toString()));
      expect(req.headers.authorization).toBe('Bearer xoxb-test-token');
      const ts = `${slackPosts.length + 1}.000100`;
      slackPosts.push({
        channel: String(args.channel),
        text: String(args.text),
        blocks: String(args.blocks),
        ...(args.thread_ts ? { thread: args.thread_ts } : {}),
        ts,
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, channel: 'C0ALERTS', ts }));
    });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        if (mailRejections > 0) {
          mailRejections--;
          stream.resume();
          stream.on('end', () =>
            done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })),
          );
          return;
        }
        simpleParser(stream)
          .then((mail) => {
            mails.push(mail);
            done();
          })
          .catch(done);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as { port: number }).port;

    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    ana = (
      await h.request('POST', '/api/v1/orgs/acme/members', {
        email: 'ana@acme.test',
        name: 'Ana',
        role: 'owner',
      })
    ).body.userId;
    ben = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test', name: 'Ben' })).body
      .userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    await connectSmtp(h, smtpPort);
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await slack?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const deliveriesOf = async (issueId: string) => {
    const { data } = (await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}`)).body;
    return data.flatMap((n: { deliveries: unknown[] }) => n.deliveries);
  };

  it('emails the member, posts the signed webhook, and records each delivery as sent', async () => {
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Ops',
      config: { url: `${sink.url}/hook` },
      secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    });
    secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'New issues',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'billing' }],
      actions: [
        { id: 'notify_email', targetType: 'Member', targetIdentifier: ana },
        { id: 'webhook', integration: hook.body.id },
      ],
    });
    expect(rule.status).toBe(201);
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Card declined for <b>order</b> 42',
      level: 'error',
      environment: 'production',
      tags: { service: 'billing' },
    });
    await settle();

    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.body.type).toBe('issue_alert');
    expect(hooks[0]!.body.data.issue.id).toBe(event.body.issueId);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toContain('ana@acme.test');
    expect(mail.subject).toContain('Card declined');
    expect(mail.html || '').toContain('&lt;b&gt;order&lt;/b&gt;');
    expect(mail.text).toContain('Card declined');
    const header = (name: string) =>
      (mail.headerLines.find((l) => l.key === name)?.line ?? '').replace(/\r\n\s+/g, ' ');
    expect(header('list-unsubscribe')).toMatch(
      /^List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=[\w.-]+>$/,
    );
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    const deliveries = await deliveriesOf(event.body.issueId);
    expect(
      deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`).sort(),
    ).toEqual(['email:sent', 'webhook:sent']);
  });

  it('resolving an issue tells the webhook that got its alert, once, and no other webhook nor one told not to', async () => {
    const told = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Tickets',
      config: { url: `${sink.url}/tickets` },
      secrets: { signingSecret: secret },
    });
    const untold = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Audit',
      config: { url: `${sink.url}/audit` },
      secrets: { signingSecret: secret },
    });
    // Alerted too, but told not to send resolutions (Alertmanager's `send_resolved: false`).
    const pager = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Pager',
      config: { url: `${sink.url}/pager`, sendResolved: false },
      secrets: { signingSecret: secret },
    });
    expect([told.status, untold.status, pager.status]).toEqual([201, 201, 201]);
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Queue alerts to tickets',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'queue' }],
      actions: [
        { id: 'webhook', integration: told.body.id },
        { id: 'webhook', integration: pager.body.id },
      ],
    });
    expect(rule.status).toBe(201);
    const { issueId } = (
      await h.request('POST', '/api/v1/projects/acme/api/events', {
        message: 'Queue backlog over 10k',
        tags: { service: 'queue' },
      })
    ).body;
    await settle();
    const before = hooks.length;
    const resolve = () => h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
    expect((await resolve()).status).toBe(200);
    await settle();

    const resolutions = hooks.slice(before).filter((hook) => hook.body.type === 'resolved');
    expect(resolutions.map((hook) => hook.body.data.issue.id)).toEqual([issueId]);
    const webhooks = (await deliveriesOf(issueId)).filter(
      (d: { channel: string }) => d.channel === 'webhook',
    );
    expect(
      webhooks.map((d: { integrationId: string; status: string }) => `${d.integrationId}:${d.status}`).sort(),
    ).toEqual([`${pager.body.id}:sent`, `${told.body.id}:sent`, `${told.body.id}:sent`].sort());

    // Reopened without a new alert and resolved again: the receiver already knows it is resolved.
    expect((await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'unresolved' })).status).toBe(
      200,
    );
    expect((await resolve()).status).toBe(200);
    await settle();
    expect(hooks.slice(before).filter((hook) => hook.body.type === 'resolved')).toHaveLength(1);
  });

  it("a member's `never` for alerts by email is recorded as suppressed by preference", async () => {
    const put = await h.request('PUT', `/api/v1/users/${ben}/notification-settings`, {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: ben, value: 'never' }],
    });
    expect(put.status).toBe(200);
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'To Ben and Ana',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'search' }],
      actions: [
        { id: 'notify_email', targetType: 'Member', targetIdentifier: ben },
        { id: 'notify_email', targetType: 'Member', targetIdentifier: ana },
      ],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const before = mails.length;
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Search index stale',
      tags: { service: 'search' },
    });
    await settle();
    const deliveries = await deliveriesOf(event.body.issueId);
    const byUser = Object.fromEntries(
      deliveries.map((d: { recipient: { id: string }; status: string; reason: string | null }) => [
        d.recipient.id,
        `${d.status}:${d.reason}`,
      ]),
    );
    expect(byUser).toEqual({ [ben]: 'suppressed:preference', [ana]: 'sent:null' });
    expect(mails.length - before).toBe(1);
  });

  it('retries a failing webhook with backoff until it is delivered, with one webhook-id', async () => {
    sinkAnswers = [500, 503];
    hooks.length = 0;
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Flaky receiver',
      tags: { service: 'billing' },
    });
    await settle();
    expect(hooks).toHaveLength(1);
    let [delivery] = (await deliveriesOf(event.body.issueId)).filter(
      (d: { channel: string }) => d.channel === 'webhook',
    );
    expect(delivery.status).toBe('failed');
    expect(delivery.nextAttemptAt).not.toBeNull();
    // The deliveries list says when the next attempt is, as the history does.
    const failing = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=failed&channel=webhook');
    expect(failing.body.data.find((d: { id: string }) => d.id === delivery.id)).toMatchObject({
      nextAttemptAt: delivery.nextAttemptAt,
      sentAt: null,
    });
    for (let i = 0; i < 4 && delivery.status !== 'sent'; i++) {
      clock.set(Date.parse(delivery.nextAttemptAt));
      await settle();
      [delivery] = (await deliveriesOf(event.body.issueId)).filter(
        (d: { channel: string }) => d.channel === 'webhook',
      );
    }
    expect(delivery).toMatchObject({ status: 'sent', attempts: 3 });
    const sent = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=sent&channel=webhook');
    expect(sent.body.data.find((d: { id: string }) => d.id === delivery.id)).toMatchObject({
      nextAttemptAt: null,
      sentAt: delivery.sentAt,
    });
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((x) => x.id)).size).toBe(1);
  });

  it('a permanent error is a dead letter after one attempt; a replay delivers it with the same id', async () => {
    sinkAnswers = [400];
    hooks.length = 0;
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Receiver rejects',
      tags: { service: 'billing' },
    });
    await settle();
    const dead = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead');
    const letter = dead.body.data.find((d: { channel: string; attempts: number }) => d.channel === 'webhook');
    expect(letter).toMatchObject({ status: 'dead', attempts: 1 });
    expect(letter.lastError).toBeTruthy();
    const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${letter.id}/retry`);
    expect(replay.status).toBe(202);
    await settle();
    const [after] = (await deliveriesOf(event.body.issueId)).filter(
      (d: { channel: string }) => d.channel === 'webhook',
    );
    expect(after.status).toBe('sent');
    expect(hooks).toHaveLength(2);
    expect(hooks[0]!.id).toBe(hooks[1]!.id);
    const again = await h.request('POST', `/api/v1/orgs/acme/deliveries/${letter.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('This delivery is sent, not dead: only dead letters are replayed');
    expect((await h.request('POST', '/api/v1/orgs/acme/deliveries/dlv_nope/retry')).status).toBe(404);
  });

  it('replays a dead email with its tracked links, rendered again', async () => {
    mailRejections = 1;
    const before = mails.length;
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Mailbox full',
      tags: { service: 'billing' },
    });
    await settle();
    const [letter] = (await deliveriesOf(event.body.issueId)).filter(
      (d: { channel: string }) => d.channel === 'email',
    );
    expect(letter).toMatchObject({ status: 'dead', attempts: 1 });
    expect(mails.length).toBe(before);
    expect((await h.request('POST', `/api/v1/orgs/acme/deliveries/${letter.id}/retry`)).status).toBe(202);
    await settle();
    const [after] = (await deliveriesOf(event.body.issueId)).filter(
      (d: { channel: string }) => d.channel === 'email',
    );
    expect(after).toMatchObject({ status: 'sent', attempts: 1 });
    expect(mails.length).toBe(before + 1);
    expect(String(mails.at(-1)!.html)).toContain('/t/c/');
  });

  it('holds back the replay of a dead letter whose integration is disabled, until it is enabled again', async () => {
    sinkAnswers = [410];
    hooks.length = 0;
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Receiver gone',
      tags: { service: 'billing' },
    });
    await settle();
    const [letter] = (await deliveriesOf(event.body.issueId)).filter(
      (d: { channel: string }) => d.channel === 'webhook',
    );
    expect(letter).toMatchObject({ status: 'dead' });
    const integration = `/api/v1/orgs/acme/integrations/${letter.integrationId}`;
    expect((await h.request('GET', integration)).body.status).toBe('disabled');

    const refused = await h.request('POST', `/api/v1/orgs/acme/deliveries/${letter.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'This delivery was not replayed: its integration “Ops” is disabled; enable it, then replay',
    );
    const bulk = await h.request('POST', '/api/v1/orgs/acme/deliveries/retry', { ids: [letter.id] });
    expect(bulk.body).toEqual({
      data: [],
      held: [{ id: letter.id, reason: expect.stringContaining('disabled') }],
    });
    await settle();
    expect(hooks).toHaveLength(1);
    const still = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead&channel=webhook');
    expect(still.body.data.map((d: { id: string }) => d.id)).toContain(letter.id);

    await h.request('PATCH', integration, { status: 'active' });
    const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${letter.id}/retry`);
    expect(replay.status).toBe(202);
    await settle();
    expect(hooks).toHaveLength(2);
    expect(hooks[1]!.id).toBe(hooks[0]!.id);
  });

  it('saving a rule with a Slack action posts "Alert rule created" to that channel', async () => {
    const integration = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'slack',
      name: 'Workspace',
      config: { slackApiUrl: `${slack.url}/api/` },
      secrets: { botToken: 'xoxb-test-token' },
    });
    const created = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Slack alerts',
      frequency: 60,
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'slack', integration: integration.body.id, channel: '#alerts' }],
    });
    expect(created.status).toBe(201);
    await settle();
    expect(slackPosts).toHaveLength(1);
    expect(slackPosts[0]!.channel).toBe('#alerts');
    expect(slackPosts[0]!.text).toContain('Slack alerts');
    const history = await h.request('GET', '/api/v1/orgs/acme/notifications?type=rule_saved');
    expect(history.body.data[0].deliveries[0]).toMatchObject({ channel: 'slack', status: 'sent' });
    // Its button (a tracked link) opens the rule in the dashboard's editor, not the API.
    const button = /"url":"([^"]+)"/.exec(slackPosts[0]!.blocks)?.[1];
    const opened = await fetch(button!, { redirect: 'manual' });
    expect(opened.headers.get('location')).toBe(
      `${h.url}/rules?org=acme&project=api&rule=${created.body.id}`,
    );
  });
  it("resolving an issue replies in its Slack alert's thread, where the alert went", async () => {
    const workspace = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'slack',
      name: 'Payments workspace',
      config: { slackApiUrl: `${slack.url}/api/` },
      secrets: { botToken: 'xoxb-test-token' },
    });
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Payments to Slack',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'payments' }],
      actions: [{ id: 'slack', integration: workspace.body.id, channel: '#payments' }],
    });
    expect(rule.status).toBe(201);
    await settle();
    const before = slackPosts.length;
    const { issueId } = (
      await h.request('POST', '/api/v1/projects/acme/api/events', {
        message: 'Refund API returns 502',
        tags: { service: 'payments' },
      })
    ).body;
    await settle();
    const alert = slackPosts.slice(before).find((p) => p.channel === '#payments');
    expect(alert?.thread).toBeUndefined();

    expect((await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' })).status).toBe(200);
    await settle();
    const replies = slackPosts.slice(before).filter((p) => p.thread === alert!.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('Refund API returns 502');
    const resolution = (
      await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}&type=resolved`)
    ).body.data[0];
    expect(
      resolution.deliveries
        .filter((d: { channel: string }) => d.channel === 'slack')
        .map((d: { recipient: { id: string }; status: string }) => `${d.recipient.id}:${d.status}`)
        .sort(),
    ).toEqual(['#alerts:sent', '#payments:sent']); // the earlier rule's channel got this alert too
  });
});
