import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
}

/** A person who cannot be reached on one channel is tried on the next the action, or they, name. */
describe.skipIf(SKIP_PROFILE)('fallback channels', () => {
  let h: TestHerald;
  let smtp: SMTPServer;
  let slack: TestPeer;
  /** The Slack Web API methods called, in order. */
  const slackCalls: string[] = [];
  let ana = '';

  beforeAll(async () => {
    // A mail server that refuses every recipient for good (550).
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(_address, _session, done) {
        done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    h = await startHerald();
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
    await h.request('POST', '/api/v1/orgs/chat/integrations', {
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
});
