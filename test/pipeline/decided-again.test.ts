import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { type Received, startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface DeliveryView {
  recipient: { id: string };
  channel: string;
  status: string;
  reason: string | null;
  digestId: string | null;
}

interface NotificationView {
  id: string;
  type: string;
  deliveries: DeliveryView[];
}

/** Monday 2 March 2026, Berlin on CET (UTC+1): 05:00 in Berlin is 04:00 UTC. */
const at = (iso: string) => Date.parse(iso);

/**
 * What was held is decided again when it is sent (DESIGN §7, §8): a digest that comes due, and alerts
 * that waited for quiet hours to end, go out only to people who still want them, outside their quiet
 * hours, and what waited for one person and channel goes out as one digest rather than one by one. It is
 * decided again, the same way, as soon as the person (or their team, or an admin) changes their
 * settings, not only when the old wait ends.
 */
describe.skipIf(SKIP_PROFILE)('held notifications decided again when they are sent', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  const people: Record<string, string> = {};
  const projects: Record<string, string> = {};
  const teams: Record<string, string> = {};

  beforeAll(async () => {
    clock = manualClock(at('2026-03-01T12:00:00Z'));
    smtp = await startSmtpPeer(clock);
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    const names = ['ana', 'bob', 'carl', 'dan', 'eve', 'finn', 'gus', 'hana', 'ivy'];
    const more = [
      'jon',
      'kim',
      'lea',
      'mia',
      'nia',
      'oli',
      'pia',
      'quinn',
      'ray',
      'sam',
      'tia',
      'uma',
      'wes',
    ];
    for (const name of [...names, ...more]) {
      const added = await h.request('POST', '/api/v1/orgs/acme/members', {
        email: `${name}@acme.test`,
        name,
        timezone: 'Europe/Berlin',
      });
      expect(added.status, added.text).toBe(201);
      people[name] = added.body.userId;
    }
    await connectSmtp(h, smtp.port);
    // One project per story, each with a rule mailing its people on every event.
    const stories: Record<string, string[]> = {
      api: ['ana', 'bob'],
      web: ['carl'],
      night: ['dan', 'eve', 'finn'],
      shop: ['gus'],
      docs: ['hana'],
      ops: ['ivy'],
      late: ['jon', 'kim'],
      held: ['lea'],
      later: ['mia'],
      abroad: ['nia'],
      off: ['oli', 'pia'],
      join: ['sam'],
      leave: ['tia'],
      gone: ['uma', 'wes'],
    };
    for (const [project, names] of Object.entries(stories)) {
      const created = await h.request('POST', '/api/v1/orgs/acme/projects', {
        slug: project,
        name: project.toUpperCase(),
      });
      projects[project] = created.body.id;
      // Sentry's exact schedule: a new issue waits in the digest too, so the held items span issues.
      await h.request('PUT', `/api/v1/projects/acme/${project}/digests`, { immediateNewIssues: false });
      const rule = await h.request('POST', `/api/v1/projects/acme/${project}/rules`, {
        name: `Every event in ${project}`,
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: names.map((name) => ({
          id: 'notify_email',
          targetType: 'Member',
          targetIdentifier: people[name],
        })),
      });
      expect(rule.status, rule.text).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });
  // Releases of one person run at once (a job per deferred delivery): none may fail, not even to retry.
  afterEach(() => {
    expect(h.logs.filter((line) => line.includes('job failed'))).toEqual([]);
  });

  const settle = async () => {
    for (let i = 0; i < 6; i++) await h.engine.queue.drain();
  };
  const send = async (when: string, project: string, message: string) => {
    clock.set(at(when));
    const r = await h.request('POST', `/api/v1/projects/acme/${project}/events`, { message, level: 'error' });
    expect(r.status).toBe(202);
    await settle();
    return r.body.issueId as string;
  };
  const mailsTo = (name: string) => smtp.mails.filter((m) => m.to.includes(`${name}@acme.test`));
  /** Moves the clock to `when`, runs what is due, and answers the mails that arrived meanwhile. */
  const tick = async (when: string): Promise<Received[]> => {
    const before = smtp.mails.length;
    clock.set(at(when));
    await settle();
    return smtp.mails.slice(before);
  };
  const history = async (query: string): Promise<NotificationView[]> => {
    const answer = await h.request('GET', `/api/v1/orgs/acme/notifications?limit=200&${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body.data;
  };
  const deliveriesOf = async (name: string, query = ''): Promise<DeliveryView[]> =>
    (await history(query)).flatMap((n) => n.deliveries).filter((d) => d.recipient.id === people[name]);
  const settings = async (name: string, body: unknown) => {
    const answer = await h.request('PUT', `/api/v1/users/${people[name]}/notification-settings`, body);
    expect(answer.status, answer.text).toBe(200);
  };
  /** Runs a change at `when`, then what is due: answers the mails that arrived from the change on. */
  const change = async (when: string, act: () => Promise<void>): Promise<Received[]> => {
    clock.set(at(when));
    const before = smtp.mails.length;
    await act();
    await settle();
    return smtp.mails.slice(before);
  };
  const everyNight = [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '07:00' },
  ];
  /** One alert each before the night, sent at once; quiet hours 22:00–07:00; two alerts that wait. */
  const overnight = async (day: string, project: string, names: string[]) => {
    await send(`${day}T20:50:00Z`, project, 'Queue backed up');
    clock.set(at(`${day}T20:55:00Z`));
    for (const name of names) await settings(name, { options: { quietHours: everyNight } });
    await send(`${day}T21:10:00Z`, project, 'Queue backed up');
    await send(`${day}T21:20:00Z`, project, 'Cache miss storm');
    for (const name of names) {
      expect(mailsTo(name)).toHaveLength(1);
      const waiting = (await deliveriesOf(name)).filter((d) => d.status === 'deferred');
      expect(waiting).toHaveLength(2);
    }
  };
  const teamSettings = async (team: string, body: unknown) => {
    const answer = await h.request('PUT', `/api/v1/orgs/acme/teams/${team}/notification-settings`, body);
    expect(answer.status, answer.text).toBe(200);
  };
  /** Creates a team of these people; answers its id. */
  const createTeam = async (slug: string, names: string[]) => {
    const answer = await h.request('POST', '/api/v1/orgs/acme/teams', {
      slug,
      memberIds: names.map((name) => people[name]),
    });
    expect(answer.status, answer.text).toBe(201);
    teams[slug] = answer.body.id;
    return answer.body.id as string;
  };
  /** Replaces a team's members, as the team's page does. */
  const teamMembers = async (team: string, names: string[]) => {
    const answer = await h.request('PATCH', `/api/v1/orgs/acme/teams/${teams[team]}`, {
      memberIds: names.map((name) => people[name]),
    });
    expect(answer.status, answer.text).toBe(200);
  };
  /** The person's deliveries that did not go out, as `status reason`, newest first. */
  const held = async (name: string) =>
    (await deliveriesOf(name)).filter((d) => d.status !== 'sent').map((d) => `${d.status} ${d.reason}`);
  /** Clicks the one-click unsubscribe link of a mail, as a mail client does (RFC 8058). */
  const unsubscribe = async (mail: Received) => {
    const link = /https?:\/\/\S+\/unsubscribe\?token=[^\s>\])]+/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeDefined();
    const answer = await fetch(link!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('You are unsubscribed');
  };

  it('a due digest skips who unsubscribed since and waits for quiet hours set since', async () => {
    // 04:28:50 UTC: the first alert goes out at once; the next two are held in a digest.
    await send('2026-03-02T04:28:50Z', 'api', 'Checkout failed');
    await send('2026-03-02T04:29:00Z', 'api', 'Login refused');
    await send('2026-03-02T04:29:05Z', 'api', 'Checkout failed');
    expect(mailsTo('ana')).toHaveLength(1);
    expect(mailsTo('bob')).toHaveLength(1);
    const held = (await deliveriesOf('bob')).filter((d) => d.status === 'digested');
    expect(held).toHaveLength(2);

    // Bob unsubscribes through the earlier email; Ana sets quiet hours, Monday 05:00–07:00 in Berlin.
    clock.set(at('2026-03-02T04:30:00Z'));
    await unsubscribe(mailsTo('bob')[0]!);
    await settings('ana', { options: { quietHours: [{ days: ['mon'], start: '05:00', end: '07:00' }] } });

    // Due 5 min after the first delivery plus 30 s for the second addition: neither gets an email.
    expect(await tick('2026-03-02T04:34:20Z')).toEqual([]);
    const bob = (await deliveriesOf('bob')).filter((d) => d.digestId !== null);
    expect(bob.map((d) => [d.status, d.reason])).toEqual([
      ['suppressed', 'preference'],
      ['suppressed', 'preference'],
    ]);
    expect(bob.map((d) => d.digestId)).toEqual(held.map((d) => d.digestId));
    expect(
      (await history('type=digest')).filter((n) => n.deliveries[0]?.recipient.id === people.bob),
    ).toEqual([]);
    const anaHeld = (await deliveriesOf('ana')).filter((d) => d.status === 'digested');
    expect(anaHeld).toHaveLength(2);

    // Ana's digest waits for 07:00 in Berlin (06:00 UTC), then comes as one email.
    expect(await tick('2026-03-02T05:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-02T06:00:00Z');
    expect(arrived.map((m) => [m.to, m.subject])).toEqual([['ana@acme.test', '2 issues in api']]);
    expect(arrived[0]!.text).toContain('2 issues with 2 events in API');
    const [digest] = await history('type=digest');
    expect(digest!.deliveries).toMatchObject([
      { recipient: { id: people.ana }, status: 'sent', digestId: anaHeld[0]!.digestId },
    ]);
    expect(await tick('2026-03-02T07:00:00Z')).toEqual([]);
  });

  it('a person who snoozed everything since gets no digest, and the history says snoozed', async () => {
    await send('2026-03-02T10:00:00Z', 'web', 'Slow page');
    await send('2026-03-02T10:01:00Z', 'web', 'Broken image');
    await send('2026-03-02T10:02:00Z', 'web', 'Slow page');
    expect(mailsTo('carl')).toHaveLength(1);
    clock.set(at('2026-03-02T10:03:00Z'));
    await settings('carl', { options: { snoozeUntil: '2026-03-02T12:00:00Z' } });
    expect(await tick('2026-03-02T10:30:00Z')).toEqual([]);
    const held = (await deliveriesOf('carl')).filter((d) => d.digestId !== null);
    expect(held.map((d) => [d.status, d.reason])).toEqual([
      ['suppressed', 'snoozed'],
      ['suppressed', 'snoozed'],
    ]);
    expect(await tick('2026-03-02T12:30:00Z')).toEqual([]);
  });

  it('alerts deferred by quiet hours are decided again at their end and come as one digest', async () => {
    // Before the night: one alert each, sent at once (Eve keeps hers to unsubscribe later).
    await send('2026-03-02T20:50:00Z', 'night', 'Checkout failed');
    expect(['dan', 'eve', 'finn'].map((n) => mailsTo(n).length)).toEqual([1, 1, 1]);
    const night = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '07:00' }];
    clock.set(at('2026-03-02T20:55:00Z'));
    for (const name of ['dan', 'eve', 'finn']) await settings(name, { options: { quietHours: night } });
    await settings('finn', { options: { emailDigests: false } });

    // 22 alerts over the night, 22:00–07:00 in Berlin (21:00–06:00 UTC): each waits.
    const titles = ['Checkout failed', 'Login refused', 'Search slow'];
    for (let k = 0; k < 22; k++) {
      const minute = String(k * 2).padStart(2, '0');
      await send(`2026-03-02T22:${minute}:00Z`, 'night', titles[k % 3]!);
    }
    expect(['dan', 'eve', 'finn'].map((n) => mailsTo(n).length)).toEqual([1, 1, 1]);
    const waiting = (await deliveriesOf('dan')).filter((d) => d.status === 'deferred');
    expect(waiting).toHaveLength(22);
    expect(new Set(waiting.map((d) => d.reason))).toEqual(new Set(['quiet_hours']));

    // At 03:00 Eve unsubscribes from the night project's alert emails.
    clock.set(at('2026-03-03T02:00:00Z'));
    await unsubscribe(mailsTo('eve')[0]!);

    expect(await tick('2026-03-03T05:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-03T06:00:00Z');
    // Dan: one digest of the three issues. Eve: nothing. Finn, who turned email digests off: his alerts
    // one by one, as far as the organization's email limit (20 an hour) lets them.
    const toDan = arrived.filter((m) => m.to === 'dan@acme.test');
    expect(toDan.map((m) => m.subject)).toEqual(['3 issues in night']);
    expect(toDan[0]!.text).toContain('3 issues with 22 events in NIGHT');
    expect(arrived.filter((m) => m.to === 'eve@acme.test')).toEqual([]);
    expect(arrived.filter((m) => m.to === 'finn@acme.test')).toHaveLength(20);

    const dan = (await deliveriesOf('dan', 'type=issue_alert')).filter((d) => d.reason === 'quiet_hours');
    expect(dan).toHaveLength(22);
    expect(new Set(dan.map((d) => d.status))).toEqual(new Set(['digested']));
    expect(new Set(dan.map((d) => d.digestId)).size).toBe(1);
    const eve = (await deliveriesOf('eve')).filter((d) => d.status !== 'sent');
    expect(eve).toHaveLength(22);
    expect(new Set(eve.map((d) => `${d.status} ${d.reason}`))).toEqual(new Set(['suppressed preference']));
    const finn = (await deliveriesOf('finn', 'type=issue_alert')).filter((d) => d.status !== 'sent');
    expect(finn.map((d) => `${d.status} ${d.reason}`)).toEqual(['digested throttled', 'digested throttled']);

    // Finn's last two wait in a digest on the usual schedule; nothing else arrives.
    const later = await tick('2026-03-03T07:00:00Z');
    expect(later.map((m) => m.to)).toEqual(['finn@acme.test']);
  });

  it('a digest deferred by quiet hours and the alerts deferred with it end as one email', async () => {
    await send('2026-03-03T10:58:50Z', 'shop', 'Cart empty');
    await send('2026-03-03T10:59:00Z', 'shop', 'Payment declined');
    expect(mailsTo('gus')).toHaveLength(1);
    clock.set(at('2026-03-03T10:59:30Z'));
    await settings('gus', { options: { quietHours: [{ days: ['tue'], start: '12:00', end: '13:00' }] } });
    // The digest falls due at 11:03:50 UTC, in the quiet hour (12:00–13:00 Berlin, 11:00–12:00 UTC).
    expect(await tick('2026-03-03T11:03:50Z')).toEqual([]);
    await send('2026-03-03T11:10:00Z', 'shop', 'Stock sync stalled');
    await send('2026-03-03T11:20:00Z', 'shop', 'Cart empty');
    expect(await tick('2026-03-03T11:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-03T12:00:00Z');
    expect(arrived.map((m) => m.subject)).toEqual(['3 issues in shop']);
    expect(arrived[0]!.text).toContain('3 issues with 3 events in SHOP');
    expect(await tick('2026-03-03T12:30:00Z')).toEqual([]);
  });

  it('quiet hours lengthened while alerts wait: nothing at the old end, one digest at the new one', async () => {
    await send('2026-03-04T08:00:00Z', 'docs', 'Search index stale');
    clock.set(at('2026-03-04T08:01:00Z'));
    await settings('hana', { options: { quietHours: [{ days: ['wed'], start: '10:00', end: '11:00' }] } });
    await send('2026-03-04T09:10:00Z', 'docs', 'Broken link');
    await send('2026-03-04T09:20:00Z', 'docs', 'Search index stale');
    clock.set(at('2026-03-04T09:30:00Z'));
    await settings('hana', { options: { quietHours: [{ days: ['wed'], start: '10:00', end: '12:00' }] } });
    expect(await tick('2026-03-04T10:00:00Z')).toEqual([]);
    const waiting = (await deliveriesOf('hana')).filter((d) => d.status === 'deferred');
    expect(waiting).toHaveLength(2);
    const arrived = await tick('2026-03-04T11:00:00Z');
    expect(arrived.map((m) => m.subject)).toEqual(['2 issues in docs']);
    expect(mailsTo('hana')).toHaveLength(2);
  });

  it('one issue that fired all night comes at the end of quiet hours as its latest alert, once', async () => {
    const night = [{ days: ['wed', 'thu'], start: '22:00', end: '07:00' }];
    clock.set(at('2026-03-04T20:00:00Z'));
    await settings('ivy', { options: { quietHours: night } });
    await send('2026-03-04T20:30:00Z', 'ops', 'Disk full');
    for (let k = 1; k <= 4; k++) await send(`2026-03-04T21:${k}0:00Z`, 'ops', 'Disk full');
    expect(mailsTo('ivy')).toHaveLength(1);
    expect(await tick('2026-03-05T05:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-05T06:00:00Z');
    expect(arrived.map((m) => m.subject)).toEqual(['[ops] Error: Disk full']);
    expect(await tick('2026-03-05T07:00:00Z')).toEqual([]);
    const ivy = await deliveriesOf('ivy');
    // Newest first: the latest alert went out; the three before it wait in the digest that sent it.
    expect(ivy.map((d) => `${d.status} ${d.reason}`)).toEqual([
      'sent null',
      'digested quiet_hours',
      'digested quiet_hours',
      'digested quiet_hours',
      'sent null',
    ]);
  });

  it('quiet hours shortened or dropped at 23:00: what waited arrives at once, as one digest', async () => {
    await overnight('2026-03-09', 'late', ['jon', 'kim']);
    // 23:00 in Berlin: Jon's quiet hours now end at 23:00, Kim drops hers.
    const arrived = await change('2026-03-09T22:00:00Z', async () => {
      await settings('jon', { options: { quietHours: [{ ...everyNight[0]!, end: '23:00' }] } });
      await settings('kim', { options: { quietHours: null } });
    });
    expect(arrived.map((m) => [m.to, m.subject]).sort()).toEqual([
      ['jon@acme.test', '2 issues in late'],
      ['kim@acme.test', '2 issues in late'],
    ]);
    expect(arrived[0]!.text).toContain('2 issues with 2 events in LATE');
    for (const name of ['jon', 'kim']) {
      const released = (await deliveriesOf(name)).filter((d) => d.reason === 'quiet_hours');
      expect(released.map((d) => d.status)).toEqual(['digested', 'digested']);
    }
    expect(await tick('2026-03-10T06:00:00Z')).toEqual([]);
  });

  it('a digest held by quiet hours and an alert deferred with it go out as one when they are dropped', async () => {
    await send('2026-03-10T11:58:50Z', 'held', 'Cart empty');
    await send('2026-03-10T11:59:00Z', 'held', 'Payment declined');
    await send('2026-03-10T11:59:05Z', 'held', 'Stock sync stalled');
    clock.set(at('2026-03-10T11:59:30Z'));
    await settings('lea', { options: { quietHours: [{ days: ['tue'], start: '13:00', end: '14:00' }] } });
    // Due at 12:04:20 UTC, in the quiet hour (13:00–14:00 Berlin, 12:00–13:00 UTC): it waits for its end,
    // and so does the alert after it.
    expect(await tick('2026-03-10T12:04:20Z')).toEqual([]);
    await send('2026-03-10T12:06:00Z', 'held', 'Refund stuck');
    expect((await deliveriesOf('lea')).filter((d) => d.status === 'deferred')).toHaveLength(1);
    const arrived = await change('2026-03-10T12:10:00Z', () =>
      settings('lea', { options: { quietHours: null } }),
    );
    expect(arrived.map((m) => [m.to, m.subject])).toEqual([['lea@acme.test', '3 issues in held']]);
    expect(await tick('2026-03-10T12:20:00Z')).toEqual([]);
    expect(await tick('2026-03-10T13:00:00Z')).toEqual([]);
  });

  it('quiet hours moved later while alerts wait: nothing at the old end, one digest at the new one', async () => {
    await overnight('2026-03-10', 'later', ['mia']);
    // A refused change writes nothing, dropping her quiet hours included, so nothing is released.
    const refused = await change('2026-03-10T21:59:00Z', async () => {
      const answer = await h.request('PUT', `/api/v1/users/${people.mia}/notification-settings`, {
        options: { quietHours: null },
        settings: [
          { type: 'alerts', channel: 'email', scopeType: 'user', scopeId: people.nia, value: 'never' },
        ],
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toEqual(['settings.0.scopeId']);
    });
    expect(refused).toEqual([]);
    // At 23:00 in Berlin Mia's nights end at 09:00 instead of 07:00.
    const none = await change('2026-03-10T22:00:00Z', () =>
      settings('mia', { options: { quietHours: [{ ...everyNight[0]!, end: '09:00' }] } }),
    );
    expect(none).toEqual([]);
    expect((await deliveriesOf('mia')).filter((d) => d.status === 'deferred')).toHaveLength(2);
    expect(await tick('2026-03-11T06:00:00Z')).toEqual([]);
    expect(await tick('2026-03-11T07:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-11T08:00:00Z');
    expect(arrived.map((m) => [m.to, m.subject])).toEqual([['mia@acme.test', '2 issues in later']]);
  });

  it('a move to a time zone where it is evening releases what waited for the night in Berlin', async () => {
    await overnight('2026-03-11', 'abroad', ['nia']);
    // 23:30 in Berlin is 18:30 in New York: not quiet there.
    const arrived = await change('2026-03-11T22:30:00Z', () =>
      settings('nia', { options: { timezone: 'America/New_York' } }),
    );
    expect(arrived.map((m) => [m.to, m.subject])).toEqual([['nia@acme.test', '2 issues in abroad']]);
    expect(await tick('2026-03-12T06:00:00Z')).toEqual([]);
  });

  it('alerts turned off during the wait, by the person or their team, are suppressed at once', async () => {
    const team = await h.request('POST', '/api/v1/orgs/acme/teams', {
      slug: 'nightshift',
      memberIds: [people.pia],
    });
    expect(team.status, team.text).toBe(201);
    await overnight('2026-03-12', 'off', ['oli', 'pia']);
    const none = await change('2026-03-12T22:00:00Z', async () => {
      await settings('oli', {
        settings: [
          { type: 'alerts', channel: 'email', scopeType: 'user', scopeId: people.oli, value: 'never' },
        ],
      });
      const put = await h.request('PUT', '/api/v1/orgs/acme/teams/nightshift/notification-settings', {
        settings: [
          { type: 'alerts', channel: 'email', scopeType: 'project', scopeId: projects.off, value: 'never' },
        ],
      });
      expect(put.status, put.text).toBe(200);
    });
    expect(none).toEqual([]);
    for (const name of ['oli', 'pia']) {
      const held = (await deliveriesOf(name)).filter((d) => d.status !== 'sent');
      expect(held.map((d) => `${d.status} ${d.reason}`)).toEqual([
        'suppressed preference',
        'suppressed preference',
      ]);
    }
    expect(await tick('2026-03-13T06:00:00Z')).toEqual([]);
  });

  it('a resolution waiting for quiet hours is suppressed at once for who unfollows the issue meanwhile', async () => {
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'triage', name: 'TRIAGE' });
    const issueId = await send('2026-03-13T20:00:00Z', 'triage', 'Payment webhook timed out');
    for (const name of ['quinn', 'ray']) {
      const followed = await h.request('POST', `/api/v1/issues/${issueId}/subscription`, {
        userId: people[name],
      });
      expect(followed.status, followed.text).toBe(200);
      await settings(name, { options: { quietHours: everyNight } });
    }
    clock.set(at('2026-03-13T21:30:00Z'));
    const resolved = await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
    expect(resolved.status, resolved.text).toBe(200);
    await settle();
    const waiting = async (name: string) =>
      (await deliveriesOf(name, 'type=resolved')).filter((d) => d.channel === 'email');
    expect((await waiting('quinn')).map((d) => d.status)).toEqual(['deferred']);
    expect((await waiting('ray')).map((d) => d.status)).toEqual(['deferred']);

    clock.set(at('2026-03-13T22:00:00Z'));
    const unfollowed = await h.request('DELETE', `/api/v1/issues/${issueId}/subscription`, {
      userId: people.quinn,
    });
    expect(unfollowed.body).toMatchObject({ subscribed: false });
    // Decided again at once, as after a change of settings: the history says so before the morning.
    await settle();
    expect((await waiting('quinn')).map((d) => `${d.status} ${d.reason}`)).toEqual([
      'suppressed unsubscribed',
    ]);
    expect((await waiting('ray')).map((d) => d.status)).toEqual(['deferred']);

    expect(await tick('2026-03-14T05:59:59Z')).toEqual([]);
    const arrived = await tick('2026-03-14T06:00:00Z');
    expect(arrived.map((m) => m.to)).toEqual(['ray@acme.test']);
    expect((await waiting('quinn')).map((d) => `${d.status} ${d.reason}`)).toEqual([
      'suppressed unsubscribed',
    ]);
    expect((await waiting('ray')).map((d) => d.status)).toEqual(['sent']);
  });

  it('joining a team that turned alert emails off suppresses at once what waited for quiet hours', async () => {
    const muted = await createTeam('muted', []);
    await teamSettings('muted', {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'team', scopeId: muted, value: 'never' }],
    });
    await overnight('2026-03-16', 'join', ['sam']);
    const none = await change('2026-03-16T22:00:00Z', () => teamMembers('muted', ['sam']));
    expect(none).toEqual([]);
    // The history says so at once, not at the end of the night.
    expect(await held('sam')).toEqual(['suppressed preference', 'suppressed preference']);
    expect(await tick('2026-03-17T06:00:00Z')).toEqual([]);
  });

  it('leaving the team that kept alert emails on suppresses at once what waited for quiet hours', async () => {
    // Tia is in the muted team and on call for the project: the on-call team's setting for the project
    // is the more specific one, so she gets its alert emails until she leaves that team.
    await createTeam('oncall', ['tia']);
    await teamSettings('oncall', {
      settings: [
        { type: 'alerts', channel: 'email', scopeType: 'project', scopeId: projects.leave, value: 'always' },
      ],
    });
    await teamMembers('muted', ['sam', 'tia']);
    await overnight('2026-03-17', 'leave', ['tia']);
    const none = await change('2026-03-17T22:00:00Z', () => teamMembers('oncall', []));
    expect(none).toEqual([]);
    expect(await held('tia')).toEqual(['suppressed preference', 'suppressed preference']);
    expect(await tick('2026-03-18T06:00:00Z')).toEqual([]);
  });

  it('deleting a team decides again at once what waits for its members, without its settings', async () => {
    await createTeam('platform', ['uma', 'wes']);
    await teamSettings('platform', {
      settings: [
        { type: 'alerts', channel: 'email', scopeType: 'project', scopeId: projects.gone, value: 'always' },
      ],
    });
    await teamMembers('muted', ['sam', 'tia', 'uma', 'wes']);
    // Wes wants alert emails himself, which outweighs the muted team's setting for him.
    await settings('wes', {
      settings: [
        { type: 'alerts', channel: 'email', scopeType: 'user', scopeId: people.wes, value: 'always' },
      ],
    });
    await overnight('2026-03-18', 'gone', ['uma', 'wes']);
    const none = await change('2026-03-18T22:00:00Z', async () => {
      const deleted = await h.request('DELETE', `/api/v1/orgs/acme/teams/${teams.platform}`);
      expect(deleted.status, deleted.text).toBe(204);
    });
    expect(none).toEqual([]);
    // Uma's alerts are suppressed at once; Wes's still wait for the end of his night, and come then.
    expect(await held('uma')).toEqual(['suppressed preference', 'suppressed preference']);
    expect(await held('wes')).toEqual(['deferred quiet_hours', 'deferred quiet_hours']);
    const arrived = await tick('2026-03-19T06:00:00Z');
    expect(arrived.map((m) => [m.to, m.subject])).toEqual([['wes@acme.test', '2 issues in gone']]);
  });

  it('deploys that waited for quiet hours go out within the limit at their end, the rest in one digest', async () => {
    clock.set(at('2026-03-20T20:00:00Z'));
    const vic = await h.request('POST', '/api/v1/orgs/acme/members', {
      email: 'vic@acme.test',
      timezone: 'Europe/Berlin',
    });
    people.vic = vic.body.userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'ship', name: 'SHIP' });
    await settings('vic', { options: { quietHours: everyNight } });
    const release = await h.request('POST', '/api/v1/projects/acme/ship/releases', {
      version: '3.0.0',
      commits: [{ id: 'c0ffee', message: 'Faster search', authorEmail: 'vic@acme.test' }],
    });
    expect(release.status, release.text).toBe(201);
    // 22 deploys in the night (the email limit is 20 an hour): each waits.
    for (let k = 0; k < 22; k++) {
      await change(`2026-03-20T22:${String(k).padStart(2, '0')}:00Z`, async () => {
        const deploy = await h.request('POST', '/api/v1/projects/acme/ship/releases/3.0.0/deploys', {
          environment: `region-${k}`,
        });
        expect(deploy.status).toBe(201);
      });
    }
    expect(mailsTo('vic')).toEqual([]);
    const arrived = await tick('2026-03-21T06:00:00Z');
    expect(arrived.filter((m) => m.to === 'vic@acme.test')).toHaveLength(20);
    const held = (await deliveriesOf('vic', 'type=deploy')).filter(
      (d) => d.channel === 'email' && d.status !== 'sent',
    );
    expect(held.map((d) => `${d.status} ${d.reason}`)).toEqual(['digested throttled', 'digested throttled']);
    const later = await tick('2026-03-21T07:00:00Z');
    expect(later.map((m) => [m.to, m.subject])).toEqual([['vic@acme.test', '2 notifications in ship']]);
  });
});
