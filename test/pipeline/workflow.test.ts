import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Workflow activity and deploys reach the people they concern, by their settings. */
describe.skipIf(SKIP_PROFILE)('workflow and deploy notifications', () => {
  let h: TestHerald;
  let smtp: SMTPServer;
  const mails: { to: string; subject: string }[] = [];
  let ana = '';
  let ben = '';
  let benToken = '';
  let issueId = '';

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        simpleParser(stream)
          .then((mail) => {
            mails.push({ to: mail.to && 'text' in mail.to ? mail.to.text : '', subject: mail.subject ?? '' });
            done();
          })
          .catch(done);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', name: 'Ana' })).body
      .userId;
    ben = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test', name: 'Ben' })).body
      .userId;
    benToken = (await h.request('POST', `/api/v1/users/${ben}/tokens`, { name: 'cli' })).body.token;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    await connectSmtp(h, port);
    issueId = (await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Worker crashed' }))
      .body.issueId;
    await h.engine.queue.drain();
  });
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const sentTo = (type: string) =>
    h
      .request('GET', `/api/v1/orgs/acme/notifications?type=${type}`)
      .then((a) =>
        a.body.data.flatMap(
          (n: { deliveries: { recipient: { id: string }; channel: string; status: string }[] }) =>
            n.deliveries
              .filter((d) => d.channel === 'email' && d.status === 'sent')
              .map((d) => d.recipient.id),
        ),
      );

  it('assigning an issue subscribes the assignee and tells them', async () => {
    const patched = await h.request('PATCH', `/api/v1/issues/${issueId}`, {
      assignee: { type: 'user', id: ben },
    });
    expect(patched.status).toBe(200);
    await settle();
    expect(await sentTo('assigned')).toEqual([ben]);
    expect(mails.some((m) => m.to.includes('ben@acme.test'))).toBe(true);
  });

  it('resolving tells the subscribers but not the person who resolved it', async () => {
    const sub = await h.request('POST', `/api/v1/issues/${issueId}/subscription`, { userId: ana });
    expect(sub.status).toBeLessThan(300);
    const resolved = await h.request(
      'PATCH',
      `/api/v1/issues/${issueId}`,
      { status: 'resolved' },
      { token: benToken },
    );
    expect(resolved.status).toBe(200);
    await settle();
    expect(await sentTo('resolved')).toEqual([ana]);
  });

  it('a regression tells every subscriber', async () => {
    const again = await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Worker crashed' });
    expect(again.body.isRegression).toBe(true);
    await settle();
    expect((await sentTo('regression')).sort()).toEqual([ana, ben].sort());
  });

  it('a deploy tells the authors of its commits (committed_only by default)', async () => {
    const release = await h.request('POST', '/api/v1/projects/acme/api/releases', {
      version: '2.4.0',
      commits: [{ id: 'a1b2c3', message: 'Fix the crash', authorEmail: 'ANA@acme.test', authorName: 'Ana' }],
    });
    expect(release.status).toBe(201);
    const deploy = await h.request('POST', '/api/v1/projects/acme/api/releases/2.4.0/deploys', {
      environment: 'production',
    });
    expect(deploy.status).toBe(201);
    await settle();
    expect(await sentTo('deploy')).toEqual([ana]);
  });
});
