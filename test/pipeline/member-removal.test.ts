import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** A Monday, 10:00 UTC. */
const T0 = Date.parse('2026-03-02T10:00:00Z');

interface DeliveryView {
  id: string;
  recipient: { type: string; id: string };
  channel: string;
  status: string;
  reason: string | null;
  lastError: string | null;
}

/**
 * Someone who leaves an organization hears nothing more from it, whatever path would have reached them
 * (a rule naming them, a team, issue ownership, a subscription, a deploy, quiet hours, a digest, a dead
 * letter replayed), and a deleted team is sent nothing; the history says why.
 */
describe.skipIf(SKIP_PROFILE)('members who leave and teams that are deleted', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: SMTPServer;
  /** Mail to these addresses is refused with 550 (a permanent failure: the delivery dies). */
  const refused = new Set<string>();
  const mails: { to: string; subject: string }[] = [];
  const id: Record<string, string> = {};

  const member = async (name: string, role = 'member') => {
    const r = await h.request('POST', '/api/v1/orgs/acme/members', { email: `${name}@acme.test`, role });
    expect(r.status).toBe(201);
    id[name] = r.body.userId;
  };
  const rule = async (project: string, actions: Record<string, unknown>[]) => {
    const r = await h.request('POST', `/api/v1/projects/acme/${project}/rules`, {
      name: `Every event in ${project}`,
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions,
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const ingest = async (project: string, body: Record<string, unknown>) => {
    const r = await h.request('POST', `/api/v1/projects/acme/${project}/events`, { level: 'error', ...body });
    expect(r.status).toBe(202);
    await settle();
    return r.body.issueId as string;
  };
  const mailsTo = (name: string) => mails.filter((m) => m.to.includes(`${name}@acme.test`));
  const deliveries = async (query: string): Promise<DeliveryView[]> => {
    const page = await h.request('GET', `/api/v1/orgs/acme/notifications?${query}&limit=200`);
    expect(page.status).toBe(200);
    return page.body.data.flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries);
  };
  const remove = async (name: string) => {
    const r = await h.request('DELETE', `/api/v1/orgs/acme/members/${id[name]}`);
    expect(r.status).toBe(204);
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, done) {
        if (!refused.has(address.address)) return done();
        done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      },
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
    clock = manualClock(T0);
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    for (const name of ['olga', 'ana', 'ben', 'cara', 'dan', 'eve']) await member(name);
    await h.request('PATCH', `/api/v1/orgs/acme/members/${id.olga}`, { role: 'owner' });
    await connectSmtp(h, (smtp.server.address() as { port: number }).port);
    id.backend = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', memberIds: [id.ana, id.ben] })
    ).body.id;
    id.frontend = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'frontend', memberIds: [id.ben] })
    ).body.id;
    for (const slug of ['api', 'later', 'dead'])
      await h.request('POST', '/api/v1/orgs/acme/projects', { slug });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web', teamIds: [id.frontend] });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('a removed member gets nothing through a rule naming them, a team, issue ownership, a subscription or a deploy', async () => {
    id.byName = await rule('api', [{ id: 'notify_email', targetType: 'Member', targetIdentifier: id.ana }]);
    await rule('api', [{ id: 'notify_email', targetType: 'Team', targetIdentifier: id.backend }]);
    await rule('api', [{ id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'NoOne' }]);
    const owners = await h.request('PUT', '/api/v1/projects/acme/api/ownership', undefined, {
      raw: 'tags.area:billing ana@acme.test ben@acme.test',
      headers: { 'content-type': 'text/plain' },
    });
    expect(owners.status).toBe(200);

    // While she is a member, every path reaches her (the rules that fire together make one mail).
    const before = await ingest('api', { message: 'Invoice totals are negative', tags: { area: 'billing' } });
    expect(mailsTo('ana')).toHaveLength(1);
    expect(mailsTo('ben')).toHaveLength(1);
    for (const name of ['ana', 'ben']) {
      const sub = await h.request('POST', `/api/v1/issues/${before}/subscription`, { userId: id[name] });
      expect(sub.status).toBe(200);
    }

    await remove('ana');
    const after = await ingest('api', { message: 'Refund exceeds the charge', tags: { area: 'billing' } });
    expect(mailsTo('ana')).toHaveLength(1);
    expect(mailsTo('ben')).toHaveLength(2);
    // The rule that names her says why nothing went to her.
    const fired = await deliveries(`issue=${after}`);
    expect(fired.filter((d) => d.recipient.id === id.ana)).toEqual([
      expect.objectContaining({
        recipient: { type: 'user', id: id.ana },
        channel: 'email',
        status: 'suppressed',
        reason: 'unroutable',
        lastError: `${id.ana} is not a member of this organization`,
      }),
    ]);
    expect(fired.find((d) => d.recipient.id === id.ben)).toMatchObject({ status: 'sent' });

    // Workflow: resolving the issue she followed tells the other subscriber only.
    const resolved = await h.request('PATCH', `/api/v1/issues/${before}`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    await settle();
    const workflow = await deliveries(`type=resolved&issue=${before}`);
    expect(workflow.filter((d) => d.channel === 'email').map((d) => d.recipient.id)).toEqual([id.ben]);

    // A deploy of a release with her commit tells the other author only.
    await h.request('POST', '/api/v1/projects/acme/api/releases', {
      version: '1.0.0',
      commits: [
        { id: 'c1', message: 'Fix totals', authorEmail: 'ana@acme.test' },
        { id: 'c2', message: 'Fix refunds', authorEmail: 'ben@acme.test' },
      ],
    });
    const deploy = await h.request('POST', '/api/v1/projects/acme/api/releases/1.0.0/deploys', {
      environment: 'production',
    });
    expect(deploy.status).toBe(201);
    await settle();
    const deployed = await deliveries('type=deploy');
    const deployedBy = (status: string) =>
      deployed.filter((d) => d.channel === 'email' && d.status === status).map((d) => d.recipient.id);
    expect(deployedBy('sent')).toEqual([id.ben]);
    expect(mailsTo('ana')).toHaveLength(1);

    // Saving the rule that names her again says the same.
    const ruleNow = (await h.request('GET', `/api/v1/projects/acme/api/rules/${id.byName}`)).body;
    const saved = await h.request('PUT', `/api/v1/projects/acme/api/rules/${id.byName}`, {
      name: ruleNow.name,
      frequency: 0,
      conditions: ruleNow.conditions,
      actions: ruleNow.actions,
    });
    expect(saved.status).toBe(400);
    expect(saved.body.error.details).toEqual([
      { path: 'actions.0.targetIdentifier', message: `${id.ana} is not a member of this organization` },
    ]);
  });

  it('what waited for them is not sent: an alert held for quiet hours, another held for a digest', async () => {
    const settings = await h.request('PUT', `/api/v1/users/${id.cara}/notification-settings`, {
      options: { quietHours: [{ days: ['mon'], start: '09:00', end: '12:00' }] },
    });
    expect(settings.status).toBe(200);
    await rule('later', [{ id: 'notify_email', targetType: 'Member', targetIdentifier: id.cara }]);
    await rule('later', [{ id: 'notify_email', targetType: 'Member', targetIdentifier: id.dan }]);

    // Dan's first alert goes at once; the next event of the issue waits for his digest; Cara's waits
    // for the end of her quiet hours.
    const issue = await ingest('later', { message: 'Queue is backing up' });
    await ingest('later', { message: 'Queue is backing up' });
    expect(mailsTo('dan')).toHaveLength(1);
    expect(mailsTo('cara')).toHaveLength(0);
    const waiting = await deliveries(`issue=${issue}`);
    expect(waiting.filter((d) => d.recipient.id === id.cara).map((d) => d.status)).toEqual([
      'deferred',
      'deferred',
    ]);
    expect(
      waiting
        .filter((d) => d.recipient.id === id.dan)
        .map((d) => d.status)
        .sort(),
    ).toEqual(['digested', 'sent']);

    await remove('cara');
    await remove('dan');
    const now = await deliveries(`issue=${issue}`);
    for (const name of ['cara', 'dan']) {
      const held = now.filter((d) => d.recipient.id === id[name] && d.status !== 'sent');
      expect(held.length).toBeGreaterThan(0);
      for (const d of held) {
        expect(d).toMatchObject({
          status: 'suppressed',
          reason: 'unroutable',
          lastError: `${id[name]} is not a member of this organization`,
        });
      }
    }

    // Past the quiet hours and the digest's longest wait, nothing arrives and no digest was made.
    clock.set(T0 + 3 * 3600_000);
    await settle();
    expect(mailsTo('cara')).toHaveLength(0);
    expect(mailsTo('dan')).toHaveLength(1);
    expect(await deliveries('type=digest')).toEqual([]);
  });

  it('a dead letter of a person who left is not replayed, and says why', async () => {
    refused.add('eve@acme.test');
    await rule('dead', [{ id: 'notify_email', targetType: 'Member', targetIdentifier: id.eve }]);
    const issue = await ingest('dead', { message: 'Disk full' });
    const [dead] = (await deliveries(`issue=${issue}`)).filter((d) => d.recipient.id === id.eve);
    expect(dead).toMatchObject({ status: 'dead', reason: 'smtp_550' });

    await remove('eve');
    refused.delete('eve@acme.test');
    const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${dead!.id}/retry`);
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toBe(
      'This delivery was not replayed: the person is no longer a member of the organization',
    );
    await settle();
    expect(mailsTo('eve')).toHaveLength(0);
    const [after] = (await deliveries(`issue=${issue}`)).filter((d) => d.recipient.id === id.eve);
    expect(after).toMatchObject({ status: 'dead', reason: 'smtp_550' });
  });

  it('a delivery that comes due after the membership ended some other way is not sent, and says why', async () => {
    // The membership row goes without the API (another process, a restore, a fix by hand), so nothing
    // suppressed what waits for her: the delivery stage's own check is all that stands in the way.
    await member('fay');
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'night' });
    clock.set(T0 + 7 * 86_400_000);
    const settings = await h.request('PUT', `/api/v1/users/${id.fay}/notification-settings`, {
      options: { quietHours: [{ days: ['mon'], start: '09:00', end: '12:00' }] },
    });
    expect(settings.status).toBe(200);
    await rule('night', [{ id: 'notify_email', targetType: 'Member', targetIdentifier: id.fay }]);
    const issue = await ingest('night', { message: 'Backups are late' });
    expect((await deliveries(`issue=${issue}`)).map((d) => d.status)).toEqual(['deferred']);

    const orgId = (await h.request('GET', '/api/v1/orgs/acme')).body.id;
    await h.engine.store.db
      .deleteFrom('members')
      .where('org_id', '=', orgId)
      .where('user_id', '=', id.fay!)
      .execute();
    expect((await deliveries(`issue=${issue}`)).map((d) => d.status)).toEqual(['deferred']);

    // Her quiet hours end: the delivery is released and comes to the delivery stage.
    clock.set(T0 + 7 * 86_400_000 + 3 * 3600_000);
    await settle();
    expect(mailsTo('fay')).toHaveLength(0);
    expect(await deliveries(`issue=${issue}`)).toEqual([
      expect.objectContaining({
        recipient: { type: 'user', id: id.fay },
        channel: 'email',
        status: 'suppressed',
        reason: 'unroutable',
        lastError: `${id.fay} is not a member of this organization`,
        // Not sent is not an attempt.
        attempts: 0,
      }),
    ]);
  });

  it('a deleted team is sent nothing, and the firing and the next save say why', async () => {
    const ruleId = await rule('web', [
      { id: 'notify_email', targetType: 'Team', targetIdentifier: id.frontend },
    ]);
    const before = mailsTo('ben').length;
    await ingest('web', { message: 'Button does nothing' });
    expect(mailsTo('ben')).toHaveLength(before + 1);

    // A rule sends to it: deleting it needs force.
    expect((await h.request('DELETE', `/api/v1/orgs/acme/teams/${id.frontend}`)).status).toBe(409);
    expect((await h.request('DELETE', `/api/v1/orgs/acme/teams/${id.frontend}?force=true`)).status).toBe(204);
    const issue = await ingest('web', { message: 'Layout shifts on load' });
    expect(mailsTo('ben')).toHaveLength(before + 1);
    expect(await deliveries(`issue=${issue}`)).toEqual([
      expect.objectContaining({
        recipient: { type: 'team', id: id.frontend },
        channel: 'email',
        status: 'suppressed',
        reason: 'unroutable',
        lastError: `${id.frontend} is not a team of this organization`,
      }),
    ]);

    const saved = await h.request('PUT', `/api/v1/projects/acme/web/rules/${ruleId}`, {
      name: 'Every event in web',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Team', targetIdentifier: id.frontend }],
    });
    expect(saved.status).toBe(400);
    expect(saved.body.error.details).toEqual([
      { path: 'actions.0.targetIdentifier', message: `${id.frontend} is not a team of this organization` },
    ]);
  });
});
