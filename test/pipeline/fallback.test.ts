import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface DeliveryView {
  id: string;
  recipient: { type: string; id: string };
  channel: string;
  status: string;
  reason: string | null;
  fallbackOf: string | null;
  nextAttemptAt: string | null;
}

/** Berlin is on CET (UTC+1) in early March 2026: 22:00 in Berlin is 21:00 UTC. */
const at = (iso: string) => Date.parse(iso);

/** A person who cannot be reached on one channel is tried on the next the action, or they, name. */
describe.skipIf(SKIP_PROFILE)('fallback channels', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: SMTPServer;
  /** Addresses the mail server answers once with 451 (busy, try later) before it refuses them too. */
  const busy = new Set<string>();
  let slack: TestPeer;
  /** A webhook receiver that is gone for good (410): its integration is disabled at the first send. */
  let gone: TestPeer;
  /** The Slack Web API methods called, in order. */
  const slackCalls: string[] = [];
  let ana = '';

  beforeAll(async () => {
    // A mail server that refuses every recipient for good (550).
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, done) {
        if (busy.delete(address.address))
          done(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        else done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    clock = manualClock(at('2026-03-02T12:00:00Z'));
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', name: 'Ana' })).body
      .userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    await h.request('POST', '/api/v1/orgs', { slug: 'nomail' });
    await h.request('POST', '/api/v1/orgs/nomail/members', { email: 'ana@acme.test' });
    await h.request('POST', '/api/v1/orgs/nomail/projects', { slug: 'web' });
    await connectSmtp(h, port);

    // A Slack workspace where nobody has an account under their email: every DM ends dead.
    slack = await startHttpPeer((req, _body, res) => {
      const method = req.url?.split('/').pop() ?? '';
      slackCalls.push(method);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          method === 'users.lookupByEmail'
            ? { ok: false, error: 'users_not_found' }
            : { ok: true, channel: 'D0DM', ts: '1.000100' },
        ),
      );
    });
    await h.request('POST', '/api/v1/orgs', { slug: 'chat' });
    await h.request('POST', '/api/v1/orgs/chat/projects', { slug: 'app' });
    // Mail and Slack both, for people in Berlin.
    await h.request('POST', '/api/v1/orgs', { slug: 'late' });
    await h.request('POST', '/api/v1/orgs/late/projects', { slug: 'app' });
    await connectSmtp(h, port, 'late');
    for (const org of ['chat', 'late'])
      await h.request('POST', `/api/v1/orgs/${org}/integrations`, {
        provider: 'slack',
        name: 'Workspace',
        config: { slackApiUrl: `${slack.url}/api/` },
        secrets: { botToken: 'xoxb-test-token' },
      });
  });
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    await slack?.close();
    await gone?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const deliveries = async (org: string, issueId: string): Promise<DeliveryView[]> =>
    (await h.request('GET', `/api/v1/orgs/${org}/notifications?issue=${issueId}`)).body.data.flatMap(
      (n: { deliveries: DeliveryView[] }) => n.deliveries,
    );
  /** Adds a member to `org` who names their own fallback channels in their settings. */
  const personWithFallback = async (org: string, email: string, fallback: string[]): Promise<string> => {
    const userId = (await h.request('POST', `/api/v1/orgs/${org}/members`, { email })).body.userId;
    const put = await h.request('PUT', `/api/v1/users/${userId}/notification-settings`, {
      options: { fallback },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    return userId;
  };
  /** The titles in a person's in-app inbox. */
  const inboxTitles = async (userId: string): Promise<string[]> => {
    const token = (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'web' })).body.token;
    const inbox = await h.request('GET', '/api/v1/me/inbox', undefined, { token });
    return inbox.body.data.map((m: { title: string }) => m.title);
  };

  it('a dead email falls back to the in-app inbox, and the history links the two', async () => {
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Email, else inbox',
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana, fallback: ['inapp'] }],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Queue backlog' });
    await settle();
    const found = await deliveries('acme', event.body.issueId);
    const email = found.find((d) => d.channel === 'email')!;
    const inapp = found.find((d) => d.channel === 'inapp')!;
    expect(email).toMatchObject({ status: 'dead', fallbackOf: null });
    expect(inapp).toMatchObject({ fallbackOf: email.id });
    expect(inapp.status).toBe('sent');

    // Reading the message in the inbox is the in-app "opened": the delivery and the analytics follow it.
    const token = (await h.request('POST', `/api/v1/users/${ana}/tokens`, { name: 'web' })).body.token;
    const inbox = await h.request('GET', '/api/v1/me/inbox', undefined, { token });
    const message = inbox.body.data.find((m: { title: string }) => m.title.includes('Queue backlog'));
    expect(message).toBeDefined();
    expect(
      (await h.request('POST', `/api/v1/me/inbox/${message.id}/read`, undefined, { token })).status,
    ).toBe(200);
    const after = (await deliveries('acme', event.body.issueId)).find((d) => d.channel === 'inapp')!;
    expect(after.status).toBe('opened');
    const analytics = await h.request('GET', '/api/v1/orgs/acme/analytics?groupBy=channel');
    const inappFigures = analytics.body.groups.find((g: { key: string | null }) => g.key === 'inapp');
    expect(inappFigures).toMatchObject({ opened: 1 });
  });

  it('an email nobody can send (no email integration) goes straight to the fallback', async () => {
    await h.request('POST', '/api/v1/projects/nomail/web/rules', {
      name: 'Email, else inbox',
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana, fallback: ['inapp'] }],
    });
    const event = await h.request('POST', '/api/v1/projects/nomail/web/events', { message: 'Disk full' });
    await settle();
    const found = await deliveries('nomail', event.body.issueId);
    const email = found.find((d) => d.channel === 'email')!;
    expect(email).toMatchObject({ status: 'suppressed', reason: 'unroutable' });
    expect(found.find((d) => d.channel === 'inapp')).toMatchObject({ fallbackOf: email.id });
  });

  it('without a fallback an unreachable person is recorded as unroutable and nothing else', async () => {
    await h.request('POST', '/api/v1/projects/nomail/web/rules', {
      name: 'Email only',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'level', match: 'eq', level: 'fatal' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana }],
    });
    const event = await h.request('POST', '/api/v1/projects/nomail/web/events', {
      message: 'Kernel panic',
      level: 'fatal',
    });
    await settle();
    const found = (await deliveries('nomail', event.body.issueId)).map(
      (d) => `${d.channel}:${d.status}:${d.reason}`,
    );
    expect(found.filter((d) => d.startsWith('email'))).toEqual(['email:suppressed:unroutable']);
  });

  it("a person's own fallback takes an email refused with 550 to their in-app inbox", async () => {
    const bo = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'bo@acme.test' })).body.userId;
    const twice = await h.request('PUT', `/api/v1/users/${bo}/notification-settings`, {
      options: { fallback: ['inapp', 'inapp'] },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details.map((d: { path: string }) => d.path)).toEqual(['options.fallback.1']);
    await h.request('PUT', `/api/v1/users/${bo}/notification-settings`, { options: { fallback: ['inapp'] } });

    // The rule names no fallback of its own.
    await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Email Bo',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'team', match: 'eq', value: 'bo' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: bo }],
    });
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Cache stampede',
      tags: { team: 'bo' },
    });
    await settle();
    const found = (await deliveries('acme', event.body.issueId)).filter((d) => d.recipient.id === bo);
    const email = found.find((d) => d.channel === 'email')!;
    expect(email).toMatchObject({ status: 'dead', fallbackOf: null });
    expect(found.find((d) => d.channel === 'inapp')).toMatchObject({ status: 'sent', fallbackOf: email.id });
    expect(await inboxTitles(bo)).toEqual([expect.stringContaining('Cache stampede')]);
  });

  it("with no Slack account, a person's list goes on past Slack to the in-app inbox", async () => {
    const cy = await personWithFallback('chat', 'cy@chat.test', ['slack', 'inapp']);
    await h.request('POST', '/api/v1/projects/chat/app/rules', {
      name: 'Email Cy',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'team', match: 'eq', value: 'cy' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: cy }],
    });
    const event = await h.request('POST', '/api/v1/projects/chat/app/events', {
      message: 'Checkout timeouts',
      tags: { team: 'cy' },
    });
    await settle();
    const found = (await deliveries('chat', event.body.issueId)).filter((d) => d.recipient.id === cy);
    // No email integration here: the email is unroutable; Slack has nobody under Cy's address.
    const email = found.find((d) => d.channel === 'email')!;
    const dm = found.find((d) => d.channel === 'slack')!;
    expect(email).toMatchObject({ status: 'suppressed', reason: 'unroutable' });
    expect(dm).toMatchObject({ status: 'dead', reason: 'users_not_found', fallbackOf: email.id });
    expect(found.find((d) => d.channel === 'inapp')).toMatchObject({ status: 'sent', fallbackOf: dm.id });
    expect(await inboxTitles(cy)).toEqual([expect.stringContaining('Checkout timeouts')]);
  });

  it("a rule's own fallback wins over the person's", async () => {
    const dee = await personWithFallback('chat', 'dee@chat.test', ['slack']);
    const callsBefore = slackCalls.length;
    await h.request('POST', '/api/v1/projects/chat/app/rules', {
      name: 'Email Dee, else inbox',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'team', match: 'eq', value: 'dee' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: dee, fallback: ['inapp'] }],
    });
    const event = await h.request('POST', '/api/v1/projects/chat/app/events', {
      message: 'Search index stale',
      tags: { team: 'dee' },
    });
    await settle();
    const found = (await deliveries('chat', event.body.issueId)).filter((d) => d.recipient.id === dee);
    const email = found.find((d) => d.channel === 'email')!;
    expect(found.map((d) => d.channel).sort()).toEqual(['email', 'inapp']);
    expect(found.find((d) => d.channel === 'inapp')).toMatchObject({ status: 'sent', fallbackOf: email.id });
    expect(slackCalls.slice(callsBefore)).toEqual([]);
  });

  describe("each step decided with the person's settings when it is taken", () => {
    const everyNight = [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '07:00' },
    ];
    /** A member of `org` in Berlin, with `options` in their notification settings. */
    const berliner = async (org: string, name: string, options: object, role = 'member'): Promise<string> => {
      const added = await h.request('POST', `/api/v1/orgs/${org}/members`, {
        email: `${name}@${org}.test`,
        timezone: 'Europe/Berlin',
        role,
      });
      expect(added.status, added.text).toBe(201);
      const put = await h.request('PUT', `/api/v1/users/${added.body.userId}/notification-settings`, {
        options,
      });
      expect(put.status, put.text).toBe(200);
      return added.body.userId;
    };
    /**
     * A rule of `org`'s project mailing `userId` on events tagged with their name, else `fallback` (none:
     * the person's own list).
     */
    const emailElse = async (
      org: string,
      project: string,
      name: string,
      userId: string,
      fallback: string[],
    ) => {
      const rule = await h.request('POST', `/api/v1/projects/${org}/${project}/rules`, {
        name: `Email ${name}`,
        conditions: [{ id: 'first_seen_event' }],
        filters: [{ id: 'tagged_event', key: 'team', match: 'eq', value: name }],
        actions: [
          {
            id: 'notify_email',
            targetType: 'Member',
            targetIdentifier: userId,
            ...(fallback.length > 0 ? { fallback } : {}),
          },
        ],
      });
      expect(rule.status, rule.text).toBe(201);
    };
    const raise = async (org: string, project: string, name: string, message: string): Promise<string> => {
      const event = await h.request('POST', `/api/v1/projects/${org}/${project}/events`, {
        message,
        tags: { team: name },
      });
      expect(event.status).toBe(202);
      await settle();
      return event.body.issueId;
    };
    const tick = async (iso: string) => {
      clock.set(at(iso));
      await settle();
    };

    it('an email refused during quiet hours falls back to the inbox when they end, not before', async () => {
      const eli = await berliner('late', 'eli', { quietHours: everyNight });
      await emailElse('late', 'app', 'eli', eli, ['inapp']);
      // 21:59 in Berlin: the mail server is busy; the retry comes after 22:00 and is refused for good.
      busy.add('eli@late.test');
      clock.set(at('2026-03-02T20:59:00Z'));
      const issue = await raise('late', 'app', 'eli', 'Payments stuck');
      expect((await deliveries('late', issue)).map((d) => [d.channel, d.status])).toEqual([
        ['email', 'failed'],
      ]);
      await tick('2026-03-02T21:05:00Z');
      const found = await deliveries('late', issue);
      const email = found.find((d) => d.channel === 'email')!;
      expect(email).toMatchObject({ status: 'dead', reason: 'smtp_550' });
      expect(found.find((d) => d.channel === 'inapp')).toMatchObject({
        status: 'deferred',
        reason: 'quiet_hours',
        fallbackOf: email.id,
        nextAttemptAt: '2026-03-03T06:00:00.000Z',
      });
      expect(await inboxTitles(eli)).toEqual([]);

      await tick('2026-03-03T05:59:59Z');
      expect(await inboxTitles(eli)).toEqual([]);
      await tick('2026-03-03T06:00:00Z');
      expect((await deliveries('late', issue)).find((d) => d.channel === 'inapp')).toMatchObject({
        status: 'sent',
        fallbackOf: email.id,
      });
      expect(await inboxTitles(eli)).toEqual([expect.stringContaining('Payments stuck')]);
    });

    it('a channel turned off after the message was raised is skipped for the next one', async () => {
      const fay = await berliner('late', 'fay', {});
      await emailElse('late', 'app', 'fay', fay, ['slack', 'inapp']);
      busy.add('fay@late.test');
      clock.set(at('2026-03-03T09:00:00Z'));
      const issue = await raise('late', 'app', 'fay', 'Exports failing');
      // While the mail server is busy, Fay turns alerts on Slack off.
      const off = await h.request('PUT', `/api/v1/users/${fay}/notification-settings`, {
        settings: [{ type: 'alerts', channel: 'slack', scopeType: 'user', scopeId: fay, value: 'never' }],
      });
      expect(off.status, off.text).toBe(200);
      const callsBefore = slackCalls.length;
      await tick('2026-03-03T09:05:00Z');

      const found = await deliveries('late', issue);
      const email = found.find((d) => d.channel === 'email')!;
      const dm = found.find((d) => d.channel === 'slack')!;
      expect(email).toMatchObject({ status: 'dead', fallbackOf: null });
      expect(dm).toMatchObject({ status: 'suppressed', reason: 'preference', fallbackOf: email.id });
      expect(found.find((d) => d.channel === 'inapp')).toMatchObject({ status: 'sent', fallbackOf: dm.id });
      expect(slackCalls.slice(callsBefore)).toEqual([]);
      expect(await inboxTitles(fay)).toEqual([expect.stringContaining('Exports failing')]);
    });

    it('an email nobody can send at night goes to the inbox in the morning', async () => {
      const gus = await berliner('nomail', 'gus', { quietHours: everyNight });
      await emailElse('nomail', 'web', 'gus', gus, ['inapp']);
      clock.set(at('2026-03-03T21:30:00Z'));
      const issue = await raise('nomail', 'web', 'gus', 'Backups late');
      const found = (await deliveries('nomail', issue)).filter((d) => d.recipient.id === gus);
      const email = found.find((d) => d.channel === 'email')!;
      expect(email).toMatchObject({ status: 'suppressed', reason: 'unroutable' });
      expect(found.find((d) => d.channel === 'inapp')).toMatchObject({
        status: 'deferred',
        reason: 'quiet_hours',
        fallbackOf: email.id,
      });
      await tick('2026-03-04T05:59:59Z');
      expect(await inboxTitles(gus)).toEqual([]);
      await tick('2026-03-04T06:00:00Z');
      expect(await inboxTitles(gus)).toEqual([expect.stringContaining('Backups late')]);
    });

    it('at night a critical notice takes its fallback at once, an alert to the same person waits', async () => {
      // Hal owns the organization and names Slack as their own fallback; nobody has a Slack account.
      const hal = await berliner('late', 'hal', { quietHours: everyNight, fallback: ['slack'] }, 'owner');
      await emailElse('late', 'app', 'hal', hal, []);
      gone = await startHttpPeer((_req, _body, res) => {
        res.writeHead(410);
        res.end();
      });
      const hook = await h.request('POST', '/api/v1/orgs/late/integrations', {
        provider: 'webhook',
        name: 'Gone',
        config: { url: gone.url },
      });
      expect(hook.status, hook.text).toBe(201);
      const rule = await h.request('POST', '/api/v1/projects/late/app/rules', {
        name: 'Hook',
        conditions: [{ id: 'first_seen_event' }],
        filters: [{ id: 'tagged_event', key: 'team', match: 'eq', value: 'hook' }],
        actions: [{ id: 'webhook', integration: hook.body.id }],
      });
      expect(rule.status, rule.text).toBe(201);

      // 21:59 in Berlin: an alert's email to Hal meets a busy mail server.
      busy.add('hal@late.test');
      clock.set(at('2026-03-04T20:59:00Z'));
      const alert = await raise('late', 'app', 'hal', 'Invoices duplicated');
      // 22:05: the webhook is gone, and the owners are told (critical); the alert's email is retried.
      const callsBefore = slackCalls.length;
      clock.set(at('2026-03-04T21:05:00Z'));
      await raise('late', 'app', 'hook', 'Webhook target');

      const toHal = (d: DeliveryView) => d.recipient.id === hal;
      const alerted = (await deliveries('late', alert)).filter(toHal);
      const alertEmail = alerted.find((d) => d.channel === 'email')!;
      expect(alertEmail).toMatchObject({ status: 'dead', reason: 'smtp_550' });
      expect(alerted.find((d) => d.channel === 'slack')).toMatchObject({
        status: 'deferred',
        reason: 'quiet_hours',
        fallbackOf: alertEmail.id,
      });
      const notices = (
        await h.request('GET', '/api/v1/orgs/late/notifications?type=integration_disabled')
      ).body.data.flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries.filter(toHal));
      const noticeEmail = notices.find((d: DeliveryView) => d.channel === 'email')!;
      expect(noticeEmail).toMatchObject({ status: 'dead', reason: 'smtp_550' });
      expect(notices.find((d: DeliveryView) => d.channel === 'slack')).toMatchObject({
        status: 'dead',
        reason: 'users_not_found',
        fallbackOf: noticeEmail.id,
      });
      expect(slackCalls.slice(callsBefore)).toEqual(['users.lookupByEmail']);
    });
  });

  it("a fallback step past the person's limit on its channel waits in their digest, as fan-out's would", async () => {
    clock.set(at('2026-03-06T12:00:00Z'));
    await h.request('POST', '/api/v1/orgs', { slug: 'flood' });
    await h.request('POST', '/api/v1/orgs/flood/projects', { slug: 'app' });
    await connectSmtp(h, (smtp.server.address() as { port: number }).port, 'flood');
    const limits = await h.request('PUT', '/api/v1/orgs/flood/throttle', {
      limits: { inapp: { limit: 1, windowSeconds: 3600 } },
    });
    expect(limits.status, limits.text).toBe(200);
    const ivy = (await h.request('POST', '/api/v1/orgs/flood/members', { email: 'ivy@flood.test' })).body
      .userId;
    const rule = await h.request('POST', '/api/v1/projects/flood/app/rules', {
      name: 'Email, else inbox',
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ivy, fallback: ['inapp'] }],
    });
    expect(rule.status, rule.text).toBe(201);
    const raise = async (message: string): Promise<string> => {
      const event = await h.request('POST', '/api/v1/projects/flood/app/events', { message });
      expect(event.status).toBe(202);
      await settle();
      return event.body.issueId;
    };
    const inboxStep = async (issue: string) =>
      (await deliveries('flood', issue)).find((d) => d.channel === 'inapp');

    // Every email is refused (550): each alert falls back to the inbox, which takes one an hour.
    const first = await raise('Disk full');
    expect(await inboxStep(first)).toMatchObject({ status: 'sent' });
    const second = await raise('Certificate expired');
    const email = (await deliveries('flood', second)).find((d) => d.channel === 'email')!;
    expect(email).toMatchObject({ status: 'dead', reason: 'smtp_550' });
    expect(await inboxStep(second)).toMatchObject({
      status: 'digested',
      reason: 'throttled',
      fallbackOf: email.id,
    });
    expect(await inboxTitles(ivy)).toEqual([expect.stringContaining('Disk full')]);

    // The digest goes out on its schedule (5 minutes after it opened): the held message with it.
    clock.set(at('2026-03-06T12:05:00Z'));
    await settle();
    expect(await inboxTitles(ivy)).toHaveLength(2);
    expect((await inboxTitles(ivy)).join(' ')).toContain('Certificate expired');
  });
});
