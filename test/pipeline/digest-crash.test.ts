import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { notificationStore } from '../../src/notifications/notification-store.js';
import { preferenceDecisions } from '../../src/preferences/decisions.js';
import { dueJobsClaimer } from '../../src/queue/job-rows.js';
import { deferredRelease } from '../../src/throttle/deferred-release.js';
import { digestBuilder } from '../../src/throttle/digest-builder.js';
import { sqlLimiter } from '../../src/throttle/sql-limiter.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');

/**
 * A Herald on a clock a minute before T0, with a local SMTP server: organization acme, its owner Ana
 * (with `ana`'s fields), project api, its email, and a rule mailing Ana about every event.
 */
async function mailingHerald(ana: Record<string, unknown>) {
  const clock = manualClock(T0 - 60_000);
  const smtp = await startSmtpPeer(clock);
  const h = await startHerald({}, { clock });
  await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
  const anaId = (
    await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', role: 'owner', ...ana })
  ).body.userId as string;
  await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
  await connectSmtp(h, smtp.port);
  await h.request('POST', '/api/v1/projects/acme/api/rules', {
    name: 'Every event',
    frequency: 0,
    conditions: [{ id: 'every_event' }],
    actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: anaId }],
  });
  return { clock, smtp, h, ana: anaId };
}

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
    ({ clock, smtp, h } = await mailingHerald({}));
    await h.request('PUT', '/api/v1/projects/acme/api/digests', { immediateNewIssues: false });
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
      publicUrl: () => h.url,
      decisions: preferenceDecisions(db),
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
      publicUrl: () => h.url,
      decisions: preferenceDecisions(db),
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

/**
 * A worker dies while releasing what waited for quiet hours: it took the deferred deliveries and placed
 * them in a digest inside its transaction, then failed before committing. Nothing changed; the jobs'
 * next run releases the same deliveries once, as one digest, and a late duplicate sends nothing.
 */
describe.skipIf(SKIP_PROFILE)('a worker dying while releasing deliveries deferred by quiet hours', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let ana = '';

  beforeAll(async () => {
    ({ clock, smtp, h, ana } = await mailingHerald({ timezone: 'Europe/Berlin' }));
    await h.request('PUT', `/api/v1/users/${ana}/notification-settings`, {
      options: { quietHours: [{ days: ['mon', 'tue'], start: '22:00', end: '07:00' }] },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 4; i++) await h.engine.queue.drain();
  };
  const release = (afterPlaced?: () => void) =>
    deferredRelease({
      db: h.engine.store.db,
      clock,
      decisions: preferenceDecisions(h.engine.store.db),
      limiter: sqlLimiter(),
      settings: h.engine.services.throttle,
      onJobsCommitted: (ids) => h.engine.queue.notify(ids),
      ...(afterPlaced ? { afterPlaced } : {}),
    });

  it('changes nothing, then releases the same deliveries once, as one digest', async () => {
    // Monday night in Berlin (22:00–07:00 is 21:00–06:00 UTC): three alerts wait.
    const night = Date.parse('2026-03-02T22:00:00Z');
    for (const [minutes, message] of [
      [0, 'Checkout failed'],
      [10, 'Login refused'],
      [20, 'Search slow'],
    ] as const) {
      clock.set(night + minutes * 60_000);
      await h.request('POST', '/api/v1/projects/acme/api/events', { message, level: 'error' });
      await settle();
    }
    expect(smtp.mails).toHaveLength(0);
    const db = h.engine.store.db;
    const waiting = () =>
      db
        .selectFrom('deliveries')
        .select(['id', 'status', 'reason', 'digest_id'])
        .where('recipient_id', '=', ana)
        .orderBy('id')
        .execute();
    const deferred = await waiting();
    expect(deferred.map((d) => [d.status, d.reason, d.digest_id])).toEqual([
      ['deferred', 'quiet_hours', null],
      ['deferred', 'quiet_hours', null],
      ['deferred', 'quiet_hours', null],
    ]);

    // 07:00 in Berlin. The doomed worker releases the first one and dies before its commit.
    await h.engine.queue.stop();
    clock.set(Date.parse('2026-03-03T06:00:00Z'));
    await expect(
      release(() => {
        throw new Error('worker died');
      }).release(deferred[0]!.id),
    ).rejects.toThrow('worker died');
    expect(await waiting()).toEqual(deferred);
    expect(await db.selectFrom('digests').select('id').execute()).toEqual([]);

    // The jobs run: the three go out together, once.
    h.engine.queue.start();
    await settle();
    expect(smtp.mails.map((m) => m.subject)).toEqual(['3 issues in api']);
    const released = await waiting();
    const digestId = released[0]!.digest_id;
    expect(digestId).toMatch(/^dgs_/);
    expect(released.map((d) => [d.status, d.reason, d.digest_id])).toEqual([
      ['digested', 'quiet_hours', digestId],
      ['digested', 'quiet_hours', digestId],
      ['digested', 'quiet_hours', digestId],
      ['sent', null, digestId],
    ]);

    // A late duplicate of a job finds nothing deferred and sends nothing.
    await release().release(deferred[1]!.id);
    await settle();
    expect(smtp.mails).toHaveLength(1);
    expect(h.logs.filter((line) => line.includes('job failed'))).toEqual([]);
  });
});
