import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface Team {
  id: string;
  name: string;
  memberIds: string[];
}

/** Changing and removing an organization's people: roles, departures, teams (Sentry's member admin). */
describe.skipIf(SKIP_PROFILE)('changing and removing members and teams', () => {
  let h: TestHerald;
  const id: Record<string, string> = {};
  const token: Record<string, string> = {};
  let otherKey = '';

  const join = async (org: string, name: string, role = 'member') => {
    const r = await h.request('POST', `/api/v1/orgs/${org}/members`, { email: `${name}@acme.test`, role });
    expect(r.status).toBe(201);
    return r.body.userId as string;
  };
  const members = async (org = 'acme') =>
    (await h.request('GET', `/api/v1/orgs/${org}/members`)).body.data as { userId: string; role: string }[];
  const roleOf = async (name: string) => (await members()).find((m) => m.userId === id[name])?.role;
  const team = async (teamId: string) =>
    ((await h.request('GET', '/api/v1/orgs/acme/teams')).body.data as Team[]).find((t) => t.id === teamId);
  const memberPath = (name: string, org = 'acme') => `/api/v1/orgs/${org}/members/${id[name] ?? name}`;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs', { slug: 'other' });
    id.olga = await join('acme', 'olga', 'owner');
    id.adam = await join('acme', 'adam', 'admin');
    for (const name of ['mia', 'ana', 'ben']) id[name] = await join('acme', name);
    id.zed = await join('other', 'zed', 'owner');
    for (const name of ['olga', 'adam', 'mia', 'zed']) {
      token[name] = (await h.request('POST', `/api/v1/users/${id[name]}/tokens`, { name: 'cli' })).body.token;
    }
    otherKey = (await h.request('POST', '/api/v1/orgs/other/api-keys', { name: 'ci' })).body.token;
    id.ops = (await h.request('POST', '/api/v1/orgs/other/teams', { slug: 'ops' })).body.id;
    id.backend = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', memberIds: [id.ana, id.ben] })
    ).body.id;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', teamIds: [id.backend] });
  });
  afterAll(() => h?.close());

  it("changes a member's role, and the list shows it", async () => {
    const changed = await h.request('PATCH', memberPath('ben'), { role: 'admin' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ userId: id.ben, email: 'ben@acme.test', role: 'admin' });
    expect(await roleOf('ben')).toBe('admin');
    expect((await h.request('PATCH', memberPath('ben'), { role: 'member' })).body.role).toBe('member');
  });

  it("refuses the person's own fields by name (they are theirs in every organization) and changes nothing", async () => {
    const personal = await h.request('PATCH', memberPath('ben'), {
      role: 'admin',
      name: 'Benny',
      locale: 'de',
    });
    expect(personal.status).toBe(400);
    expect(personal.body.error.code).toBe('invalid_input');
    expect(personal.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'locale',
      'name',
    ]);
    expect(personal.body.error.details[0].message).toContain('belongs to the person');
    const missing = await h.request('PATCH', memberPath('ben'), {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toEqual(['role']);
    const wrong = await h.request('PATCH', memberPath('ben'), { role: 'superuser' });
    expect(wrong.body.error.details.map((d: { path: string }) => d.path)).toEqual(['role']);
    expect(await roleOf('ben')).toBe('member');
    expect((await members()).find((m) => m.userId === id.ben)).toMatchObject({ name: 'ben', locale: 'en' });
  });

  it('keeps the last owner: neither demoted nor removed (409 naming the field)', async () => {
    const demote = await h.request('PATCH', memberPath('olga'), { role: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toMatchObject({
      code: 'conflict',
      message: 'olga@acme.test is the last owner of the organization: make another member an owner first',
      details: [{ path: 'role', message: 'cannot change the role of the last owner of the organization' }],
    });
    const remove = await h.request('DELETE', memberPath('olga'));
    expect(remove.status).toBe(409);
    expect(remove.body.error.details).toEqual([
      {
        path: 'userId',
        message: 'is the last owner of the organization; make another member an owner first',
      },
    ]);
    expect(await roleOf('olga')).toBe('owner');

    // With a second owner, either may step down.
    expect((await h.request('PATCH', memberPath('mia'), { role: 'owner' })).status).toBe(200);
    expect((await h.request('PATCH', memberPath('olga'), { role: 'admin' })).status).toBe(200);
    const last = await h.request('PATCH', memberPath('mia'), { role: 'member' });
    expect(last.status).toBe(409);
    expect((await h.request('PATCH', memberPath('olga'), { role: 'owner' })).status).toBe(200);
    expect((await h.request('PATCH', memberPath('mia'), { role: 'member' })).status).toBe(200);
  });

  it('of two owners stepping down at the same moment, one stays owner', async () => {
    for (let round = 0; round < 5; round++) {
      expect((await h.request('PATCH', memberPath('mia'), { role: 'owner' })).status).toBe(200);
      const answers = await Promise.all([
        h.request('PATCH', memberPath('olga'), { role: 'admin' }),
        h.request('PATCH', memberPath('mia'), { role: 'member' }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const owners = (await members()).filter((m) => m.role === 'owner');
      expect(owners).toHaveLength(1);
      if (owners[0]?.userId !== id.olga) {
        expect((await h.request('PATCH', memberPath('olga'), { role: 'owner' })).status).toBe(200);
        expect((await h.request('PATCH', memberPath('mia'), { role: 'member' })).status).toBe(200);
      }
    }
  });

  it("answers 404 for someone who is not a member here, exactly as for another organization's", async () => {
    const unknown = await h.request('PATCH', memberPath('usr_nobody'), { role: 'admin' });
    expect(unknown.status).toBe(404);
    for (const [method, path, body] of [
      ['PATCH', memberPath('zed'), { role: 'admin' }],
      ['DELETE', memberPath('zed'), undefined],
      ['PATCH', `/api/v1/orgs/acme/teams/${id.ops}`, { name: 'Mine' }],
      ['DELETE', `/api/v1/orgs/acme/teams/${id.ops}`, undefined],
      ['DELETE', '/api/v1/orgs/acme/teams/team_nope', undefined],
    ] as const) {
      const answer = await h.request(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    // Another organization's key reaches nothing of this one.
    const foreign = await h.request('DELETE', memberPath('ben'), undefined, { token: otherKey });
    expect(foreign.status).toBe(404);
    expect((await h.request('GET', `/api/v1/orgs/other/teams`)).body.data).toHaveLength(1);
    expect(await roleOf('ben')).toBe('member');
  });

  it('lets owners and admins change people with their own tokens, not plain members (403); outsiders get 404', async () => {
    const writes = [
      ['PATCH', memberPath('ben'), { role: 'admin' }],
      ['DELETE', memberPath('ben'), undefined],
      ['PATCH', `/api/v1/orgs/acme/teams/${id.backend}`, { memberIds: [] }],
      ['DELETE', `/api/v1/orgs/acme/teams/${id.backend}`, undefined],
    ] as const;
    for (const [method, path, body] of writes) {
      const byMember = await h.request(method, path, body, { token: token.mia });
      expect(byMember.status, `${method} ${path}`).toBe(403);
      expect(byMember.body.error.code).toBe('forbidden');
      const byOutsider = await h.request(method, path, body, { token: token.zed });
      expect(byOutsider.status, `${method} ${path}`).toBe(404);
    }
    expect(await roleOf('ben')).toBe('member');
    expect((await team(id.backend!))?.memberIds.sort()).toEqual([id.ana, id.ben].sort());

    // An admin manages members and admins, but makes nobody an owner and leaves owners alone.
    const byAdmin = await h.request('PATCH', memberPath('ben'), { role: 'admin' }, { token: token.adam });
    expect(byAdmin.status).toBe(200);
    expect(
      (await h.request('PATCH', memberPath('ben'), { role: 'member' }, { token: token.adam })).status,
    ).toBe(200);
    for (const [method, path, body] of [
      ['PATCH', memberPath('ben'), { role: 'owner' }],
      ['PATCH', memberPath('olga'), { role: 'member' }],
      ['DELETE', memberPath('olga'), undefined],
      ['POST', '/api/v1/orgs/acme/members', { email: 'new-owner@acme.test', role: 'owner' }],
    ] as const) {
      const refused = await h.request(method, path, body, { token: token.adam });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.message).toMatch(/^Only owners can/);
    }
    expect(await roleOf('olga')).toBe('owner');
    const members = await h.request('GET', '/api/v1/orgs/acme/members');
    expect(members.body.data.map((m: { email: string }) => m.email)).not.toContain('new-owner@acme.test');
    const added = await h.request(
      'POST',
      '/api/v1/orgs/acme/members',
      { email: 'new-admin@acme.test', role: 'admin' },
      { token: token.adam },
    );
    expect(added.status).toBe(201);
    const byOwner = await h.request('PATCH', memberPath('adam'), { role: 'owner' }, { token: token.olga });
    expect(byOwner.status).toBe(200);
    expect(
      (await h.request('PATCH', memberPath('adam'), { role: 'admin' }, { token: token.olga })).status,
    ).toBe(200);
  });

  it('renames a team and replaces its members with the whole list given', async () => {
    const renamed = await h.request('PATCH', `/api/v1/orgs/acme/teams/${id.backend}`, {
      name: 'Backend crew',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: id.backend, slug: 'backend', name: 'Backend crew' });
    expect(renamed.body.memberIds.sort()).toEqual([id.ana, id.ben].sort());

    const replaced = await h.request('PATCH', `/api/v1/orgs/acme/teams/${id.backend}`, {
      memberIds: [id.ben, id.mia],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe('Backend crew');
    expect(replaced.body.memberIds.sort()).toEqual([id.ben, id.mia].sort());
    expect((await team(id.backend!))?.memberIds.sort()).toEqual([id.ben, id.mia].sort());
    // A setting Mia scoped to the team goes when she leaves it.
    const settings = `/api/v1/users/${id.mia}/notification-settings`;
    const scoped = {
      type: 'alerts',
      channel: 'email',
      scopeType: 'team',
      scopeId: id.backend,
      value: 'never',
    };
    expect((await h.request('PUT', settings, { settings: [scoped] })).status).toBe(200);
    expect((await h.request('GET', settings)).body.settings).toHaveLength(1);
    const back = await h.request('PATCH', `/api/v1/orgs/acme/teams/${id.backend}`, {
      memberIds: [id.ana, id.ben],
    });
    expect(back.body.memberIds.sort()).toEqual([id.ana, id.ben].sort());
    expect((await h.request('GET', settings)).body.settings).toEqual([]);
  });

  it('refuses team members who are not members of the organization, naming memberIds.N, and writes nothing', async () => {
    const bad = await h.request('PATCH', `/api/v1/orgs/acme/teams/${id.backend}`, {
      name: 'Half written',
      memberIds: [id.ben, id.zed, 'usr_nobody'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { path: 'memberIds.1', message: `${id.zed} is not a member of this organization` },
      { path: 'memberIds.2', message: 'usr_nobody is not a member of this organization' },
    ]);
    const now = await team(id.backend!);
    expect(now).toMatchObject({ name: 'Backend crew' });
    expect(now?.memberIds.sort()).toEqual([id.ana, id.ben].sort());
  });

  it('removing a member ends what they had in the organization, and only there', async () => {
    const otherOrg = (await h.request('GET', '/api/v1/orgs/other')).body.id;
    await h.request('POST', '/api/v1/orgs/other/members', { email: 'ana@acme.test' });
    const acme = (await h.request('GET', '/api/v1/orgs/acme')).body.id;
    const project = (await h.request('GET', '/api/v1/orgs/acme/projects')).body.data[0].id;
    const issue = (
      await h.request('POST', '/api/v1/projects/acme/api/events', { message: 'Cache miss storm' })
    ).body.issueId;
    expect(
      (await h.request('PATCH', `/api/v1/issues/${issue}`, { assignee: { type: 'user', id: id.ana } }))
        .status,
    ).toBe(200);
    await h.request('POST', `/api/v1/issues/${issue}/subscription`, { userId: id.ana });
    await h.engine.queue.drain();
    const setting = (scopeType: string, scopeId: string) => ({
      type: 'alerts',
      channel: 'email',
      scopeType,
      scopeId,
      value: 'never',
    });
    const put = await h.request('PUT', `/api/v1/users/${id.ana}/notification-settings`, {
      settings: [
        setting('user', id.ana!),
        setting('organization', acme),
        setting('project', project),
        setting('team', id.backend!),
        setting('organization', otherOrg),
      ],
    });
    expect(put.status).toBe(200);
    const ruleId = (
      await h.request('POST', '/api/v1/projects/acme/api/rules', {
        name: 'Cache alerts',
        conditions: [{ id: 'first_seen_event' }],
        actions: [{ id: 'notify_email', targetType: 'IssueOwners' }],
      })
    ).body.id;
    for (const userId of [id.ana, id.ben]) {
      const snooze = await h.request('POST', `/api/v1/projects/acme/api/rules/${ruleId}/snooze`, {
        target: 'me',
        userId,
      });
      expect(snooze.status).toBe(201);
    }
    const owned = await h.request('PUT', '/api/v1/projects/acme/api/ownership', undefined, {
      raw: 'path:src/** ana@acme.test ben@acme.test\npath:src/cache/** ana@acme.test',
      headers: { 'content-type': 'text/plain' },
    });
    expect(owned.status).toBe(200);

    const removed = await h.request('DELETE', memberPath('ana'));
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await members()).map((m) => m.userId)).not.toContain(id.ana);
    expect((await team(id.backend!))?.memberIds).toEqual([id.ben]);
    expect((await h.request('GET', `/api/v1/issues/${issue}`)).body.assignee).toBeNull();
    const snoozes = (await h.request('GET', `/api/v1/projects/acme/api/rules/${ruleId}`)).body.snoozes;
    expect(snoozes.map((z: { userId: string }) => z.userId)).toEqual([id.ben]);
    expect((await h.request('DELETE', memberPath('ana'))).status).toBe(404);
    // Elsewhere she is still a member, with her settings there.
    expect((await members('other')).map((m) => m.userId)).toContain(id.ana);

    // Added back, she starts afresh: no subscription, no settings of this organization, no ownership.
    expect((await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test' })).status).toBe(
      201,
    );
    const settings = await h.request('GET', `/api/v1/users/${id.ana}/notification-settings`);
    expect(
      settings.body.settings.map((s: { scopeType: string; scopeId: string }) => [s.scopeType, s.scopeId]),
    ).toEqual(
      expect.arrayContaining([
        ['user', id.ana],
        ['organization', otherOrg],
      ]),
    );
    expect(settings.body.settings).toHaveLength(2);
    const ownership = await h.request('GET', '/api/v1/projects/acme/api/ownership');
    expect(ownership.body.raw).toBe('path:src/** ben@acme.test\npath:src/cache/**');
    const resolved = await h.request('PATCH', `/api/v1/issues/${issue}`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    await h.engine.queue.drain();
    await h.engine.queue.drain();
    const told = await h.request('GET', `/api/v1/orgs/acme/notifications?type=resolved&issue=${issue}`);
    expect(told.body.data.flatMap((n: { deliveries: unknown[] }) => n.deliveries)).toEqual([]);
  });

  it('deleting a team unassigns its issues and takes it out of projects, ownership and settings', async () => {
    const frontend = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'frontend', memberIds: [id.ben] })
    ).body.id;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web', teamIds: [frontend] });
    const issue = (await h.request('POST', '/api/v1/projects/acme/web/events', { message: 'Blank page' }))
      .body.issueId;
    await h.request('PATCH', `/api/v1/issues/${issue}`, { assignee: { type: 'team', id: frontend } });
    const owned = await h.request('PUT', '/api/v1/projects/acme/web/ownership', undefined, {
      raw: 'url:*checkout* #frontend ben@acme.test',
      headers: { 'content-type': 'text/plain' },
    });
    expect(owned.status).toBe(200);
    const teamSettings = `/api/v1/orgs/acme/teams/${frontend}/notification-settings`;
    const put = await h.request('PUT', teamSettings, {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'team', scopeId: frontend, value: 'never' }],
    });
    expect(put.status).toBe(200);

    const deleted = await h.request('DELETE', `/api/v1/orgs/acme/teams/${frontend}`);
    expect(deleted.status).toBe(204);
    expect(await team(frontend)).toBeUndefined();
    const web = (await h.request('GET', '/api/v1/orgs/acme/projects')).body.data.find(
      (p: { slug: string }) => p.slug === 'web',
    );
    expect(web.teamIds).toEqual([]);
    expect((await h.request('GET', `/api/v1/issues/${issue}`)).body.assignee).toBeNull();
    expect((await h.request('GET', '/api/v1/projects/acme/web/ownership')).body.raw).toBe(
      'url:*checkout* ben@acme.test',
    );
    expect((await h.request('GET', teamSettings)).status).toBe(404);
    expect((await h.request('DELETE', `/api/v1/orgs/acme/teams/${frontend}`)).status).toBe(404);
    expect((await members()).map((m) => m.userId)).toContain(id.ben);
    // Its slug is free again.
    const again = await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'frontend' });
    expect(again.status).toBe(201);
    const put2 = await h.request('GET', `/api/v1/orgs/acme/teams/${again.body.id}/notification-settings`);
    expect(put2.body.settings).toEqual([]);
  });

  it('keeps a team that alert rules send to (409 naming them) until deleted with force=true', async () => {
    const mobile = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'mobile', memberIds: [id.ben] })
    ).body.id;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'app' });
    const ruleId = (
      await h.request('POST', '/api/v1/projects/acme/app/rules', {
        name: 'Crashes to mobile',
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: [{ id: 'notify_email', targetType: 'Team', targetIdentifier: mobile }],
      })
    ).body.id;

    const kept = await h.request('DELETE', `/api/v1/orgs/acme/teams/${mobile}`);
    expect(kept.status).toBe(409);
    expect(kept.body.error).toMatchObject({
      code: 'conflict',
      message: `Alert rules send to this team: “Crashes to mobile” (${ruleId}). Change them first, or delete with force=true`,
    });
    expect(await team(mobile)).toMatchObject({ memberIds: [id.ben] });
    const bad = await h.request('DELETE', `/api/v1/orgs/acme/teams/${mobile}?force=yes`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'query.force' })]);

    const gone = await h.request('DELETE', `/api/v1/orgs/acme/teams/${mobile}?force=true`);
    expect(gone.status).toBe(204);
    expect(await team(mobile)).toBeUndefined();
    expect((await h.request('GET', `/api/v1/projects/acme/app/rules/${ruleId}`)).status).toBe(200);
    // The rule still fires, sends the deleted team nothing, and the history says why.
    const issue = (
      await h.request('POST', '/api/v1/projects/acme/app/events', { message: 'App crashes on launch' })
    ).body.issueId;
    for (let i = 0; i < 3; i++) await h.engine.queue.drain();
    const fired = await h.request('GET', `/api/v1/orgs/acme/notifications?rule=${ruleId}&issue=${issue}`);
    expect(fired.body.data.flatMap((n: { deliveries: unknown[] }) => n.deliveries)).toEqual([
      expect.objectContaining({
        recipient: { type: 'team', id: mobile },
        status: 'suppressed',
        reason: 'unroutable',
        lastError: `${mobile} is not a team of this organization`,
      }),
    ]);
  });

  it('describes the new routes in the OpenAPI document', async () => {
    const doc = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    const member = doc.body.paths['/api/v1/orgs/{org}/members/{userId}'];
    const team = doc.body.paths['/api/v1/orgs/{org}/teams/{teamId}'];
    for (const operation of [member?.patch, member?.delete, team?.patch, team?.delete]) {
      expect(operation?.tags).toHaveLength(1);
      expect(operation?.summary).toEqual(expect.any(String));
    }
    expect(Object.keys(member.patch.requestBody.content['application/json'].schema.properties)).toContain(
      'role',
    );
    expect(Object.keys(team.patch.requestBody.content['application/json'].schema.properties)).toEqual([
      'name',
      'memberIds',
    ]);
  });
});
