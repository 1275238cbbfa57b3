import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Personal tokens act as their member: everyone reads, owners and admins change configuration. */
describe.skipIf(SKIP_PROFILE)('member roles with personal tokens', () => {
  let h: TestHerald;
  let owner = '';
  let member = '';
  let ownerId = '';
  let memberId = '';
  let outsider = '';
  let ruleId = '';

  const tokenFor = async (userId: string) =>
    (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'web' })).body.token as string;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs', { slug: 'other' });
    ownerId = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'o@acme.test', role: 'owner' }))
      .body.userId;
    memberId = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'm@acme.test' })).body.userId;
    const outsiderId = (
      await h.request('POST', '/api/v1/orgs/other/members', { email: 'x@other.test', role: 'owner' })
    ).body.userId;
    [owner, member, outsider] = await Promise.all([
      tokenFor(ownerId),
      tokenFor(memberId),
      tokenFor(outsiderId),
    ]);
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    ruleId = (
      await h.request('POST', '/api/v1/projects/acme/api/rules', {
        name: 'All new',
        conditions: [{ id: 'first_seen_event' }],
        actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: memberId }],
      })
    ).body.id;
  });
  afterAll(() => h?.close());

  it('an owner changes configuration with their own token', async () => {
    const created = await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web' }, { token: owner });
    expect(created.status).toBe(201);
  });

  it('a member reads configuration and history but cannot change it', async () => {
    expect(
      (await h.request('GET', '/api/v1/projects/acme/api/rules', undefined, { token: member })).status,
    ).toBe(200);
    expect(
      (await h.request('GET', '/api/v1/orgs/acme/notifications', undefined, { token: member })).status,
    ).toBe(200);
    const refused = await h.request(
      'PUT',
      `/api/v1/projects/acme/api/rules/${ruleId}`,
      { name: 'Hijacked', conditions: [], actions: [{ id: 'notify_email', targetType: 'IssueOwners' }] },
      { token: member },
    );
    expect(refused.status).toBe(403);
    const rule = await h.request('GET', `/api/v1/projects/acme/api/rules/${ruleId}`);
    expect(rule.body.name).toBe('All new');
  });

  it('a member mutes a rule for themselves, not for everyone nor for someone else', async () => {
    const snooze = `/api/v1/projects/acme/api/rules/${ruleId}/snooze`;
    const muted = await h.request('POST', snooze, { target: 'me' }, { token: member });
    expect(muted.status).toBe(201);
    const named = await h.request('POST', snooze, { target: 'me', userId: memberId }, { token: member });
    expect(named.status).toBe(201);
    expect((await h.request('DELETE', `${snooze}?target=me`, undefined, { token: member })).status).toBe(204);

    for (const body of [{ target: 'everyone' }, { target: 'me', userId: ownerId }]) {
      const refused = await h.request('POST', snooze, body, { token: member });
      expect(refused.status).toBe(403);
    }
    const byOwner = await h.request('POST', snooze, { target: 'everyone' }, { token: owner });
    expect(byOwner.status).toBe(201);
    const lift = await h.request('DELETE', `${snooze}?target=everyone`, undefined, { token: member });
    expect(lift.status).toBe(403);
    const rule = await h.request('GET', `/api/v1/projects/acme/api/rules/${ruleId}`);
    expect(rule.body.snoozes.map((z: { target: string }) => z.target)).toEqual(['everyone']);
    expect((await h.request('DELETE', `${snooze}?target=everyone`, undefined, { token: owner })).status).toBe(
      204,
    );
  });

  it("another organization's owner gets 404s, not 403s", async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/projects/acme/api/rules'],
      ['POST', '/api/v1/orgs/acme/projects'],
      ['GET', '/api/v1/orgs/acme/notifications'],
    ] as const) {
      const answer = await h.request(method, path, method === 'POST' ? { slug: 'mine' } : undefined, {
        token: outsider,
      });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
  });
});
