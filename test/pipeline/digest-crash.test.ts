import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { notificationStore } from '../../src/notifications/notification-store.js';
import { dueJobsClaimer } from '../../src/queue/job-rows.js';
import { digestBuilder } from '../../src/throttle/digest-builder.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');

/**
 * A worker dies while building a digest: it claimed the digest job and closed the digest inside its
 * transaction, then failed before committing. Another worker takes the job over when the lease ends and
 * sends the same records, once; a late duplicate run sends nothing.
 */
describe.skipIf(SKIP_PROFILE)('a worker dying while building a digest', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;

  beforeAll(async () => {
    clock = manualClock(T0 - 60_000);
    smtp = await startSmtpPeer(clock);
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    const ana = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', role: 'owner' })
    ).body.userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    await h.request('PUT', '/api/v1/projects/acme/api/digests', { immediateNewIssues: false });
    await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'email',
      name: 'Mail',
      config: {
        transport: 'smtp',
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'herald@acme.test',
      },
    });
    await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Every event',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana }],
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 4; i++) await h.engine.queue.drain();
  };
  const send = async (seconds: number, message: string) => {
    clock.set(T0 + seconds * 1000);
    await h.request('POST', '/api/v1/projects/acme/api/events', { message, level: 'error' });
    await settle();
  };

  it('resends the same records once after the takeover, and never twice', async () => {
    await send(0, 'Checkout failed');
    await send(10, 'Login refused');
    await send(20, 'Checkout failed');
    await send(30, 'Login refused');
    expect(smtp.mails).toHaveLength(1);
    const db = h.engine.store.db;
    const held = await db
      .selectFrom('deliveries')
      .select(['id', 'digest_id'])
      .where('status', '=', 'digested')
      .execute();
    expect(held).toHaveLength(3);
    const digestId = held[0]!.digest_id!;
    expect(held.every((d) => d.digest_id === digestId)).toBe(true);

    // Due at 300 s + 2 × 30 s. The doomed worker claims the job and dies after closing, before commit.
    clock.set(T0 + 360_000);
    const row = await db
      .selectFrom('jobs')
      .select(['id', 'kind', 'payload', 'attempts', 'run_at'])
      .where('kind', '=', 'digest')
      .orderBy('run_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.run_at).toBeLessThanOrEqual(clock.now());
    const doomedLease = { workerId: 'doomed', leaseMs: 120_000 };
    const [job] = await dueJobsClaimer(db, doomedLease)({ now: clock.now(), kinds: ['digest'], limit: 1 });
    expect(job?.id).toBe(row.id);
    const doomed = digestBuilder({
      db,
      clock,
      logger: h.engine.logger,
      notifications: notificationStore({ db, clock }),
      onJobsCommitted: () => undefined,
      afterClaim: () => {
        throw new Error('worker died');
      },
    });
    await expect(doomed(job!)).rejects.toThrow('worker died');
    const after = await db
      .selectFrom('digests')
      .select(['status'])
      .where('id', '=', digestId)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('open');
    // The lease still holds: no one else runs it yet.
    await settle();
    expect(smtp.mails).toHaveLength(1);

    // The lease ends; another worker takes the job over and sends the digest with all three records.
    clock.set(T0 + 360_000 + 120_001);
    await settle();
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1]!.subject).toBe('2 issues in api');
    expect(smtp.mails[1]!.text).toContain('2 issues with 3 events in API');
    const digest = await db
      .selectFrom('digests')
      .selectAll()
      .where('id', '=', digestId)
      .executeTakeFirstOrThrow();
    expect(digest.status).toBe('sent');

    // A late duplicate of the job (a second worker with a stale signal) finds it closed and sends nothing.
    const healthy = digestBuilder({
      db,
      clock,
      logger: h.engine.logger,
      notifications: notificationStore({ db, clock }),
      onJobsCommitted: (ids) => h.engine.queue.notify(ids),
    });
    await healthy({ ...job!, attempts: 1 });
    await settle();
    expect(smtp.mails).toHaveLength(2);
    const digestNotifications = await db
      .selectFrom('notifications')
      .select('id')
      .where('type', '=', 'digest')
      .execute();
    expect(digestNotifications).toHaveLength(1);
    const sent = await db
      .selectFrom('deliveries')
      .select(['status', 'digest_id'])
      .where('notification_id', '=', digestNotifications[0]!.id)
      .execute();
    expect(sent).toEqual([{ status: 'sent', digest_id: digestId }]);
    const records = await db
      .selectFrom('deliveries')
      .select('id')
      .where('digest_id', '=', digestId)
      .where('status', '=', 'digested')
      .execute();
    expect(records.map((r) => r.id).sort()).toEqual(held.map((r) => r.id).sort());
  });
});
