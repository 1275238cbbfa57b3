import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');

interface DeliveryView {
  recipient: { id: string };
  channel: string;
  status: string;
  reason: string | null;
  digestId: string | null;
}

/**
 * The digest schedule on a timeline (Sentry's semantics, DESIGN §8): the first alert goes out at once;
 * later ones wait; each addition moves the due time by 30 s, capped 30 min after the last delivery;
 * after a delivery the next digest waits at least 5 min; one issue goes out as a normal alert.
 */
describe.skipIf(SKIP_PROFILE)('digests on a timeline', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let ana = '';
  let ben = '';

  beforeAll(async () => {
    clock = manualClock(T0 - 60_000);
    smtp = await startSmtpPeer(clock);
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', role: 'owner' }))
      .body.userId;
    ben = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test' })).body.userId;
    for (const slug of ['api', 'web'])
      await h.request('POST', '/api/v1/orgs/acme/projects', { slug, name: slug.toUpperCase() });
    await connectSmtp(h, smtp.port);
    // Sentry's exact behaviour: new issues wait in the digest too.
    const put = await h.request('PUT', '/api/v1/projects/acme/api/digests', { immediateNewIssues: false });
    expect(put.body).toEqual({
      minimumDelay: 300,
      maximumDelay: 1800,
      increment: 30,
      immediateNewIssues: false,
    });
    for (const [project, user] of [
      ['api', ana],
      ['web', ben],
    ] as const) {
      const rule = await h.request('POST', `/api/v1/projects/acme/${project}/rules`, {
        name: `Every event to ${project}`,
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: user }],
      });
      expect(rule.status).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  const at = (seconds: number) => clock.set(T0 + seconds * 1000);
  const settle = async () => {
    for (let i = 0; i < 4; i++) await h.engine.queue.drain();
  };
  const send = async (title: string, project = 'api') => {
    const r = await h.request('POST', `/api/v1/projects/acme/${project}/events`, {
      message: title,
      level: 'error',
    });
    expect(r.status).toBe(202);
    await settle();
    return r.body.issueId as string;
  };
  const mailsTo = (who: string) => smtp.mails.filter((m) => m.to.includes(who));
  const deliveries = async (issueId: string): Promise<DeliveryView[]> => {
    const { data } = (await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}&limit=200`))
      .body;
    return data.flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries);
  };
  /** Moves to `seconds`, runs what is due, and returns the mails that arrived. */
  const tick = async (seconds: number, who = 'ana@') => {
    const before = mailsTo(who).length;
    at(seconds);
    await settle();
    return mailsTo(who).slice(before);
  };

  it('sends the first alert at once and holds the next ones, moved by the increment', async () => {
    at(0);
    const a = await send('Issue A timeout');
    expect(mailsTo('ana@')).toHaveLength(1);
    expect(mailsTo('ana@')[0]!.subject).toContain('Issue A timeout');
    expect(mailsTo('ana@')[0]!.at).toBe(T0);

    at(10);
    const b = await send('Issue B refused');
    at(20);
    await send('Issue A timeout');
    expect(mailsTo('ana@')).toHaveLength(1);
    const held = (await deliveries(b)).find((d) => d.status === 'digested');
    expect(held).toMatchObject({ channel: 'email', reason: 'digest' });
    expect(held!.digestId).toMatch(/^dgs_/);
    expect((await deliveries(a)).map((d) => d.status).sort()).toEqual(['digested', 'sent']);

    // Opened at 10 s: due 5 min after the delivery at 0 (300 s), then +30 s for the addition at 20 s.
    expect(await tick(299.999)).toHaveLength(0);
    expect(await tick(329.999)).toHaveLength(0);
    const [digest] = await tick(330);
    expect(digest!.subject).toBe('2 issues in api');
    expect(digest!.text).toContain('2 issues with 2 events in API');
    expect(digest!.text).toMatch(/Issue A timeout[\s\S]*1 event/);
    const history = (await h.request('GET', '/api/v1/orgs/acme/notifications?type=digest')).body.data;
    expect(history[0].deliveries[0]).toMatchObject({ status: 'sent', digestId: held!.digestId });
  });

  it('caps the due time at the maximum after the last delivery however many additions arrive', async () => {
    const last = 330;
    // 90 additions, one every 20 s: each adds 30 s, so only the 30 min cap stops the due time.
    for (let k = 0; k < 90; k++) {
      const arrived = await tick(last + 10 + k * 20);
      if (arrived.length === 0) await send(k % 2 === 0 ? 'Issue A timeout' : 'Issue B refused');
      expect(arrived).toHaveLength(0);
    }
    expect(await tick(last + 1799.999)).toHaveLength(0);
    const [digest] = await tick(last + 1800);
    expect(digest!.subject).toBe('2 issues in api');
    expect(digest!.text).toContain('2 issues with 90 events in API');
  });

  it('waits the minimum after a delivery; a digest of one issue goes out as a normal alert', async () => {
    const last = 330 + 1800;
    expect(await tick(last + 10)).toHaveLength(0);
    await send('Issue A timeout');
    expect(await tick(last + 299.999)).toHaveLength(0);
    const [single] = await tick(last + 300);
    expect(single!.subject).toContain('Issue A timeout');
    expect(single!.subject).not.toContain('issues in');

    // Nothing open and the minimum passed since that delivery: the next alert goes at once.
    at(last + 600);
    await send('Issue B refused');
    expect(mailsTo('ana@').at(-1)!.at).toBe(T0 + (last + 600) * 1000);
    at(last + 601);
    await send('Issue B refused');
    expect(mailsTo('ana@').at(-1)!.at).toBe(T0 + (last + 600) * 1000);
  });

  it('with email digests off, alerts go one by one until the limit, then into a digest', async () => {
    const put = await h.request('PUT', `/api/v1/users/${ben}/notification-settings`, {
      options: { emailDigests: false },
    });
    expect(put.status, put.text).toBe(200);
    const limits = await h.request('PUT', '/api/v1/orgs/acme/throttle', {
      limits: { email: { limit: 3, windowSeconds: 3600 } },
    });
    expect(limits.body.limits.email).toEqual({ limit: 3, windowSeconds: 3600 });
    expect(limits.body.limits.inapp).toBeNull();
    // Herald's own limits stay in the answer, for what "back to the default" would mean.
    expect(limits.body.defaults.email).toEqual({ limit: 20, windowSeconds: 3600 });
    expect(limits.body.overrides).toEqual({ email: { limit: 3, windowSeconds: 3600 } });
    const start = 10_000;
    for (let k = 0; k < 5; k++) {
      at(start + k);
      await send('Web checkout broken', 'web');
    }
    expect(mailsTo('ben@')).toHaveLength(3);
    const issue = await send('Web checkout broken', 'web');
    const held = (await deliveries(issue)).filter((d) => d.status === 'digested');
    expect(held.map((d) => d.reason)).toEqual(['throttled', 'throttled', 'throttled']);
    expect(new Set(held.map((d) => d.digestId)).size).toBe(1);
    // Throttled into a digest that nothing was delivered before: due 5 min after it opened, +30 s for
    // each of the two later additions.
    expect(await tick(start + 3 + 359.999, 'ben@')).toHaveLength(0);
    const [digest] = await tick(start + 3 + 360, 'ben@');
    expect(digest!.subject).toContain('Web checkout broken');
    // A refilled bucket lets the next alert through at once (3 per hour: one token every 20 min).
    at(start + 3 + 1200);
    await send('Web checkout broken', 'web');
    expect(mailsTo('ben@')).toHaveLength(5);
  });

  it("counts an issue's users among the events the digest holds, not those alerted before it", async () => {
    const start = 20_000;
    at(start - 10);
    const cy = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'cy@acme.test' })).body.userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'ops', name: 'OPS' });
    const rule = await h.request('POST', '/api/v1/projects/acme/ops/rules', {
      name: 'Every event to ops',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: cy }],
    });
    expect(rule.status).toBe(201);
    const from = async (title: string, user: string) => {
      const r = await h.request('POST', '/api/v1/projects/acme/ops/events', {
        message: title,
        level: 'error',
        user: { id: user },
      });
      expect(r.status).toBe(202);
      await settle();
    };
    // New issues go out at once in this project (its default); their next events wait in the digest.
    at(start);
    await from('Issue C cache miss storm', 'u1');
    at(start + 10);
    await from('Issue C cache miss storm', 'u2');
    at(start + 20);
    await from('Issue D login loop', 'u3');
    at(start + 30);
    await from('Issue D login loop', 'u4');
    await from('Issue D login loop', 'u4');
    expect(mailsTo('cy@').map((m) => m.subject)).toEqual([
      '[ops] Error: Issue C cache miss storm',
      '[ops] Error: Issue D login loop',
    ]);
    let digest: (typeof smtp.mails)[number] | undefined;
    for (let s = start + 60; s <= start + 1900 && !digest; s += 60) digest = (await tick(s, 'cy@'))[0];
    expect(digest!.subject).toBe('2 issues in ops');
    // C: the held event of u2 (u1's went out at once); D: two held events, both of u4.
    expect(digest!.text).toMatch(/Issue C cache miss storm[\s\S]*?1 event · 1 user/);
    expect(digest!.text).toMatch(/Issue D login loop[\s\S]*?2 events · 1 user/);
  });

  it('holds deploys past the limit in a digest that lists them; one held deploy goes out as itself', async () => {
    // The organization's email limit is 3 an hour (set above); deploys are about no issue, so only the
    // limit holds them, never the digest schedule.
    const start = 30_000;
    at(start - 10);
    const dana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'dana@acme.test' })).body
      .userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'ship', name: 'Ship' });
    const release = await h.request('POST', '/api/v1/projects/acme/ship/releases', {
      version: '7.1.0',
      commits: [{ id: 'f00d', message: 'Speed up checkout', authorEmail: 'dana@acme.test' }],
    });
    expect(release.status).toBe(201);
    const environments = ['dev', 'qa', 'staging', 'canary', 'production'];
    for (const [k, environment] of environments.entries()) {
      at(start + k);
      const deploy = await h.request('POST', '/api/v1/projects/acme/ship/releases/7.1.0/deploys', {
        environment,
      });
      expect(deploy.status).toBe(201);
      await settle();
    }
    expect(mailsTo('dana@').map((m) => m.subject)).toEqual([
      'Deployed 7.1.0 to dev',
      'Deployed 7.1.0 to qa',
      'Deployed 7.1.0 to staging',
    ]);
    const deploys = (await h.request('GET', '/api/v1/orgs/acme/notifications?type=deploy&limit=50')).body
      .data as { deliveries: DeliveryView[] }[];
    const held = deploys
      .flatMap((n) => n.deliveries)
      .filter((d) => d.recipient.id === dana && d.status === 'digested');
    expect(held.map((d) => d.reason)).toEqual(['throttled', 'throttled']);
    expect(new Set(held.map((d) => d.digestId)).size).toBe(1);

    let digest: (typeof smtp.mails)[number] | undefined;
    for (let s = start + 60; s <= start + 1900 && !digest; s += 60) digest = (await tick(s, 'dana@'))[0];
    expect(digest!.subject).toBe('2 notifications in ship');
    expect(digest!.text).toContain('Held back by the notification limit: 2 other notifications in Ship');
    expect(digest!.text).toMatch(
      /Other notifications[\s\S]*Deployed 7\.1\.0 to canary[\s\S]*Deployed 7\.1\.0 to production/,
    );
    expect(digest!.text).not.toContain('Issues by events');
    const sentDigest = (await h.request('GET', '/api/v1/orgs/acme/notifications?type=digest&limit=5')).body
      .data[0];
    expect(sentDigest.deliveries[0]).toMatchObject({ status: 'sent', digestId: held[0]!.digestId });
    const stored = await h.engine.store.db
      .selectFrom('notifications')
      .select('payload')
      .where('id', '=', sentDigest.id)
      .executeTakeFirstOrThrow();
    const payload = JSON.parse(stored.payload);
    expect(payload.issues).toEqual([]);
    expect(payload.others).toMatchObject([
      { type: 'deploy', title: 'Deployed 7.1.0 to canary' },
      { type: 'deploy', title: 'Deployed 7.1.0 to production' },
    ]);
    expect(payload.others[0].url).toMatch(/\/orgs\/acme\/projects\/ship\/releases\/7\.1\.0$/);

    // The bucket is still empty (a token every 20 min): the next deploy waits, alone, and goes as itself.
    const digestAt = digest!.at;
    await h.request('POST', '/api/v1/projects/acme/ship/releases', { version: '7.1.1' });
    clock.set(digestAt + 1000);
    await h.request('POST', '/api/v1/projects/acme/ship/releases', {
      version: '7.2.0',
      commits: [{ id: 'beef', message: 'Retry payments', authorEmail: 'dana@acme.test' }],
    });
    await h.request('POST', '/api/v1/projects/acme/ship/releases/7.2.0/deploys', {
      environment: 'production',
    });
    await settle();
    expect(mailsTo('dana@')).toHaveLength(4);
    let single: (typeof smtp.mails)[number] | undefined;
    for (let s = 60; s <= 1900 && !single; s += 60) {
      clock.set(digestAt + s * 1000);
      await settle();
      single = mailsTo('dana@')[4];
    }
    expect(single!.subject).toBe('Deployed 7.2.0 to production');
  });

  it('validates the digest and throttle settings', async () => {
    const bad = await h.request('PUT', '/api/v1/projects/acme/api/digests', {
      minimumDelay: 30,
      maximumDelay: 7200,
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['maximumDelay', 'minimumDelay']);
    const crossed = await h.request('PUT', '/api/v1/projects/acme/api/digests', {
      minimumDelay: 900,
      maximumDelay: 600,
    });
    expect(crossed.status).toBe(400);
    const limits = await h.request('PUT', '/api/v1/orgs/acme/throttle', {
      limits: { fax: { limit: 1, windowSeconds: 1 } },
    });
    expect(limits.status).toBe(400);
    const other = await h.request('GET', '/api/v1/orgs/nope/throttle');
    expect(other.status).toBe(404);
  });
});
