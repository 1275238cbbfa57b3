import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, type ManualClock, manualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const ISSUES = '/api/v1/projects/acme/api/issues';
const EVENTS = '/api/v1/projects/acme/api/events';

describe.skipIf(SKIP_PROFILE)('issues API', () => {
  let h: TestHerald;
  let ids: Record<string, string>;
  let memberId: string;
  let teamId: string;
  let outsiderId: string;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    memberId = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'dev@acme.test' })).body.userId;
    teamId = (await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', name: 'Backend' })).body
      .id;
    await h.request('POST', '/api/v1/orgs', { slug: 'other' });
    outsiderId = (await h.request('POST', '/api/v1/orgs/other/members', { email: 'x@other.test' })).body
      .userId;
    ids = {};
    // Seen in this order, one minute apart: the list shows the newest first.
    for (const [name, body] of [
      ['db', { message: 'Database connection refused', environment: 'production' }],
      ['cache', { message: 'Cache warm-up slow', environment: 'staging', level: 'warning' }],
      ['auth', { message: 'Token expired for user', environment: 'production' }],
    ] as const) {
      ids[name] = (await h.request('POST', EVENTS, body)).body.issueId;
      (h.clock as ManualClock).advance(60_000);
    }
  });
  afterAll(() => h?.close());

  const titles = async (query = '') =>
    (await h.request('GET', `${ISSUES}${query}`)).body.data.map(
      (i: { id: string }) => Object.entries(ids).find(([, id]) => id === i.id)?.[0],
    );

  it('lists issues newest first and pages with a cursor', async () => {
    expect(await titles()).toEqual(['auth', 'cache', 'db']);
    const first = await h.request('GET', `${ISSUES}?limit=2`);
    expect(first.body.data).toHaveLength(2);
    const second = await h.request('GET', `${ISSUES}?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((i: { id: string }) => i.id)).toEqual([ids.db]);
    expect(second.body.nextCursor).toBeNull();
    const bad = await h.request('GET', `${ISSUES}?limit=500`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.limit');
  });

  it('filters by text, environment and status', async () => {
    expect(await titles('?query=CONNECTION')).toEqual(['db']);
    expect(await titles('?query=100%25')).toEqual([]);
    expect(await titles('?environment=staging')).toEqual(['cache']);
    expect(await titles('?environment=production')).toEqual(['auth', 'db']);
    await h.request('PATCH', `/api/v1/issues/${ids.cache}`, { status: 'resolved' });
    expect(await titles('?status=resolved')).toEqual(['cache']);
    expect(await titles('?status=unresolved')).toEqual(['auth', 'db']);
  });

  it('resolves, ignores with conditions, and unresolves', async () => {
    const resolved = await h.request('PATCH', `/api/v1/issues/${ids.db}`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    // Resolved again later (a second click, someone else): it was resolved when it first was.
    (h.clock as ManualClock).advance(60_000);
    const again = await h.request('PATCH', `/api/v1/issues/${ids.db}`, { status: 'resolved' });
    expect(again.body.resolvedAt).toBe(resolved.body.resolvedAt);
    const regression = await h.request('POST', EVENTS, { message: 'Database connection refused' });
    expect(regression.body).toMatchObject({ issueId: ids.db, isRegression: true });

    const until = '2099-01-01T00:00:00.000Z';
    const ignored = await h.request('PATCH', `/api/v1/issues/${ids.db}`, {
      status: 'ignored',
      ignoreUntil: until,
      ignoreCount: 100,
    });
    expect(ignored.body).toMatchObject({ status: 'ignored', ignoreUntil: until, ignoreCount: 100 });
    const stillIgnored = await h.request('POST', EVENTS, { message: 'Database connection refused' });
    expect(stillIgnored.body.isRegression).toBe(false);
    expect((await h.request('GET', `/api/v1/issues/${ids.db}`)).body.status).toBe('ignored');

    const misplaced = await h.request('PATCH', `/api/v1/issues/${ids.db}`, {
      status: 'resolved',
      ignoreCount: 5,
    });
    expect(misplaced.status).toBe(400);
    expect(misplaced.body.error.details).toEqual([
      { path: 'ignoreCount', message: 'applies only with status ignored' },
    ]);

    const back = await h.request('PATCH', `/api/v1/issues/${ids.db}`, { status: 'unresolved' });
    expect(back.body).toMatchObject({
      status: 'unresolved',
      ignoreUntil: null,
      ignoreCount: null,
      resolvedAt: null,
    });
  });

  it('assigns to a member or a team of the organization only, and names the assignee', async () => {
    const toMember = await h.request('PATCH', `/api/v1/issues/${ids.auth}`, {
      assignee: { type: 'user', id: memberId },
    });
    // A member added without a name is named after their email's local part.
    expect(toMember.body.assignee).toEqual({ type: 'user', id: memberId, name: 'dev' });
    const listed = await h.request('GET', ISSUES);
    const assignees = listed.body.data.map((i: { id: string; assignee: unknown }) => [i.id, i.assignee]);
    expect(Object.fromEntries(assignees)).toEqual({
      [ids.auth!]: { type: 'user', id: memberId, name: 'dev' },
      [ids.cache!]: null,
      [ids.db!]: null,
    });
    const toTeam = await h.request('PATCH', `/api/v1/issues/${ids.auth}`, {
      assignee: { type: 'team', id: teamId },
    });
    expect(toTeam.body.assignee).toEqual({ type: 'team', id: teamId, name: 'Backend' });
    const outsider = await h.request('PATCH', `/api/v1/issues/${ids.auth}`, {
      assignee: { type: 'user', id: outsiderId },
    });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.details[0].path).toBe('assignee.id');
    expect((await h.request('GET', `/api/v1/issues/${ids.auth}`)).body.assignee).toEqual({
      type: 'team',
      id: teamId,
      name: 'Backend',
    });
    const cleared = await h.request('PATCH', `/api/v1/issues/${ids.auth}`, { assignee: null });
    expect(cleared.body.assignee).toBeNull();
  });

  it("hides another organization's issues behind 404", async () => {
    const key = (await h.request('POST', '/api/v1/orgs/other/api-keys', { name: 'k' })).body.token;
    const read = await h.request('GET', `/api/v1/issues/${ids.auth}`, undefined, { token: key });
    const missing = await h.request('GET', '/api/v1/issues/iss_nope', undefined, { token: key });
    expect(read.status).toBe(404);
    expect(read.body).toEqual(missing.body);
    const patch = await h.request(
      'PATCH',
      `/api/v1/issues/${ids.auth}`,
      { status: 'resolved' },
      { token: key },
    );
    expect(patch.status).toBe(404);
    expect((await h.request('GET', ISSUES, undefined, { token: key })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/issues/${ids.auth}`)).body.status).toBe('unresolved');
  });

  it("lets a member read the project's issues with a personal token, and no one from another organization", async () => {
    const token = async (userId: string) =>
      (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'browser' })).body.token as string;
    const dev = await h.request('GET', `${ISSUES}?status=unresolved`, undefined, {
      token: await token(memberId),
    });
    expect(dev.status, dev.text).toBe(200);
    expect(dev.body.data.map((i: { id: string }) => i.id)).toContain(ids.auth);
    // The issue read with a personal token says whether that person follows it; with others it does not.
    const devToken = await token(memberId);
    const read = async () =>
      (await h.request('GET', `/api/v1/issues/${ids.db}`, undefined, { token: devToken })).body.subscription;
    expect(await read()).toBeNull();
    // Taking the issue, the person follows it, and the answer says so at once.
    const taken = await h.request(
      'PATCH',
      `/api/v1/issues/${ids.cache}`,
      { assignee: { type: 'user', id: memberId } },
      { token: devToken },
    );
    expect(taken.body.subscription).toEqual({ subscribed: true, reason: 'assigned' });
    await h.request('PATCH', `/api/v1/issues/${ids.cache}`, { assignee: null });
    await h.request('POST', `/api/v1/issues/${ids.db}/subscription`, undefined, { token: devToken });
    expect(await read()).toEqual({ subscribed: true, reason: 'explicit' });
    await h.request('DELETE', `/api/v1/issues/${ids.db}/subscription`, undefined, { token: devToken });
    expect(await read()).toEqual({ subscribed: false, reason: 'explicit' });
    expect((await h.request('GET', `/api/v1/issues/${ids.db}`)).body).not.toHaveProperty('subscription');
    const outsider = await token(outsiderId);
    const refused = await h.request('GET', ISSUES, undefined, { token: outsider });
    const missing = await h.request('GET', '/api/v1/projects/acme/nope/issues', undefined, {
      token: outsider,
    });
    expect(refused.status).toBe(404);
    expect(refused.body).toEqual(missing.body);
  });
});

/**
 * An issue resolved twice at once (two people, Prometheus's resolution and an alert's end) tells its
 * followers once: the second change finds the first made and decides again.
 */
describe.skipIf(SKIP_PROFILE)('issue status races', () => {
  let h: TestHerald;
  // A clock a millisecond on at every reading: two changes never share a time, as on a real one.
  const base = manualClock(Date.now());
  const ticking: Clock = {
    now: () => {
      base.advance(1);
      return base.now();
    },
  };

  beforeAll(async () => {
    // No workers: the activities stay in the job table to be counted.
    h = await startHerald({ role: 'api' }, { clock: ticking });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
  });
  afterAll(() => h?.close());

  it('resolving an issue twice at once writes one resolved activity', async () => {
    const issueId = (await h.request('POST', EVENTS, { message: 'Payment gateway timeout' })).body.issueId;
    const { issues } = h.engine.services;
    const both = await Promise.all([
      issues.update({ kind: 'admin' }, issueId, { status: 'resolved' }),
      issues.update({ kind: 'admin' }, issueId, { status: 'resolved' }),
    ]);
    expect(both.map((issue) => issue.status)).toEqual(['resolved', 'resolved']);
    const activities = await h.engine.store.db
      .selectFrom('jobs')
      .select('id')
      .where('id', 'like', `workflow_resolved_${issueId}_%`)
      .execute();
    expect(activities).toHaveLength(1);
  });
});
