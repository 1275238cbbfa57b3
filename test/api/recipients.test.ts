import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import type { HeraldEvent, StackFrame } from '../../src/events/event.js';
import type { ActionTarget } from '../../src/recipients/resolve.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

function event(frames: StackFrame[]): HeraldEvent {
  return {
    eventId: 'e1',
    timestamp: 0,
    level: 'error',
    message: 'boom',
    platform: 'node',
    environment: null,
    release: null,
    type: 'error',
    tags: [],
    user: null,
    exception: { values: [{ type: 'Error', stacktrace: { frames } }] },
    request: null,
    extra: {},
    contexts: {},
    sdk: null,
    fingerprint: null,
    raw: {},
  };
}

describe.skipIf(SKIP_PROFILE)('recipients, ownership and subscriptions', () => {
  let h: TestHerald;
  const id: Record<string, string> = {};
  const billingEvent = event([{ filename: 'src/billing/invoice.ts' }]);
  const otherEvent = event([{ filename: 'lib/vendor.js' }]);

  const emails = async (target: ActionTarget, project = id.api!, e = otherEvent) =>
    (
      await h.engine.services.recipients.resolve({ orgId: id.acme!, projectId: project, target, event: e })
    ).map((u) => u.email);

  beforeAll(async () => {
    const clock = manualClock('2026-03-01T10:00:00Z');
    h = await startHerald({}, { clock });
    id.acme = (await h.request('POST', '/api/v1/orgs', { slug: 'acme' })).body.id;
    await h.request('POST', '/api/v1/orgs', { slug: 'foreign' });
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      id[name] = (
        await h.request('POST', '/api/v1/orgs/acme/members', { email: `${name}@example.com` })
      ).body.userId;
      clock.advance(1000);
    }
    id.zed = (
      await h.request('POST', '/api/v1/orgs/foreign/members', { email: 'zed@example.com' })
    ).body.userId;
    id.billing = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'billing', memberIds: [id.alice, id.bob] })
    ).body.id;
    id.web = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'web', memberIds: [id.carol] })
    ).body.id;
    id.api = (
      await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', teamIds: [id.billing, id.web] })
    ).body.id;
    id.open = (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'open' })).body.id;
    await h.request('POST', '/api/v1/orgs/foreign/projects', { slug: 'secret' });
  });
  afterAll(() => h?.close());

  it('saves ownership rules as text and shows them back', async () => {
    const text =
      'path:src/** #web\n# billing owns its folder\npath:src/billing/** #billing Dave@Example.com\n';
    const put = await h.request('PUT', '/api/v1/projects/acme/api/ownership', undefined, {
      raw: text,
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(200);
    // Its comments and blank lines stay where they were; each rule is written as Herald reads it.
    expect(put.body.raw).toBe(
      'path:src/** #web\n# billing owns its folder\npath:src/billing/** #billing dave@example.com\n',
    );
    expect(put.body.rules[1].owners).toEqual([
      { type: 'team', identifier: 'billing', id: id.billing },
      { type: 'user', identifier: 'dave@example.com', id: id.dave },
    ]);
    const get = await h.request('GET', '/api/v1/projects/acme/api/ownership');
    expect(get.body).toEqual(put.body);
    // Rules sent as a list have no comments: the text is the rules alone.
    const listed = await h.request('PUT', '/api/v1/projects/acme/open/ownership', undefined, {
      raw: '# web owns it all\npath:src/** #web',
      headers: { 'content-type': 'text/plain' },
    });
    expect(listed.body.raw).toBe('# web owns it all\npath:src/** #web');
    await h.request('PUT', '/api/v1/projects/acme/open/ownership', [
      { matcher: { type: 'path', pattern: 'lib/**' }, owners: ['#web'] },
    ]);
    expect((await h.request('GET', '/api/v1/projects/acme/open/ownership')).body.raw).toBe(
      'path:lib/** #web',
    );
    // The project owns nothing again, as the stories below expect.
    await h.request('PUT', '/api/v1/projects/acme/open/ownership', []);
  });

  it('refuses unknown owners naming the line, keeping the saved rules', async () => {
    const bad = await h.request('PUT', '/api/v1/projects/acme/api/ownership', undefined, {
      raw: 'path:src/** #web\n\nurl:*checkout* zed@example.com #nope',
      headers: { 'content-type': 'text/plain' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { path: 'line.3', message: 'zed@example.com is not a member of this organization' },
      { path: 'line.3', message: '#nope is not a team of this organization' },
    ]);
    // The same text sent as JSON, `{raw}`, is named by line too.
    const raw = await h.request('PUT', '/api/v1/projects/acme/api/ownership', {
      raw: 'path:src/** #web\n\nurl:*checkout* zed@example.com',
    });
    expect(raw.body.error.details).toEqual([
      { path: 'line.3', message: 'zed@example.com is not a member of this organization' },
    ]);
    const list = await h.request('PUT', '/api/v1/projects/acme/open/ownership', [
      { matcher: { type: 'module', pattern: 'app.*' }, owners: ['#ghost'] },
    ]);
    expect(list.status).toBe(400);
    expect(list.body.error.details[0].path).toBe('rules.0');
    expect((await h.request('GET', '/api/v1/projects/acme/api/ownership')).body.rules).toHaveLength(2);
    expect(
      (await h.request('GET', '/api/v1/projects/foreign/secret/ownership', undefined, { token: 'nope' }))
        .status,
    ).toBe(401);
  });

  it('resolves Member and Team targets to members only', async () => {
    expect(await emails({ targetType: 'Member', targetIdentifier: id.alice })).toEqual(['alice@example.com']);
    expect(await emails({ targetType: 'Member', targetIdentifier: id.zed })).toEqual([]);
    expect(await emails({ targetType: 'Team', targetIdentifier: id.billing })).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
    expect(await emails({ targetType: 'Team', targetIdentifier: 'web' })).toEqual(['carol@example.com']);
    expect(await emails({ targetType: 'Team', targetIdentifier: 'team_missing' })).toEqual([]);
  });

  it('resolves IssueOwners by the last matching rule, expanding teams', async () => {
    const owners = await emails(
      { targetType: 'IssueOwners', fallthroughType: 'NoOne' },
      id.api,
      billingEvent,
    );
    expect(owners.sort()).toEqual(['alice@example.com', 'bob@example.com', 'dave@example.com']);
    const web = event([{ filename: 'src/web/page.tsx' }]);
    expect(await emails({ targetType: 'IssueOwners', fallthroughType: 'NoOne' }, id.api, web)).toEqual([
      'carol@example.com',
    ]);
  });

  it('falls through when nobody owns the event', async () => {
    const db = h.engine.store.db;
    const now = h.clock.now();
    await db
      .updateTable('users')
      .set({ last_active_at: now - 1000 })
      .where('id', '=', id.carol!)
      .execute();
    await db
      .updateTable('users')
      .set({ last_active_at: now - 5000 })
      .where('id', '=', id.bob!)
      .execute();
    expect(await emails({ targetType: 'IssueOwners', fallthroughType: 'NoOne' })).toEqual([]);
    // Project members only (its teams), most recently active first, never-active last.
    expect(await emails({ targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' })).toEqual([
      'carol@example.com',
      'bob@example.com',
      'alice@example.com',
    ]);
    expect(await emails({ targetType: 'IssueOwners' })).toEqual(
      await emails({ targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' }),
    );
    expect(await emails({ targetType: 'IssueOwners', fallthroughType: 'AllMembers' })).toEqual([
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
    ]);
    // A project without teams is open to the whole organization.
    expect(await emails({ targetType: 'IssueOwners', fallthroughType: 'AllMembers' }, id.open)).toHaveLength(
      4,
    );
  });

  it('limits ActiveMembers to the 20 most recently active', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'big' });
    const bigId = (await h.request('GET', '/api/v1/orgs/big')).body.id;
    const project = (await h.request('POST', '/api/v1/orgs/big/projects', { slug: 'web' })).body.id;
    const now = h.clock.now();
    for (let i = 0; i < 25; i++) {
      const user = (await h.request('POST', '/api/v1/orgs/big/members', { email: `m${i}@big.example` })).body
        .userId;
      if (i % 5 !== 0) {
        await h.engine.store.db
          .updateTable('users')
          .set({ last_active_at: now - i * 60_000 })
          .where('id', '=', user)
          .execute();
      }
    }
    const found = await h.engine.services.recipients.resolve({
      orgId: bigId,
      projectId: project,
      target: { targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' },
      event: otherEvent,
    });
    const active = Array.from({ length: 25 }, (_, i) => i).filter((i) => i % 5 !== 0);
    expect(found.map((u) => u.email)).toEqual(active.map((i) => `m${i}@big.example`));
    expect(found).toHaveLength(20);
  });

  it('sends workflow activity to subscribers and `always`, an explicit unsubscribe winning', async () => {
    const ingest = await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Payment failed' });
    expect(ingest.status).toBe(202);
    const issue = ingest.body.issueId as string;
    const subs = h.engine.services.subscriptions;

    const viaApi = await h.request('POST', `/api/v1/issues/${issue}/subscription`, { userId: id.alice });
    expect(viaApi.body).toEqual({ issueId: issue, userId: id.alice, subscribed: true, reason: 'explicit' });
    await subs.subscribe(issue, id.bob!, 'assigned');
    const unsub = await h.request('DELETE', `/api/v1/issues/${issue}/subscription?userId=${id.bob}`);
    expect(unsub.body).toMatchObject({ subscribed: false, reason: 'explicit' });
    // A later automatic subscription does not undo the person's own choice.
    expect(await subs.subscribe(issue, id.bob!, 'commented')).toMatchObject({ subscribed: false });
    for (const user of [id.bob, id.carol]) {
      await h.request('PUT', `/api/v1/users/${user}/notification-settings`, {
        settings: [{ type: 'workflow', channel: 'email', scopeType: 'user', scopeId: user, value: 'always' }],
      });
    }

    const all = await h.engine.services.recipients.workflowRecipients(issue, null);
    expect(all.map((r) => [r.email, r.subscribed, r.reason])).toEqual([
      ['alice@example.com', true, 'explicit'],
      ['carol@example.com', false, 'setting'],
    ]);
    const byAlice = await h.engine.services.recipients.workflowRecipients(issue, id.alice!);
    expect(byAlice.map((r) => r.email)).toEqual(['carol@example.com']);
    await h.request('PUT', `/api/v1/users/${id.alice}/notification-settings`, {
      options: { selfNotifications: true },
    });
    const selfToo = await h.engine.services.recipients.workflowRecipients(issue, id.alice!);
    expect(selfToo.map((r) => r.email)).toEqual(['alice@example.com', 'carol@example.com']);
  });

  it('lets a personal token follow an issue of its organization only', async () => {
    const token = (await h.request('POST', `/api/v1/users/${id.dave}/tokens`, {})).body.token;
    const issue = (await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Timeout' })).body
      .issueId;
    const own = await h.request('POST', `/api/v1/issues/${issue}/subscription`, undefined, { token });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ userId: id.dave, subscribed: true });
    const other = await h.request(
      'POST',
      `/api/v1/issues/${issue}/subscription`,
      { userId: id.alice },
      { token },
    );
    expect(other.status).toBe(404);
    const foreign = (await h.request('POST', '/api/v1/projects/foreign/secret/events', { message: 'x' })).body
      .issueId;
    expect(
      (await h.request('POST', `/api/v1/issues/${foreign}/subscription`, undefined, { token })).status,
    ).toBe(404);
    const noUser = await h.request('POST', `/api/v1/issues/${issue}/subscription`, {});
    expect(noUser.status).toBe(400);
    expect(noUser.body.error.details[0].path).toBe('userId');
    const stranger = await h.request('POST', `/api/v1/issues/${issue}/subscription`, { userId: id.zed });
    expect(stranger.body.error.details[0].path).toBe('userId');
  });
});
