import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { alertEnds } from '../../src/events/alert-ends.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const ALERTS = '/api/v1/projects/ops/infra/alertmanager/api/v2/alerts';

/** Prometheus posts alerts to a project through Alertmanager's v2 API. */
describe.skipIf(SKIP_PROFILE)('Alertmanager-compatible ingest', () => {
  let h: TestHerald;
  let token = '';
  const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
  const firing = (instance: string, startsAt = iso(-60_000)) => ({
    labels: { alertname: 'DiskFull', instance, severity: 'warning', environment: 'production' },
    annotations: { summary: `Disk of ${instance} is 95% full` },
    startsAt,
    endsAt: iso(4 * 60_000),
    generatorURL: 'http://prometheus.local/graph?g0.expr=disk',
  });
  const issues = async () =>
    (await h.request('GET', '/api/v1/projects/ops/infra/issues?limit=100')).body.data as {
      id: string;
      title: string;
      level: string;
      status: string;
      timesSeen: number;
    }[];

  beforeAll(async () => {
    h = await startHerald({ role: 'api' });
    await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
    token = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'prometheus' })).body.token;
  });
  afterAll(() => h?.close());

  it('answers 200 with no body and groups each label set into one issue', async () => {
    const res = await h.request('POST', ALERTS, [firing('db-1'), firing('db-2')], { token });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const list = await issues();
    expect(list).toHaveLength(2);
    expect(list.map((i) => i.title).sort()).toEqual([
      'DiskFull: Disk of db-1 is 95% full',
      'DiskFull: Disk of db-2 is 95% full',
    ]);
    expect(list.every((i) => i.level === 'warning' && i.status === 'unresolved')).toBe(true);
    const detail = await h.request('GET', `/api/v1/issues/${list[0]!.id}`);
    expect(detail.body.environments).toEqual([{ name: 'production', firstSeen: expect.any(String) }]);
    expect(detail.body.latestEvent.tags).toEqual(
      expect.arrayContaining([
        ['alertname', 'DiskFull'],
        ['severity', 'warning'],
      ]),
    );
  });

  it('counts a re-sent firing once and a new firing of the same alert into the same issue', async () => {
    const first = firing('db-3', iso(-120_000));
    await h.request('POST', ALERTS, [first], { token });
    await h.request('POST', ALERTS, [{ ...first, endsAt: iso(5 * 60_000) }], { token });
    await h.request('POST', ALERTS, [firing('db-3', iso(-10_000))], { token });
    const issue = (await issues()).filter((i) => i.title.includes('db-3'));
    expect(issue).toHaveLength(1);
    expect(issue[0]!.timesSeen).toBe(2);
  });

  it('resolves the issue of an alert whose endsAt has passed, without counting an event', async () => {
    const alert = firing('db-4');
    await h.request('POST', ALERTS, [alert], { token });
    const before = (await issues()).find((i) => i.title.includes('db-4'))!;
    const res = await h.request('POST', ALERTS, [{ ...alert, endsAt: iso(-1000) }], { token });
    expect(res.status).toBe(200);
    const after = await h.request('GET', `/api/v1/issues/${before.id}`);
    expect(after.body).toMatchObject({ status: 'resolved', timesSeen: before.timesSeen });
    // Prometheus keeps re-sending the resolution: nothing changes, nothing reopens.
    await h.request('POST', ALERTS, [{ ...alert, endsAt: iso(-1000) }], { token });
    expect((await h.request('GET', `/api/v1/issues/${before.id}`)).body.status).toBe('resolved');
    // A resolved alert that was never seen firing is accepted and leaves nothing behind.
    const unseen = await h.request('POST', ALERTS, [{ ...firing('db-9'), endsAt: iso(-1000) }], { token });
    expect(unseen.status).toBe(200);
    expect((await issues()).some((i) => i.title.includes('db-9'))).toBe(false);
  });

  it('rejects a malformed body naming the fields, and other organizations cannot post', async () => {
    const bad = await h.request(
      'POST',
      ALERTS,
      [{ labels: {} }, { ...firing('x'), startsAt: iso(0), endsAt: iso(-60_000) }],
      { token },
    );
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).join(' ');
    expect(paths).toContain('labels');
    expect(paths).toContain('endsAt');

    await h.request('POST', '/api/v1/orgs', { slug: 'rival' });
    const rival = (await h.request('POST', '/api/v1/orgs/rival/api-keys', { name: 'k' })).body.token;
    expect((await h.request('POST', ALERTS, [firing('db-5')], { token: rival })).status).toBe(404);
    expect((await h.request('POST', ALERTS, [firing('db-5')], { token: null })).status).toBe(401);
  });

  it('takes the valid alerts of a batch and names the refused ones in a 400, as Alertmanager does', async () => {
    const withEmpty = { ...firing('db-31'), labels: { ...firing('db-31').labels, team: '' } };
    const res = await h.request('POST', ALERTS, [firing('db-30'), { labels: {} }, withEmpty], { token });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '1.labels', message: 'must have at least one label' }]);
    expect(res.body.error.message).toMatch(/^1 of 3 alerts refused \(the others were taken\)/);
    const taken = (await issues()).filter((i) => /db-3[01]/.test(i.title));
    expect(taken.map((i) => i.title).sort()).toEqual([
      'DiskFull: Disk of db-30 is 95% full',
      'DiskFull: Disk of db-31 is 95% full',
    ]);
    // An empty label is no label: the alert is the one sent without it.
    await h.request('POST', ALERTS, [firing('db-31')], { token });
    const db31 = (await issues()).filter((i) => i.title.includes('db-31'));
    expect(db31).toHaveLength(1);
    expect(db31[0]!.timesSeen).toBe(1);
    const detail = await h.request('GET', `/api/v1/issues/${db31[0]!.id}`);
    expect(detail.body.latestEvent.tags.map(([name]: [string]) => name)).not.toContain('team');
    // Not a list at all: refused whole.
    const notList = await h.request('POST', ALERTS, { labels: { alertname: 'X' } }, { token });
    expect(notList.status).toBe(400);
  });

  it('refuses an alert with a NUL character, which no store can take, and takes the others of its batch', async () => {
    const nul = { ...firing('db-33'), annotations: { summary: 'disk\u0000full' } };
    const res = await h.request('POST', ALERTS, [firing('db-32'), nul, firing('db-34')], { token });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: '1.annotations.summary', message: 'must not contain the NUL character (U+0000)' },
    ]);
    expect(res.body.error.message).toMatch(/^1 of 3 alerts refused \(the others were taken\)/);
    const taken = (await issues()).filter((i) => /db-3[234]/.test(i.title));
    expect(taken.map((i) => i.title).sort()).toEqual([
      'DiskFull: Disk of db-32 is 95% full',
      'DiskFull: Disk of db-34 is 95% full',
    ]);
    // Anywhere else in the API, a NUL character still refuses the whole request.
    const silence = await h.request(
      'POST',
      '/api/v1/projects/ops/infra/silences',
      { matchers: [{ name: 'instance', value: 'db\u00001' }], endsAt: iso(3_600_000), comment: 'x' },
      { token },
    );
    expect(silence.status).toBe(400);
  });

  it('an event of the events API cannot pass itself off as a Prometheus alert; one posted here is one', async () => {
    const spoof = {
      message: 'Looks like an alert',
      extra: {
        alertmanager: { fingerprint: 'aaaaaaaaaaaaaaaa', annotations: { runbook_url: 'https://x.test' } },
      },
    };
    const posted = await h.request('POST', '/api/v1/projects/ops/infra/events', spoof, { token });
    expect(posted.status, posted.text).toBe(202);
    const batch = await h.request(
      'POST',
      '/api/v1/projects/ops/infra/events/batch',
      { events: [spoof] },
      { token },
    );
    expect(batch.status, batch.text).toBe(202);
    const extraOf = async (issueId: string) =>
      (await h.engine.services.issues.latestEvent(issueId))?.event.extra;
    expect(await extraOf(posted.body.issueId)).not.toHaveProperty('alertmanager');
    expect(await extraOf(batch.body.results[0].issueId)).not.toHaveProperty('alertmanager');
    await h.request('POST', ALERTS, [firing('db-35')], { token });
    const alert = (await issues()).find((i) => i.title.includes('db-35'))!;
    expect(await extraOf(alert.id)).toHaveProperty('alertmanager.fingerprint');
  });

  it("takes Prometheus's basic_auth: the API key as the password, any user name", async () => {
    const basic = (user: string, password: string) => ({
      token: null,
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    const sent = await h.request('POST', ALERTS, [firing('basic-1')], basic('prometheus', token));
    expect(sent.status).toBe(200);
    expect((await issues()).some((i) => i.title.includes('basic-1'))).toBe(true);
    expect(
      (await h.request('POST', ALERTS, [firing('basic-2')], basic('prometheus', 'hrk_wrong'))).status,
    ).toBe(401);
    expect((await h.request('POST', ALERTS, [firing('basic-3')], basic(token, ''))).status).toBe(401);
  });
});

/** `amtool alert query` and dashboards such as karma read a project's firing alerts back. */
describe.skipIf(SKIP_PROFILE)('Alertmanager-compatible alert list', () => {
  let h: TestHerald;
  let token = '';
  let member = '';
  const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
  const firing = (instance: string, startsAt: string) => ({
    labels: { alertname: 'DiskFull', instance, severity: 'warning' },
    annotations: { summary: `Disk of ${instance} is 95% full` },
    startsAt,
    endsAt: iso(4 * 60_000),
    generatorURL: 'http://prometheus.local/graph?g0.expr=disk',
  });
  const list = async (query = '', as = token) => {
    const res = await h.request('GET', `${ALERTS}${query}`, undefined, { token: as });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { labels: Record<string, string>; status: { state: string; silencedBy: string[] } }[];
  };
  const instances = async (query = '') => (await list(query)).map((a) => a.labels.instance);
  let silenceId = '';

  beforeAll(async () => {
    h = await startHerald({ role: 'api' });
    await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
    token = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'prometheus' })).body.token;
    const userId = (
      await h.request('POST', '/api/v1/orgs/ops/members', { email: 'max@ops.test', role: 'member' })
    ).body.userId;
    member = (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'cli' })).body.token;

    await h.request('POST', ALERTS, [firing('db-1', iso(-120_000)), firing('db-2', iso(-60_000))], { token });
    // Fired, then resolved.
    const gone = firing('db-3', iso(-180_000));
    await h.request('POST', ALERTS, [gone], { token });
    await h.request('POST', ALERTS, [{ ...gone, endsAt: iso(-1000) }], { token });
    // An event that is not an alert, however much it looks like one.
    const sentry = await h.request(
      'POST',
      '/api/v1/projects/ops/infra/events',
      {
        message: 'DiskFull on db-4',
        logger: 'alertmanager',
        tags: { alertname: 'DiskFull', instance: 'db-4' },
      },
      { token },
    );
    expect(sentry.status).toBe(202);
    silenceId = (
      await h.request(
        'POST',
        '/api/v1/projects/ops/infra/alertmanager/api/v2/silences',
        {
          matchers: [{ name: 'instance', value: 'db-1', isRegex: false, isEqual: true }],
          startsAt: iso(0),
          endsAt: iso(3_600_000),
          comment: 'Disk swap',
        },
        { token },
      )
    ).body.silenceID;
  });
  afterAll(() => h?.close());

  it("lists the firing alerts in Alertmanager's shape, the silenced one suppressed by its silence", async () => {
    const alerts = await list();
    expect(alerts.map((a) => a.labels.instance)).toEqual(['db-2', 'db-1']);
    expect(alerts[1]).toEqual({
      labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' },
      annotations: { summary: 'Disk of db-1 is 95% full' },
      startsAt: iso(-120_000),
      endsAt: iso(4 * 60_000),
      updatedAt: iso(0),
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      receivers: [{ name: 'infra' }],
      status: { state: 'suppressed', silencedBy: [silenceId], inhibitedBy: [] },
      generatorURL: 'http://prometheus.local/graph?g0.expr=disk',
    });
    expect(alerts[0]!.status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
    // A member of the organization reads them too; another organization finds no project.
    expect((await list('', member)).length).toBe(2);
    await h.request('POST', '/api/v1/orgs', { slug: 'rival' });
    const rival = (await h.request('POST', '/api/v1/orgs/rival/api-keys', { name: 'k' })).body.token;
    expect((await h.request('GET', ALERTS, undefined, { token: rival })).status).toBe(404);
    expect((await h.request('GET', ALERTS, undefined, { token: null })).status).toBe(401);
  });

  it("takes amtool's query: silenced, active and filter", async () => {
    expect(await instances('?silenced=false&inhibited=false&unprocessed=false&active=true')).toEqual([
      'db-2',
    ]);
    expect(await instances('?active=false')).toEqual(['db-1']);
    expect(await instances(`?filter=${encodeURIComponent('instance="db-2"')}`)).toEqual(['db-2']);
    expect(
      await instances(
        `?filter=${encodeURIComponent('alertname=DiskFull')}&filter=${encodeURIComponent('instance=~"db-.*"')}`,
      ),
    ).toEqual(['db-2', 'db-1']);
    expect(await instances(`?filter=${encodeURIComponent('team!=""')}`)).toEqual([]);
    const bad = await h.request('GET', `${ALERTS}?filter=${encodeURIComponent('=oops')}`, undefined, {
      token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.filter.0');
    const notBool = await h.request('GET', `${ALERTS}?silenced=maybe`, undefined, { token });
    expect(notBool.status).toBe(400);
    expect(notBool.body.error.details[0].path).toBe('query.silenced');
  });

  it('groups the firing alerts by alertname for dashboards such as karma, with the same filters', async () => {
    const groups = async (query = '') => {
      const res = await h.request('GET', `${ALERTS}/groups${query}`, undefined, { token: member });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { labels: Record<string, string>; receiver: { name: string }; alerts: unknown[] }[];
    };
    const cpu = { ...firing('web-1', iso(-30_000)), labels: { alertname: 'CpuHigh', instance: 'web-1' } };
    (h.clock as ManualClock).advance(1000);
    expect((await h.request('POST', ALERTS, [cpu], { token })).status).toBe(200);
    const all = await list();
    const named = (alertname: string) => all.filter((a) => a.labels.alertname === alertname);
    // Groups in the order of their most recent alert, each alert as GET …/alerts gives it.
    expect(await groups()).toEqual([
      { labels: { alertname: 'CpuHigh' }, receiver: { name: 'infra' }, alerts: named('CpuHigh') },
      { labels: { alertname: 'DiskFull' }, receiver: { name: 'infra' }, alerts: named('DiskFull') },
    ]);
    expect(named('DiskFull').map((a) => a.labels.instance)).toEqual(['db-2', 'db-1']);
    // Only what a silence suppresses: db-1's DiskFull.
    expect((await groups('?active=false')).map((g) => [g.labels.alertname, g.alerts.length])).toEqual([
      ['DiskFull', 1],
    ]);
    expect(await groups(`?filter=${encodeURIComponent('instance="db-9"')}`)).toEqual([]);
    const receivers = await h.request('GET', ALERTS.replace(/alerts$/, 'receivers'), undefined, {
      token: member,
    });
    expect(receivers.body).toEqual([{ name: 'infra' }]);
    const status = await h.request('GET', ALERTS.replace(/alerts$/, 'status'), undefined, { token: member });
    expect(status.body).toMatchObject({
      cluster: { status: 'disabled', peers: [] },
      versionInfo: { version: '0.25.0' },
      config: { original: expect.stringContaining('receiver: "infra"') },
    });
  });
});

/**
 * Alertmanager resolves an alert whose end passes without its being sent again (Prometheus stopped, lost
 * its way, or its rule is gone): so does Herald, with the alert's issue.
 */
describe.skipIf(SKIP_PROFILE)('Alertmanager-compatible alert ends', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let token = '';
  const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
  const firing = (instance: string) => ({
    labels: { alertname: 'DiskFull', instance, severity: 'warning' },
    annotations: { summary: `Disk of ${instance} is 95% full` },
    startsAt: iso(-60_000),
    endsAt: iso(4 * 60_000),
  });
  const issues = async () =>
    (await h.request('GET', '/api/v1/projects/ops/infra/issues?limit=100')).body.data as {
      id: string;
      title: string;
      status: string;
    }[];

  beforeAll(async () => {
    h = await startHerald({ role: 'api' });
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
    token = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'prometheus' })).body.token;
  });
  afterAll(() => h?.close());

  it("resolves an alert's issue once its latest end passes without its being sent again, as Alertmanager does", async () => {
    const alert = firing('db-20');
    await h.request('POST', ALERTS, [alert], { token });
    const issue = (await issues()).find((i) => i.title.includes('db-20'))!;
    // Re-sent three minutes on with an end further ahead: the first end (4 minutes) no longer counts.
    clock.advance(3 * 60_000);
    const moved = iso(4 * 60_000);
    await h.request('POST', ALERTS, [{ ...alert, endsAt: moved }], { token });
    // An earlier end sent later does not cut it short.
    await h.request('POST', ALERTS, [{ ...alert, endsAt: iso(60_000) }], { token });
    clock.advance(2 * 60_000);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    const listed = await h.request(
      'GET',
      `${ALERTS}?filter=${encodeURIComponent('instance="db-20"')}`,
      undefined,
      {
        token,
      },
    );
    expect(listed.body.map((a: { endsAt: string }) => a.endsAt)).toEqual([moved]);
    // The issue says when, as its page does.
    expect((await h.request('GET', `/api/v1/issues/${issue.id}`)).body.alertEndsAt).toBe(moved);

    // It stops firing at its end, not after it, as Alertmanager has it.
    clock.advance(2 * 60_000 - 1);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    expect((await h.request('GET', `/api/v1/issues/${issue.id}`)).body.status).toBe('unresolved');
    clock.advance(1);
    // Ended for Alertmanager, it is no longer listed as firing, even before a sweep resolves its issue.
    const ended = await h.request(
      'GET',
      `${ALERTS}?filter=${encodeURIComponent('instance="db-20"')}`,
      undefined,
      {
        token,
      },
    );
    expect(ended.body).toEqual([]);
    expect(await h.engine.services.alertEnds.sweep()).toBe(1);
    const after = await h.request('GET', `/api/v1/issues/${issue.id}`);
    expect(after.body).toMatchObject({ status: 'resolved', timesSeen: 1, alertEndsAt: null });
    expect(after.body.resolvedAt).toBe(iso(0));
  });

  it('gives an alert sent without endsAt five minutes from its latest sending (the resolve timeout)', async () => {
    const { endsAt: _, ...alert } = firing('db-21');
    await h.request('POST', ALERTS, [alert], { token });
    const issue = (await issues()).find((i) => i.title.includes('db-21'))!;
    clock.advance(4 * 60_000);
    await h.request('POST', ALERTS, [alert], { token });
    clock.advance(5 * 60_000 - 1);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    clock.advance(1);
    const end = iso(0);
    // The sweep comes up to 2 s later: the issue was resolved when the alert ended.
    clock.advance(1500);
    expect(await h.engine.services.alertEnds.sweep()).toBe(1);
    expect((await h.request('GET', `/api/v1/issues/${issue.id}`)).body).toMatchObject({
      status: 'resolved',
      resolvedAt: end,
    });
  });

  it('counts an alert sent again and again without startsAt as one firing until it ends, as Alertmanager keeps its start', async () => {
    // A script posting its alert every minute, with labels only.
    const alert = { labels: { alertname: 'BackupFailed', host: 'db-22' } };
    const detail = async (id: string) => (await h.request('GET', `/api/v1/issues/${id}`)).body;
    const started = clock.now();
    await h.request('POST', ALERTS, [alert], { token });
    const issue = (await issues()).find((i) => i.title === 'BackupFailed')!;
    for (let minute = 1; minute <= 3; minute++) {
      clock.advance(60_000);
      expect((await h.request('POST', ALERTS, [alert], { token })).status).toBe(200);
    }
    expect(await detail(issue.id)).toMatchObject({ status: 'unresolved', timesSeen: 1 });
    const listed = await h.request(
      'GET',
      `${ALERTS}?filter=${encodeURIComponent('host="db-22"')}`,
      undefined,
      {
        token,
      },
    );
    expect(listed.body.map((a: { startsAt: string }) => Date.parse(a.startsAt))).toEqual([started]);

    // Not sent for the resolve timeout, it ends; sent again, it is a firing of its own.
    clock.advance(5 * 60_000);
    expect(await h.engine.services.alertEnds.sweep()).toBe(1);
    expect((await detail(issue.id)).status).toBe('resolved');
    clock.advance(60_000);
    await h.request('POST', ALERTS, [alert], { token });
    clock.advance(60_000);
    await h.request('POST', ALERTS, [alert], { token });
    expect(await detail(issue.id)).toMatchObject({ status: 'unresolved', timesSeen: 2 });
    // Its sender resolves it, as Prometheus would: it ends no later sweep.
    await h.request('POST', ALERTS, [{ ...alert, endsAt: iso(-1000) }], { token });
    expect((await detail(issue.id)).status).toBe('resolved');
  });

  it('a sweep that cannot resolve (its transaction fails) leaves the alerts to the next one, which resolves them', async () => {
    await h.request('POST', ALERTS, [firing('db-25'), firing('db-26')], { token });
    clock.advance(4 * 60_000);
    const { db, dialect } = h.engine.store;
    // The first transaction fails (a full disk, a lost connection); the next does not.
    let failures = 1;
    const flaky = new Proxy(db, {
      get(target, property) {
        if (property === 'transaction' && failures > 0) {
          failures--;
          return () => ({ execute: () => Promise.reject(new Error('disk I/O error')) });
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const sweeper = alertEnds({ db: flaky, dialect, clock, logger: h.engine.logger });
    const statuses = async () =>
      (await issues()).filter((i) => /db-2[56]/.test(i.title)).map((i) => i.status);
    expect(await sweeper.sweep()).toBe(0);
    expect(await statuses()).toEqual(['unresolved', 'unresolved']);
    expect(await sweeper.sweep()).toBe(2);
    expect(await statuses()).toEqual(['resolved', 'resolved']);
  });

  it('spreads the resolutions of many alerts ending at once over sweeps, a bounded number each', async () => {
    const many = Array.from({ length: 7 }, (_, i) => firing(`web-${i}`));
    expect((await h.request('POST', ALERTS, many, { token })).status).toBe(200);
    clock.advance(4 * 60_000);
    const { db, dialect } = h.engine.store;
    const sweeper = alertEnds({ db, dialect, clock, logger: h.engine.logger, maxPerSweep: 3 });
    expect(await sweeper.sweep()).toBe(3);
    expect(await sweeper.sweep()).toBe(3);
    expect(await sweeper.sweep()).toBe(1);
    expect(await sweeper.sweep()).toBe(0);
    const open = (await issues()).filter((i) => i.title.includes('web-') && i.status !== 'resolved');
    expect(open).toEqual([]);
  });

  it('takes the resolve timeout from HERALD_ALERT_RESOLVE_TIMEOUT_MS', async () => {
    const quick = await startHerald({ role: 'api', alertResolveTimeoutMs: 60_000 });
    try {
      await quick.request('POST', '/api/v1/orgs', { slug: 'ops' });
      await quick.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
      const { endsAt: _, ...alert } = {
        ...firing('db-24'),
        startsAt: new Date(quick.clock.now() - 60_000).toISOString(),
      };
      expect((await quick.request('POST', ALERTS, [alert])).status).toBe(200);
      (quick.clock as ManualClock).advance(60_000);
      expect(await quick.engine.services.alertEnds.sweep()).toBe(1);
      const status = await quick.request('GET', ALERTS.replace(/alerts$/, 'status'));
      expect(status.body.config.original).toContain('resolve_timeout: 1m');
    } finally {
      await quick.close();
    }
  });

  it('leaves alone an issue a person reopened, or that Prometheus resolved, when its alert ends', async () => {
    const reopened = firing('db-22');
    const resolvedBySender = firing('db-23');
    await h.request('POST', ALERTS, [reopened, resolvedBySender], { token });
    const ids = Object.fromEntries((await issues()).map((i) => [i.title.split(' ')[3], i.id]));
    await h.request('PATCH', `/api/v1/issues/${ids['db-22']}`, { status: 'resolved' });
    await h.request('PATCH', `/api/v1/issues/${ids['db-22']}`, { status: 'unresolved' });
    await h.request('POST', ALERTS, [{ ...resolvedBySender, endsAt: iso(-1) }], { token });
    await h.request('PATCH', `/api/v1/issues/${ids['db-23']}`, { status: 'unresolved' });
    clock.advance(10 * 60_000);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    for (const id of [ids['db-22'], ids['db-23']])
      expect((await h.request('GET', `/api/v1/issues/${id}`)).body.status).toBe('unresolved');
  });
});

/**
 * An Alertmanager's webhook receiver: an installation that keeps its Alertmanager points a
 * `webhook_configs` entry at a project; Alertmanager decides when an alert ends and says so.
 */
describe.skipIf(SKIP_PROFILE)("an Alertmanager's webhook", () => {
  const WEBHOOK = '/api/v1/projects/ops/infra/alertmanager/webhook';
  let h: TestHerald;
  let clock: ManualClock;
  let token = '';
  const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
  const alert = (instance: string, status: 'firing' | 'resolved', endsAt = '0001-01-01T00:00:00Z') => ({
    status,
    labels: { alertname: 'QueueStuck', instance, severity: 'critical' },
    annotations: { summary: `Queue on ${instance} is not draining` },
    startsAt: iso(-120_000),
    endsAt,
    generatorURL: 'http://prometheus.local/graph?g0.expr=queue',
    fingerprint: 'ignored-herald-computes-its-own',
  });
  /** Alertmanager's webhook body (version 4) for these alerts. */
  const message = (alerts: readonly { readonly status: string }[]) => ({
    version: '4',
    groupKey: '{}:{alertname="QueueStuck"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'herald',
    groupLabels: { alertname: 'QueueStuck' },
    commonLabels: { alertname: 'QueueStuck', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local:9093',
    alerts,
  });
  const issueOf = async (instance: string) =>
    (
      (await h.request('GET', '/api/v1/projects/ops/infra/issues?limit=100')).body.data as {
        id: string;
        title: string;
        status: string;
        timesSeen: number;
      }[]
    ).find((i) => i.title.includes(instance));

  beforeAll(async () => {
    h = await startHerald({ role: 'api' });
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
    token = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'alertmanager' })).body.token;
  });
  afterAll(() => h?.close());

  it('keeps a firing alert open until Alertmanager sends it resolved, however long that takes', async () => {
    const firing = alert('mq-1', 'firing');
    const sent = await h.request('POST', WEBHOOK, message([firing, alert('mq-2', 'firing')]), { token });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.text).toBe('');
    const issue = (await issueOf('mq-1'))!;
    expect(issue).toMatchObject({ title: 'QueueStuck: Queue on mq-1 is not draining', status: 'unresolved' });
    // Alertmanager repeats the group (repeat_interval) and adds to it: a repeat is the same firing.
    clock.advance(4 * 3600_000);
    await h.request('POST', WEBHOOK, message([firing, alert('mq-2', 'firing'), alert('mq-3', 'firing')]), {
      token,
    });
    // No resolve timeout applies: Alertmanager keeps the alert's end itself.
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    expect(await issueOf('mq-1')).toMatchObject({ status: 'unresolved', timesSeen: 1 });
    const listed = await h.request(
      'GET',
      `/api/v1/projects/ops/infra/alertmanager/api/v2/alerts?filter=${encodeURIComponent('instance="mq-1"')}`,
      undefined,
      { token },
    );
    expect(listed.body.map((a: { endsAt: string }) => a.endsAt)).toEqual(['0001-01-01T00:00:00.000Z']);

    const endedAt = iso(-30_000);
    const resolved = await h.request('POST', WEBHOOK, message([alert('mq-1', 'resolved', endedAt)]), {
      token,
    });
    expect(resolved.status).toBe(200);
    expect(await issueOf('mq-1')).toMatchObject({ status: 'resolved', timesSeen: 1 });
    expect((await issueOf('mq-2'))!.status).toBe('unresolved');
    // A resolution whose end is ahead of Herald's clock (clocks differ) resolves all the same.
    await h.request('POST', WEBHOOK, message([alert('mq-2', 'resolved', iso(60_000))]), { token });
    expect((await issueOf('mq-2'))!.status).toBe('resolved');
  });

  it("a firing sent straight by Prometheus, then through Alertmanager's webhook, loses its end", async () => {
    const direct = { ...alert('mq-4', 'firing', iso(60_000)) };
    await h.request('POST', '/api/v1/projects/ops/infra/alertmanager/api/v2/alerts', [direct], { token });
    await h.request('POST', WEBHOOK, message([alert('mq-4', 'firing')]), { token });
    clock.advance(10 * 60_000);
    expect(await h.engine.services.alertEnds.sweep()).toBe(0);
    expect((await issueOf('mq-4'))!.status).toBe('unresolved');
  });

  it("takes Grafana's webhook contact point, whose body is Alertmanager's with more", async () => {
    const grafana = (status: 'firing' | 'resolved', endsAt: string) => ({
      receiver: 'Herald',
      status,
      orgId: 1,
      alerts: [
        {
          status,
          labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1', grafana_folder: 'Infra' },
          annotations: {
            description: 'The system has high memory usage',
            runbook_url: 'https://runbooks.test/memory',
            summary: 'This alert was triggered for zone us-1',
          },
          startsAt: '2026-03-01T08:51:03.157076+01:00',
          endsAt,
          generatorURL: 'https://grafana.test/alerting/grafana/1afz29v7z/view',
          fingerprint: 'c6eadffa33fcdf37',
          silenceURL: 'https://grafana.test/alerting/silence/new?matchers=alertname%3DHigh+memory+usage',
          dashboardURL: '',
          panelURL: '',
          values: { B: 44.23943737541908, C: 1 },
          valueString: "[ var='B' labels={} value=44.23943737541908 ]",
        },
      ],
      groupLabels: { alertname: 'High memory usage' },
      commonLabels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      commonAnnotations: {},
      externalURL: 'https://grafana.test/',
      version: '1',
      groupKey: '{}:{alertname="High memory usage"}',
      truncatedAlerts: 0,
      title: '[FIRING:1] High memory usage (blue us-1)',
      state: 'alerting',
      message: '**Firing**\n\nValue: B=44.23943737541908',
    });
    const firing = await h.request('POST', WEBHOOK, grafana('firing', '0001-01-01T00:00:00Z'), { token });
    expect(firing.status, firing.text).toBe(200);
    const issue = (await issueOf('zone us-1'))!;
    expect(issue).toMatchObject({
      title: 'High memory usage: This alert was triggered for zone us-1',
      status: 'unresolved',
    });
    const resolved = await h.request('POST', WEBHOOK, grafana('resolved', iso(-5_000)), { token });
    expect(resolved.status, resolved.text).toBe(200);
    expect((await issueOf('zone us-1'))!.status).toBe('resolved');
  });

  it('refuses what is not an Alertmanager webhook body, and a bad alert of one alone', async () => {
    const notAm = await h.request('POST', WEBHOOK, [alert('mq-5', 'firing')], { token });
    expect(notAm.status).toBe(400);
    const bad = { ...alert('mq-6', 'firing'), annotations: { summary: 'nul \u0000 here' } };
    const unlabelled: { status: string; labels: Record<string, string> } = alert('mq-9', 'firing');
    unlabelled.labels = {};
    const partly = await h.request('POST', WEBHOOK, message([alert('mq-7', 'firing'), bad, unlabelled]), {
      token,
    });
    expect(partly.status).toBe(400);
    expect(partly.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'alerts.1.annotations.summary',
      'alerts.2.labels',
    ]);
    expect(partly.body.error.message).toMatch(/^2 of 3 alerts refused \(the others were taken\)/);
    expect((await issueOf('mq-7'))!.status).toBe('unresolved');
    expect(await issueOf('mq-6')).toBeUndefined();
    const anonymous = await h.request('POST', WEBHOOK, message([alert('mq-8', 'firing')]), { token: null });
    expect(anonymous.status).toBe(401);
  });
});
