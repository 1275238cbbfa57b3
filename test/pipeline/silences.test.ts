import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { pagedOpsProject } from '../helpers/ops-org.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { parsePromText } from '../helpers/prom-text.js';

const PROJECT = '/api/v1/projects/ops/infra';
const ALERTS = `${PROJECT}/alertmanager/api/v2/alerts`;
const MINUTE = 60_000;

/**
 * A maintenance window, as Alertmanager users know it: a silence over an alert's labels mutes the alert
 * rules for the alerts it matches while it is active. Their events are still stored and grouped, and
 * the workflow (resolution, regression to subscribers) goes on.
 */
describe.skipIf(SKIP_PROFILE)('silences in the pipeline', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let prometheus = '';
  let memberId = '';
  /** Issue titles the webhook received, in order. */
  const hooked: string[] = [];

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  /** A new firing of the DiskFull alert of `instance` (a new start, so a new event), settled. */
  const fire = async (instance: string, labels: Record<string, string> = {}) => {
    const sent = await h.request(
      'POST',
      ALERTS,
      [
        {
          labels: { alertname: 'DiskFull', instance, severity: 'warning', ...labels },
          annotations: { summary: `Disk of ${instance} is full` },
          startsAt: iso(clock.now() - 1_000),
          endsAt: iso(clock.now() + 4 * MINUTE),
        },
      ],
      { token: prometheus },
    );
    expect(sent.status).toBe(200);
    await settle();
    // One clock tick apart, so each firing has a start of its own.
    clock.advance(1_000);
  };
  /** How many alerts the webhook got about `instance`. */
  const alertsAbout = (instance: string) =>
    hooked.filter((title) => title.includes(`Disk of ${instance} `)).length;
  const issueOf = async (instance: string) => {
    const issues = await h.request('GET', `${PROJECT}/issues?limit=100`);
    return (issues.body.data as { id: string; title: string; timesSeen: number; status: string }[]).find(
      (i) => i.title.includes(`Disk of ${instance} `),
    );
  };
  const silence = async (body: Record<string, unknown>) => {
    const created = await h.request('POST', `${PROJECT}/silences`, {
      endsAt: iso(clock.now() + 60 * MINUTE),
      comment: 'Maintenance',
      ...body,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; startsAt: string; endsAt: string; status: { state: string } };
  };
  const silencedCount = async () => {
    const text = (await h.request('GET', '/metrics', undefined, { token: null })).text;
    return parsePromText(text).find((s) => s.name === 'herald_events_silenced_total')?.value ?? 0;
  };
  const notificationsOf = async (issueId: string, type: string) =>
    (await h.request('GET', `/api/v1/orgs/ops/notifications?issue=${issueId}&type=${type}`)).body
      .data as unknown[];

  beforeAll(async () => {
    sink = await startHttpPeer((_req, body, res) => {
      hooked.push((JSON.parse(body.toString()) as { data: { issue: { title: string } } }).data.issue.title);
      res.writeHead(200).end();
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    prometheus = await pagedOpsProject(h, `${sink.url}/hook`);
    memberId = (await h.request('POST', '/api/v1/orgs/ops/members', { email: 'max@ops.test', name: 'Max' }))
      .body.userId;
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  it('a silence on instance=db-1 mutes its alerts (the issue is there all the same), not those of db-2', async () => {
    const before = await silencedCount();
    await silence({ matchers: [{ name: 'instance', value: 'db-1' }] });
    await fire('db-1');
    await fire('db-2');
    expect(alertsAbout('db-1')).toBe(0);
    expect(alertsAbout('db-2')).toBe(1);
    const muted = await issueOf('db-1');
    expect(muted).toMatchObject({ status: 'unresolved', timesSeen: 1 });
    expect(await notificationsOf(muted!.id, 'issue_alert')).toEqual([]);
    expect(await silencedCount()).toBe(before + 1);
  });

  it('each silence says how many events it muted and when it last did; one that matched nothing says so', async () => {
    const read = async (id: string) => (await h.request('GET', `${PROJECT}/silences/${id}`)).body;
    const cache1 = await silence({ matchers: [{ name: 'instance', value: 'cache-1' }] });
    const cache2 = await silence({ matchers: [{ name: 'instance', value: 'cache-2' }] });
    await fire('cache-1');
    await fire('cache-1');
    // A second silence over the same alerts counts the events it mutes too.
    const caches = await silence({ matchers: [{ name: 'instance', value: 'cache-.*', isRegex: true }] });
    const third = clock.now();
    await fire('cache-1');
    expect(alertsAbout('cache-1')).toBe(0);
    // Counted as the events are evaluated, written within a second (here at once).
    await h.engine.services.silences.flushMuted();
    expect(await read(cache1.id)).toMatchObject({ mutedEvents: 3, lastMutedAt: iso(third) });
    expect(await read(caches.id)).toMatchObject({ mutedEvents: 1, lastMutedAt: iso(third) });
    expect(await read(cache2.id)).toMatchObject({ mutedEvents: 0, lastMutedAt: null });
    const listed = (await h.request('GET', `${PROJECT}/silences?state=active&limit=200`)).body.data as {
      id: string;
      mutedEvents: number;
    }[];
    expect(listed.find((s) => s.id === cache1.id)?.mutedEvents).toBe(3);
    // A later flush adds to what was written.
    const fourth = clock.now();
    await fire('cache-1');
    await h.engine.services.silences.flushMuted();
    expect(await read(cache1.id)).toMatchObject({ mutedEvents: 4, lastMutedAt: iso(fourth) });
    // Alertmanager's view of the silence keeps Alertmanager's shape.
    const am = await h.request('GET', `${PROJECT}/alertmanager/api/v2/silence/${cache1.id}`, undefined, {
      token: prometheus,
    });
    expect(am.status).toBe(200);
    expect(am.body).not.toHaveProperty('mutedEvents');
    expect(am.body).not.toHaveProperty('lastMutedAt');
  });

  it('a pending silence mutes nothing until it starts, and the alert fires again once it ends', async () => {
    const starts = clock.now() + 10 * MINUTE;
    const pending = await silence({
      matchers: [{ name: 'instance', value: 'db-3' }],
      startsAt: iso(starts),
      endsAt: iso(starts + 30 * MINUTE),
    });
    expect(pending.status.state).toBe('pending');
    await fire('db-3');
    expect(alertsAbout('db-3')).toBe(1);

    clock.set(starts);
    await fire('db-3');
    expect(alertsAbout('db-3')).toBe(1);
    const state = await h.request('GET', `${PROJECT}/silences/${pending.id}`);
    expect(state.body.status.state).toBe('active');

    clock.set(starts + 30 * MINUTE);
    await fire('db-3');
    expect(alertsAbout('db-3')).toBe(2);
    // Every firing was counted, the muted one too.
    expect((await issueOf('db-3'))!.timesSeen).toBe(3);
  });

  it('expiring a silence with DELETE unmutes at once', async () => {
    const active = await silence({ matchers: [{ name: 'instance', value: 'db-7' }] });
    await fire('db-7');
    expect(alertsAbout('db-7')).toBe(0);
    // The issue says which silence keeps its alerts quiet, and until when.
    const issueId = (await issueOf('db-7'))!.id;
    const muted = await h.request('GET', `/api/v1/issues/${issueId}`);
    expect(muted.body.silencedBy).toEqual([
      expect.objectContaining({ id: active.id, endsAt: active.endsAt, comment: 'Maintenance' }),
    ]);
    expect((await h.request('DELETE', `${PROJECT}/silences/${active.id}`)).status).toBe(204);
    expect((await h.request('GET', `/api/v1/issues/${issueId}`)).body.silencedBy).toEqual([]);
    await fire('db-7');
    expect(alertsAbout('db-7')).toBe(1);
  });

  it('a regex matcher mutes every instance it matches; a negative matcher mutes what it does not name', async () => {
    await silence({ matchers: [{ name: 'instance', value: 'db-(4|5)', isRegex: true }] });
    await fire('db-4');
    await fire('db-5');
    await fire('db-6');
    expect([alertsAbout('db-4'), alertsAbout('db-5'), alertsAbout('db-6')]).toEqual([0, 0, 1]);

    // Mute the warnings about the batch hosts, not what is critical there.
    await silence({
      matchers: [
        { name: 'instance', value: 'batch-.*', isRegex: true },
        { name: 'severity', value: 'critical', isEqual: false },
      ],
    });
    await fire('batch-1');
    await fire('batch-2', { severity: 'critical' });
    expect([alertsAbout('batch-1'), alertsAbout('batch-2')]).toEqual([0, 1]);
  });

  it('matches other events by their tags, and by environment, level or release where they have no such tag', async () => {
    const event = (body: Record<string, unknown>) => h.request('POST', `${PROJECT}/events`, body);
    await silence({
      matchers: [
        { name: 'release', value: 'web@1\\..*', isRegex: true },
        { name: 'level', value: 'warning' },
      ],
    });
    expect((await event({ message: 'Slow page 1', level: 'warning', release: 'web@1.4.0' })).status).toBe(
      202,
    );
    expect((await event({ message: 'Slow page 2', level: 'warning', release: 'web@2.0.0' })).status).toBe(
      202,
    );
    expect((await event({ message: 'Slow page 3', level: 'error', release: 'web@1.4.0' })).status).toBe(202);
    // A tag of the name wins over the field.
    expect(
      (
        await event({
          message: 'Slow page 4',
          level: 'warning',
          release: 'web@3.0.0',
          tags: { release: 'web@1.0' },
        })
      ).status,
    ).toBe(202);
    await settle();
    expect(hooked.filter((title) => title.startsWith('Slow page')).sort()).toEqual([
      'Slow page 2',
      'Slow page 3',
    ]);
  });

  it("a resolution Alertmanager sends still resolves the issue, and a silenced regression still tells the issue's subscribers", async () => {
    await silence({ matchers: [{ name: 'instance', value: 'db-8' }] });
    await fire('db-8');
    const issue = (await issueOf('db-8'))!;
    const follow = await h.request('POST', `/api/v1/issues/${issue.id}/subscription`, { userId: memberId });
    expect(follow.status).toBeLessThan(300);

    const resolution = await h.request(
      'POST',
      ALERTS,
      [
        {
          labels: { alertname: 'DiskFull', instance: 'db-8', severity: 'warning' },
          annotations: { summary: 'Disk of db-8 is full' },
          startsAt: iso(clock.now() - 5 * MINUTE),
          endsAt: iso(clock.now() - 1_000),
        },
      ],
      { token: prometheus },
    );
    expect(resolution.status).toBe(200);
    await settle();
    expect((await issueOf('db-8'))!.status).toBe('resolved');
    expect(await notificationsOf(issue.id, 'resolved')).toHaveLength(1);

    await fire('db-8');
    expect((await issueOf('db-8'))!.status).toBe('unresolved');
    expect(await notificationsOf(issue.id, 'regression')).toHaveLength(1);
    expect(await notificationsOf(issue.id, 'issue_alert')).toEqual([]);
    expect(alertsAbout('db-8')).toBe(0);
  });
});
