import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface DeliveryView {
  id: string;
  channel: string;
  status: string;
  reason: string | null;
  fallbackOf: string | null;
}

/** A person who cannot be reached on one channel is tried on the next the action names. */
describe.skipIf(SKIP_PROFILE)('fallback channels', () => {
  let h: TestHerald;
  let smtp: SMTPServer;
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
  });
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const deliveries = async (org: string, issueId: string): Promise<DeliveryView[]> =>
    (await h.request('GET', `/api/v1/orgs/${org}/notifications?issue=${issueId}`)).body.data.flatMap(
      (n: { deliveries: DeliveryView[] }) => n.deliveries,
    );

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
});
