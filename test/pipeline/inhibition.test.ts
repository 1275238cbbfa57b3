import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { pagedOpsProject } from '../helpers/ops-org.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { parsePromText } from '../helpers/prom-text.js';

const PROJECT = '/api/v1/projects/ops/infra';
const ALERTS = `${PROJECT}/alertmanager/api/v2/alerts`;
const RULES = `${PROJECT}/inhibit-rules`;
const MINUTE = 60_000;

interface ListedAlert {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

/**
 * Alertmanager's inhibition, as its users know it: while the critical DiskFull of a host fires, its
 * warning DiskFull (same alertname, same instance) fires no alert rule; the warning of another host
 * does. Inhibited events are still stored and grouped, and the alert list says what inhibits them.
 */
describe.skipIf(SKIP_PROFILE)('inhibit rules in the pipeline', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let prometheus = '';
  let criticalRule = '';
  /** Issue titles the webhook received, in order. */
  const hooked: string[] = [];

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const post = async (alert: Record<string, unknown>) => {
    const sent = await h.request('POST', ALERTS, [alert], { token: prometheus });
    expect(sent.status).toBe(200);
    await settle();
    // One clock tick apart, so each firing has a start of its own.
    clock.advance(1_000);
  };
  /** A new firing (a new start, so a new event) of `alertname` on `instance` at `severity`, settled. */
  const fire = (alertname: string, instance: string, severity: string, labels: Record<string, string> = {}) =>
    post({
      labels: { alertname, instance, severity, ...labels },
      annotations: { summary: `${alertname} ${severity} on ${instance}` },
      startsAt: iso(clock.now() - 1_000),
      endsAt: iso(clock.now() + 4 * MINUTE),
    });
  /** How many alerts the webhook got with this summary. */
  const alertsAbout = (summary: string) => hooked.filter((title) => title.includes(summary)).length;
  const issueOf = async (summary: string) => {
    const issues = await h.request('GET', `${PROJECT}/issues?limit=100`);
    return (issues.body.data as { id: string; title: string; timesSeen: number; status: string }[]).find(
      (i) => i.title.includes(summary),
    );
  };
  const inhibitedCount = async () => {
    const text = (await h.request('GET', '/metrics', undefined, { token: null })).text;
    return parsePromText(text).find((s) => s.name === 'herald_events_inhibited_total')?.value ?? 0;
  };
  const rule = async (body: Record<string, unknown>) => {
    const created = await h.request('POST', RULES, body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };

  beforeAll(async () => {
    sink = await startHttpPeer((_req, body, res) => {
      hooked.push((JSON.parse(body.toString()) as { data: { issue: { title: string } } }).data.issue.title);
      res.writeHead(200).end();
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    prometheus = await pagedOpsProject(h, `${sink.url}/hook`);
    criticalRule = await rule({
      sourceMatchers: [{ name: 'severity', value: 'critical' }],
      targetMatchers: [{ name: 'severity', value: 'warning' }],
      equal: ['alertname', 'instance'],
      comment: 'A critical alert says it all',
    });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  it('a critical DiskFull on db-1 mutes the warning DiskFull on db-1, not the one on db-2, and the alert list says so', async () => {
    const before = await inhibitedCount();
    await fire('DiskFull', 'db-1', 'critical');
    await fire('DiskFull', 'db-1', 'warning');
    await fire('DiskFull', 'db-2', 'warning');
    // A critical alert of another name on db-1 does not mute the DiskFull warning: alertname differs.
    await fire('CpuHot', 'db-1', 'critical');
    await fire('DiskFull', 'db-1', 'warning');
    expect(alertsAbout('DiskFull critical on db-1')).toBe(1);
    expect(alertsAbout('DiskFull warning on db-1')).toBe(0);
    expect(alertsAbout('DiskFull warning on db-2')).toBe(1);
    // Stored and grouped all the same.
    const muted = await issueOf('DiskFull warning on db-1');
    expect(muted).toMatchObject({ status: 'unresolved', timesSeen: 2 });
    expect(await inhibitedCount()).toBe(before + 2);

    const source = (await issueOf('DiskFull critical on db-1'))!.id;
    const listed = (await h.request('GET', ALERTS, undefined, { token: prometheus })).body as ListedAlert[];
    const statusOf = (instance: string, severity: string, alertname = 'DiskFull') =>
      listed.find(
        (a) =>
          a.labels.alertname === alertname &&
          a.labels.instance === instance &&
          a.labels.severity === severity,
      )?.status;
    expect(statusOf('db-1', 'warning')).toEqual({
      state: 'suppressed',
      silencedBy: [],
      inhibitedBy: [source],
    });
    expect(statusOf('db-1', 'critical')).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
    expect(statusOf('db-2', 'warning')?.state).toBe('active');
    // amtool's `--inhibited=false` leaves it out; `--active=false` keeps only the suppressed.
    const query = async (q: string) =>
      ((await h.request('GET', `${ALERTS}${q}`, undefined, { token: prometheus })).body as ListedAlert[]).map(
        (a) => `${a.labels.alertname} ${a.labels.severity} ${a.labels.instance}`,
      );
    expect(await query('?inhibited=false')).not.toContain('DiskFull warning db-1');
    expect(await query('?active=false')).toEqual(['DiskFull warning db-1']);
    // The muted issue names what mutes it; the source and db-2's warning are muted by nothing.
    const read = async (id: string) => (await h.request('GET', `/api/v1/issues/${id}`)).body;
    expect(await read(muted!.id)).toMatchObject({ inhibitedBy: [source], silencedBy: [] });
    expect((await read(source)).inhibitedBy).toEqual([]);
    expect((await read((await issueOf('DiskFull warning on db-2'))!.id)).inhibitedBy).toEqual([]);
  });

  it('once the critical alert is resolved (its endsAt passed), the next warning fires', async () => {
    await fire('DiskFull', 'db-1', 'warning');
    expect(alertsAbout('DiskFull warning on db-1')).toBe(0);
    const startsAt = clock.now() - 2 * MINUTE;
    await post({
      labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical' },
      annotations: { summary: 'DiskFull critical on db-1' },
      startsAt: iso(startsAt),
      endsAt: iso(clock.now() - 1_000),
    });
    expect((await issueOf('DiskFull critical on db-1'))!.status).toBe('resolved');
    await fire('DiskFull', 'db-1', 'warning');
    expect(alertsAbout('DiskFull warning on db-1')).toBe(1);
  });

  it('an alert matching both sides does not inhibit itself, nor one that also does; it inhibits one matching the target only', async () => {
    await rule({
      sourceMatchers: [{ name: 'alertname', value: 'HostDown' }],
      targetMatchers: [{ name: 'instance', value: 'db-5' }],
      equal: ['instance', 'zone'],
    });
    // HostDown on db-5 matches both sides: it fires, again and again, and so does a second one.
    await fire('HostDown', 'db-5', 'page');
    await fire('HostDown', 'db-5', 'page');
    await fire('HostDown', 'db-5', 'page', { job: 'node' });
    expect(alertsAbout('HostDown page on db-5')).toBe(3);
    // Neither has a zone, nor has this one: a label missing on both sides is equal.
    await fire('Latency', 'db-5', 'page');
    expect(alertsAbout('Latency page on db-5')).toBe(0);
    // One with a zone differs from the sources on it.
    await fire('Latency', 'db-5', 'page', { zone: 'eu-1' });
    expect(alertsAbout('Latency page on db-5')).toBe(1);
  });

  it('any event is a source or a target by its tags', async () => {
    const sent = await h.request('POST', `${PROJECT}/events`, {
      message: 'Disk of db-9 is gone',
      level: 'fatal',
      tags: { alertname: 'DiskFull', instance: 'db-9', severity: 'critical' },
    });
    expect(sent.status).toBe(202);
    await settle();
    await fire('DiskFull', 'db-9', 'warning');
    expect(alertsAbout('DiskFull warning on db-9')).toBe(0);
  });

  it('each inhibit rule says how many events it muted and when it last did; one that muted nothing says so', async () => {
    const read = async (id: string) => (await h.request('GET', `${RULES}/${id}`)).body;
    const nodeDown = await rule({
      sourceMatchers: [{ name: 'alertname', value: 'NodeDown' }],
      targetMatchers: [{ name: 'alertname', value: 'Http.*', isRegex: true }],
      equal: ['instance'],
      comment: 'A node down says it all',
    });
    const idle = await rule({
      sourceMatchers: [{ name: 'alertname', value: 'PowerOut' }],
      targetMatchers: [{ name: 'severity', value: 'warning' }],
    });
    await fire('NodeDown', 'web-1', 'critical');
    await fire('HttpSlow', 'web-1', 'warning');
    await fire('HttpErrors', 'web-1', 'warning');
    // A second rule that inhibits the same events counts the ones it mutes too.
    const web1 = await rule({
      sourceMatchers: [{ name: 'alertname', value: 'NodeDown' }],
      targetMatchers: [{ name: 'instance', value: 'web-1' }],
    });
    const third = clock.now();
    await fire('HttpSlow', 'web-1', 'warning');
    // Another node's alert is not inhibited: nothing counts it.
    await fire('HttpSlow', 'web-2', 'warning');
    expect(alertsAbout('on web-1')).toBe(1);
    expect(alertsAbout('HttpSlow warning on web-2')).toBe(1);
    // Counted as the events are evaluated, written within a second (here at once).
    await h.engine.services.inhibitRules.flushMuted();
    expect(await read(nodeDown)).toMatchObject({ mutedEvents: 3, lastMutedAt: iso(third) });
    expect(await read(web1)).toMatchObject({ mutedEvents: 1, lastMutedAt: iso(third) });
    expect(await read(idle)).toMatchObject({ mutedEvents: 0, lastMutedAt: null });
    const listed = (await h.request('GET', RULES)).body.data as { id: string; mutedEvents: number }[];
    expect(listed.find((r) => r.id === nodeDown)?.mutedEvents).toBe(3);
  });

  it('a deleted rule stops inhibiting at once', async () => {
    await fire('DiskFull', 'db-3', 'critical');
    await fire('DiskFull', 'db-3', 'warning');
    expect(alertsAbout('DiskFull warning on db-3')).toBe(0);
    expect((await h.request('DELETE', `${RULES}/${criticalRule}`)).status).toBe(204);
    await fire('DiskFull', 'db-3', 'warning');
    expect(alertsAbout('DiskFull warning on db-3')).toBe(1);
    const listed = (await h.request('GET', ALERTS, undefined, { token: prometheus })).body as ListedAlert[];
    const diskFull = listed.filter((a) => a.labels.alertname === 'DiskFull');
    expect(diskFull.filter((a) => a.status.inhibitedBy.length > 0)).toEqual([]);
  });
});
