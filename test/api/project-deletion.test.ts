import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { PROJECT_PURGE_DELAY_MS } from '../../src/tenancy/project-deletion.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { type Received, startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface DeliveryView {
  id: string;
  channel: string;
  status: string;
  reason: string | null;
  nextAttemptAt: string | null;
}

/**
 * A project that is deleted is gone at once: not listed nor found, its DSN and ingest paths refused as an
 * unknown project's, nothing more sent about it; its slug can be taken again, and a purge in the
 * background leaves no row of it.
 */
describe.skipIf(SKIP_PROFILE)('deleting a project', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  let smtp: { port: number; mails: Received[]; close(): Promise<void> };
  /** What the webhook receiver got: the issue title of each arrival. */
  const arrivals: string[] = [];
  /** The status the receiver answers for titles starting with a key (500 by default for `Flaky`). */
  const answers = new Map<string, number>([
    ['Flaky', 500],
    ['Broken', 400],
  ]);
  const id: Record<string, string> = {};
  let old: { id: string; number: number; dsn: string } = { id: '', number: 0, dsn: '' };

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };
  const ingest = (project: string, message: string) =>
    h.request('POST', `/api/v1/projects/acme/${project}/events`, {
      level: 'error',
      message,
      user: { id: 'customer-1' },
    });
  /** A Sentry SDK's store call with the project's DSN. */
  const sdkStore = (dsn: string, message: string) => {
    const url = new URL(dsn);
    return h.request('POST', `/api/${url.pathname.slice(1)}/store/`, undefined, {
      token: null,
      raw: JSON.stringify({ message, level: 'error' }),
      headers: {
        'content-type': 'application/json',
        'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${url.username}, sentry_client=test/1.0`,
      },
    });
  };
  const deliveries = async (query = ''): Promise<DeliveryView[]> => {
    const page = await h.request('GET', `/api/v1/orgs/acme/notifications?limit=200${query}`);
    expect(page.status).toBe(200);
    return page.body.data.flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries);
  };
  const tokenFor = async (userId: string) =>
    (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'web' })).body.token as string;

  beforeAll(async () => {
    sink = await startHttpPeer((_req, body, res) => {
      const title = (JSON.parse(body.toString()) as { data: { issue: { title: string } } }).data.issue.title;
      arrivals.push(title);
      const status = [...answers].find(([prefix]) => title.startsWith(prefix))?.[1] ?? 200;
      res.writeHead(status).end();
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    smtp = await startSmtpPeer(clock);
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    expect((await connectSmtp(h, smtp.port)).status).toBe(201);
    id.owner = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'olga@acme.test', role: 'owner' })
    ).body.userId;
    id.member = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'max@acme.test' })
    ).body.userId;
    id.team = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', memberIds: [id.member] })
    ).body.id;
    const project = await h.request('POST', '/api/v1/orgs/acme/projects', {
      slug: 'api',
      teamIds: [id.team],
    });
    expect(project.status).toBe(201);
    old = project.body;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web' });
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name: 'Receiver',
      config: { url: `${sink.url}/hook` },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    id.hook = hook.body.id;
    for (const slug of ['api', 'web']) {
      const rule = await h.request('POST', `/api/v1/projects/acme/${slug}/rules`, {
        name: `Every event of ${slug}`,
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: [
          { id: 'webhook', integration: id.hook },
          { id: 'notify_email', targetType: 'Member', targetIdentifier: id.member },
        ],
      });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      id[`rule-${slug}`] = rule.body.id;
    }
    // A rule with an action interval, so the project's issues have a firing state.
    const once = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'New issues of api',
      frequency: 60,
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'webhook', integration: id.hook }],
    });
    expect(once.status, JSON.stringify(once.body)).toBe(201);
    id['rule-once'] = once.body.id;
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await smtp?.close();
  });

  it('a member may not delete a project; nothing changes', async () => {
    const refused = await h.request('DELETE', '/api/v1/orgs/acme/projects/api', undefined, {
      token: await tokenFor(id.member!),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await h.request('GET', '/api/v1/orgs/acme/projects/api')).status).toBe(200);
  });

  it('an owner deletes it: gone at once, its DSN refused, what waited not sent', async () => {
    // Its data and configuration: an event through the DSN, an issue with a subscriber, a release,
    // issue owners, a snooze, a silence and a person's setting scoped to it.
    expect((await sdkStore(old.dsn, 'Sent through the DSN')).status).toBe(200);
    const first = await ingest('api', 'Checkout fails');
    expect(first.status).toBe(202);
    id.issue = first.body.issueId;
    await settle();
    // Both reached the receiver; their deliveries run side by side, so in either order.
    expect([...arrivals].sort()).toEqual(['Checkout fails', 'Sent through the DSN']);
    expect(smtp.mails).toHaveLength(2);
    expect(
      (await h.request('POST', `/api/v1/issues/${id.issue}/subscription`, { userId: id.member })).status,
    ).toBe(200);
    const release = await h.request('POST', '/api/v1/projects/acme/api/releases', {
      version: '1.0.0',
      commits: [{ id: 'c1', message: 'Fix', authorEmail: 'max@acme.test' }],
    });
    expect(release.status).toBe(201);
    expect(
      (
        await h.request('POST', '/api/v1/projects/acme/api/releases/1.0.0/deploys', {
          environment: 'production',
        })
      ).status,
    ).toBe(201);
    const owners = await h.request('PUT', '/api/v1/projects/acme/api/ownership', undefined, {
      raw: 'path:src/* max@acme.test',
      headers: { 'content-type': 'text/plain' },
    });
    expect(owners.status).toBe(200);
    const snooze = await h.request('POST', `/api/v1/projects/acme/api/rules/${id['rule-once']}/snooze`, {
      target: 'me',
      userId: id.member,
    });
    expect(snooze.status).toBe(201);
    // A silence of a host none of its events come from, so every alert below still fires.
    const silence = await h.request('POST', '/api/v1/projects/acme/api/silences', {
      matchers: [{ name: 'instance', value: 'db-9' }],
      endsAt: new Date(clock.now() + 86_400_000).toISOString(),
      comment: 'Maintenance of db-9',
    });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);
    // An inhibit rule whose source none of its events match.
    const inhibition = await h.request('POST', '/api/v1/projects/acme/api/inhibit-rules', {
      sourceMatchers: [{ name: 'alertname', value: 'DatacenterDown' }],
      targetMatchers: [{ name: 'severity', value: 'warning' }],
      equal: ['datacenter'],
    });
    expect(inhibition.status, JSON.stringify(inhibition.body)).toBe(201);
    const setting = await h.request('PUT', `/api/v1/users/${id.owner}/notification-settings`, {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'project', scopeId: old.id, value: 'never' }],
    });
    expect(setting.status).toBe(200);

    // One alert waits for its retry (the receiver failed), another died (the receiver refused it), an
    // email about the issue seen again waits for the person's digest.
    expect((await ingest('api', 'Flaky payment provider')).status).toBe(202);
    expect((await ingest('api', 'Broken receipt')).status).toBe(202);
    expect((await ingest('api', 'Checkout fails')).status).toBe(202);
    await settle();
    const before = await deliveries();
    const waiting = before.find((d) => d.status === 'failed');
    const dead = before.find((d) => d.status === 'dead');
    const digested = before.find((d) => d.status === 'digested');
    expect(waiting).toBeDefined();
    expect(dead).toBeDefined();
    expect(digested).toMatchObject({ channel: 'email' });
    const sent = arrivals.length;
    const mailed = smtp.mails.length;

    const deleted = await h.request('DELETE', '/api/v1/orgs/acme/projects/api', undefined, {
      token: await tokenFor(id.owner!),
    });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    // Gone from every list and lookup, and from the paths under it.
    const list = await h.request('GET', '/api/v1/orgs/acme/projects');
    expect(list.body.data.map((p: { slug: string }) => p.slug)).toEqual(['web']);
    const get = await h.request('GET', '/api/v1/orgs/acme/projects/api');
    expect(get.status).toBe(404);
    expect(get.body.error).toMatchObject({ code: 'not_found', message: 'Project "api" not found' });
    expect((await h.request('GET', '/api/v1/projects/acme/api/issues')).status).toBe(404);
    expect((await h.request('GET', '/api/v1/projects/acme/api/rules')).status).toBe(404);
    expect((await h.request('GET', `/api/v1/issues/${id.issue}`)).status).toBe(404);
    expect(
      (await h.request('POST', `/api/v1/issues/${id.issue}/subscription`, { userId: id.member })).status,
    ).toBe(404);
    const settings = await h.request('GET', `/api/v1/users/${id.member}/notification-settings`);
    expect(JSON.stringify(settings.body)).not.toContain(old.id);

    // Its ingest paths answer as for a project that never was: the DSN as Relay does (403), the API's
    // event and Alertmanager paths 404.
    const sdk = await sdkStore(old.dsn, 'After the deletion');
    const unknown = await sdkStore(old.dsn.replace(/\/\d+$/, '/999999'), 'To nowhere');
    expect(sdk.status).toBe(403);
    expect(sdk.body).toEqual(unknown.body);
    const event = await ingest('api', 'After the deletion');
    expect(event.status).toBe(404);
    expect(event.body.error.code).toBe('not_found');
    const alerts = await h.request('POST', '/api/v1/projects/acme/api/alertmanager/api/v2/alerts', [
      { labels: { alertname: 'DiskFull' }, startsAt: new Date(clock.now()).toISOString() },
    ]);
    expect(alerts.status).toBe(404);

    // What waited is suppressed and says why; past its retry, nothing arrives; the dead letter is not
    // replayed. The history stays readable.
    const after = await deliveries();
    for (const held of [waiting!, digested!]) {
      expect(after.find((d) => d.id === held.id)).toMatchObject({
        status: 'suppressed',
        reason: 'project_deleted',
        nextAttemptAt: null,
      });
    }
    expect(after.find((d) => d.id === dead!.id)).toMatchObject({ status: 'dead' });
    const retryAt = Date.parse(waiting!.nextAttemptAt!);
    expect(retryAt).toBeLessThan(clock.now() + PROJECT_PURGE_DELAY_MS);
    clock.set(retryAt + 1_000);
    await settle();
    expect(arrivals).toHaveLength(sent);
    expect(smtp.mails).toHaveLength(mailed);
    const replay = await h.request('POST', `/api/v1/orgs/acme/deliveries/${dead!.id}/retry`);
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toBe('This delivery was not replayed: its project was deleted');
    await settle();
    expect(arrivals).toHaveLength(sent);
    const history = await h.request('GET', '/api/v1/orgs/acme/notifications?limit=200');
    const about = history.body.data.filter((n: { projectId: string }) => n.projectId === old.id);
    expect(about.length).toBeGreaterThanOrEqual(4);
    expect((await h.request('GET', `/api/v1/orgs/acme/notifications/${about[0].id}`)).status).toBe(200);
    expect((await h.request('GET', '/api/v1/orgs/acme/deliveries?status=suppressed')).status).toBe(200);

    // The other project goes on as before.
    expect((await ingest('web', 'Page is blank')).status).toBe(202);
    await settle();
    expect(arrivals.at(-1)).toBe('Page is blank');
  });

  it('deleting again, or a project that never was, is a 404 naming it', async () => {
    const again = await h.request('DELETE', '/api/v1/orgs/acme/projects/api');
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe('Project "api" not found');
    const never = await h.request('DELETE', '/api/v1/orgs/acme/projects/nowhere');
    expect(never.status).toBe(404);
    expect(never.body.error.message).toBe('Project "nowhere" not found');
  });

  it('its slug can be taken again by a new project, which the old DSN does not reach', async () => {
    const created = await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe(old.id);
    expect(created.body.dsn).not.toBe(old.dsn);
    expect((await h.request('GET', '/api/v1/projects/acme/api/issues')).body.data).toEqual([]);
    expect((await h.request('GET', '/api/v1/projects/acme/api/rules')).body.data).toEqual([]);
    expect((await ingest('api', 'A new beginning')).status).toBe(202);
    expect((await sdkStore(created.body.dsn, 'Through the new DSN')).status).toBe(200);
    expect((await sdkStore(old.dsn, 'Through the old DSN')).status).toBe(403);
  });

  it('its rules, gone with it, no longer keep a team they sent to from being deleted', async () => {
    const crew = (await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'crew' })).body.id;
    expect((await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'mobile' })).status).toBe(201);
    const rule = await h.request('POST', '/api/v1/projects/acme/mobile/rules', {
      name: 'Crashes to the crew',
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Team', targetIdentifier: crew }],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    expect((await h.request('DELETE', `/api/v1/orgs/acme/teams/${crew}`)).status).toBe(409);

    expect((await h.request('DELETE', '/api/v1/orgs/acme/projects/mobile')).status).toBe(204);
    // Before the purge: the rule's row is still there, and sends nothing more.
    expect((await h.request('DELETE', `/api/v1/orgs/acme/teams/${crew}`)).status).toBe(204);
  });

  it('the purge in the background leaves no row of it', async () => {
    const db = h.engine.store.db;
    const rowsOf = async () => {
      const issues = db.selectFrom('issues').select('id').where('project_id', '=', old.id);
      const rules = db.selectFrom('rules').select('id').where('project_id', '=', old.id);
      const releases = db.selectFrom('releases').select('id').where('project_id', '=', old.id);
      const count = async (query: { execute(): Promise<unknown[]> }) => (await query.execute()).length;
      return {
        projects: await count(db.selectFrom('projects').select('id').where('id', '=', old.id)),
        project_teams: await count(
          db.selectFrom('project_teams').select('team_id').where('project_id', '=', old.id),
        ),
        events: await count(db.selectFrom('events').select('id').where('project_id', '=', old.id)),
        issues: await count(issues),
        issue_environments: await count(
          db.selectFrom('issue_environments').select('issue_id').where('issue_id', 'in', issues),
        ),
        issue_users: await count(
          db.selectFrom('issue_users').select('issue_id').where('issue_id', 'in', issues),
        ),
        issue_counts: await count(
          db.selectFrom('issue_counts').select('issue_id').where('issue_id', '=', id.issue!),
        ),
        issue_user_buckets: await count(
          db.selectFrom('issue_user_buckets').select('issue_id').where('issue_id', '=', id.issue!),
        ),
        issue_subscriptions: await count(
          db.selectFrom('issue_subscriptions').select('issue_id').where('issue_id', '=', id.issue!),
        ),
        rules: await count(rules),
        rule_snoozes: await count(
          db.selectFrom('rule_snoozes').select('rule_id').where('rule_id', 'in', rules),
        ),
        silences: await count(db.selectFrom('silences').select('id').where('project_id', '=', old.id)),
        inhibit_rules: await count(
          db.selectFrom('inhibit_rules').select('id').where('project_id', '=', old.id),
        ),
        rule_fire_state: await count(
          db.selectFrom('rule_fire_state').select('rule_id').where('issue_id', '=', id.issue!),
        ),
        ownership_rules: await count(
          db.selectFrom('ownership_rules').select('project_id').where('project_id', '=', old.id),
        ),
        releases: await count(releases),
        release_commits: await count(
          db.selectFrom('release_commits').select('release_id').where('release_id', 'in', releases),
        ),
        notification_settings: await count(
          db.selectFrom('notification_settings').select('owner_id').where('scope_id', '=', old.id),
        ),
        digests: await count(db.selectFrom('digests').select('id').where('project_id', '=', old.id)),
        digest_keys: await count(
          db.selectFrom('digest_keys').select('key').where('key', 'like', `${old.id}:%`),
        ),
        digest_seen_issues: await count(
          db.selectFrom('digest_seen_issues').select('key').where('issue_id', '=', id.issue!),
        ),
        jobs: await count(db.selectFrom('jobs').select('id').where('payload', 'like', `%${old.id}%`)),
      };
    };
    const none = Object.fromEntries(Object.keys(await rowsOf()).map((table) => [table, 0]));

    // Until the purge runs, the row and the data are kept (hidden); then nothing of it is left.
    const kept = await rowsOf();
    for (const table of [
      'projects',
      'events',
      'issues',
      'issue_environments',
      'issue_users',
      'issue_counts',
      'issue_user_buckets',
      'issue_subscriptions',
      'rules',
      'rule_snoozes',
      'silences',
      'inhibit_rules',
      'rule_fire_state',
      'releases',
      'release_commits',
      'digests',
      'digest_keys',
      'digest_seen_issues',
    ] as const)
      expect(kept[table], table).toBeGreaterThan(0);
    // What the deletion removed at once.
    expect(kept).toMatchObject({ project_teams: 0, ownership_rules: 0, notification_settings: 0 });
    const mailed = smtp.mails.length;
    const sent = arrivals.length;
    clock.set(clock.now() + PROJECT_PURGE_DELAY_MS);
    await settle();
    expect(await rowsOf()).toEqual(none);
    // The digest it dropped never went out.
    clock.set(clock.now() + 3_600_000);
    await settle();
    expect(smtp.mails).toHaveLength(mailed);
    expect(arrivals).toHaveLength(sent);

    // The history of what was sent about it stays readable, and the new project with its slug works.
    expect((await h.request('GET', '/api/v1/orgs/acme/notifications?limit=200')).status).toBe(200);
    expect((await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead')).status).toBe(200);
    expect((await h.request('GET', '/api/v1/projects/acme/api/issues')).body.data).toHaveLength(2);
  });
});
