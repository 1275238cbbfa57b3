import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface Cell {
  type: string;
  channel: string;
  value: string;
  source: 'default' | { scopeType: string; ownerType: string; scopeId: string; ownerId: string };
}

describe.skipIf(SKIP_PROFILE)('notification settings API', () => {
  let h: TestHerald;
  const ids: Record<string, string> = {};
  const users: string[] = [];

  const cell = (body: { effective: Cell[] }, type: string, channel: string) =>
    body.effective.find((c) => c.type === type && c.channel === channel);

  beforeAll(async () => {
    h = await startHerald();
    for (const slug of ['acme', 'side', 'foreign']) {
      ids[slug] = (await h.request('POST', '/api/v1/orgs', { slug })).body.id;
    }
    for (let i = 0; i < 12; i++) {
      users.push(
        (await h.request('POST', '/api/v1/orgs/acme/members', { email: `u${i}@example.com` })).body.userId,
      );
    }
    ids.carol = (
      await h.request('POST', '/api/v1/orgs/foreign/members', { email: 'carol@example.com' })
    ).body.userId;
    const team = await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', memberIds: users });
    ids.backend = team.body.id;
    ids.lonely = (await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'lonely' })).body.id;
    ids.foreignTeam = (await h.request('POST', '/api/v1/orgs/foreign/teams', { slug: 'ops' })).body.id;
    const project = await h.request('POST', '/api/v1/orgs/acme/projects', {
      slug: 'api',
      teamIds: [ids.backend],
    });
    ids.api = project.body.id;
    ids.foreignProject = (
      await h.request('POST', '/api/v1/orgs/foreign/projects', { slug: 'secret' })
    ).body.id;
  });
  afterAll(() => h?.close());

  it('answers defaults for a person who set nothing', async () => {
    const res = await h.request('GET', `/api/v1/users/${users[0]}/notification-settings`);
    expect(res.status).toBe(200);
    expect(res.body.settings).toEqual([]);
    expect(cell(res.body, 'alerts', 'email')).toEqual({
      type: 'alerts',
      channel: 'email',
      value: 'always',
      source: 'default',
    });
    expect(cell(res.body, 'workflow', 'slack')?.value).toBe('subscribe_only');
    expect(cell(res.body, 'deploy', 'inapp')?.value).toBe('committed_only');
    expect(cell(res.body, 'alerts', 'pagerduty')?.value).toBe('never');
    expect(res.body.options).toEqual({
      locale: 'en',
      timezone: 'UTC',
      quietHours: [],
      snoozeUntil: null,
      emailDigests: true,
      selfNotifications: false,
      fallback: [],
    });
  });

  const scopeCases = [
    { scope: 'user', scopeId: (u: string) => u, query: '', source: 'user' },
    { scope: 'organization', scopeId: () => ids.acme!, query: '?orgId=acme', source: 'organization' },
    { scope: 'project', scopeId: () => ids.api!, query: () => `?projectId=${ids.api}`, source: 'project' },
    { scope: 'team', scopeId: () => ids.backend!, query: '', source: 'team' },
  ];

  it.each(scopeCases.map((c, i) => ({ ...c, index: i + 1 })))(
    'stores a $scope-scoped row and resolves it with its source',
    async ({ scope, scopeId, query, source, index }) => {
      const user = users[index]!;
      const put = await h.request('PUT', `/api/v1/users/${user}/notification-settings`, {
        settings: [
          { type: 'alerts', channel: 'email', scopeType: scope, scopeId: scopeId(user), value: 'never' },
        ],
      });
      expect(put.status).toBe(200);
      expect(put.body.settings).toEqual([
        {
          ownerType: 'user',
          ownerId: user,
          type: 'alerts',
          channel: 'email',
          scopeType: scope,
          scopeId: scopeId(user),
          value: 'never',
        },
      ]);
      const q = typeof query === 'function' ? query() : query;
      const get = await h.request('GET', `/api/v1/users/${user}/notification-settings${q}`);
      expect(cell(get.body, 'alerts', 'email')).toMatchObject({
        value: 'never',
        source: { scopeType: source, ownerType: 'user' },
      });
      // Other channels keep their defaults.
      expect(cell(get.body, 'alerts', 'slack')).toMatchObject({ value: 'always', source: 'default' });
    },
  );

  it('lets the more specific scope win and deletes rows given value null', async () => {
    const user = users[5]!;
    const path = `/api/v1/users/${user}/notification-settings`;
    await h.request('PUT', path, {
      settings: [
        { type: 'workflow', channel: null, scopeType: 'user', scopeId: user, value: 'never' },
        { type: 'workflow', channel: 'email', scopeType: 'project', scopeId: ids.api, value: 'always' },
      ],
    });
    const inProject = await h.request('GET', `${path}?projectId=${ids.api}`);
    expect(cell(inProject.body, 'workflow', 'email')).toMatchObject({
      value: 'always',
      source: { scopeType: 'project' },
    });
    expect(inProject.body.context).toEqual({ orgId: ids.acme, projectId: ids.api });
    const elsewhere = await h.request('GET', path);
    expect(cell(elsewhere.body, 'workflow', 'email')).toMatchObject({
      value: 'never',
      source: { scopeType: 'user', channel: null },
    });

    const removed = await h.request('PUT', path, {
      settings: [{ type: 'workflow', channel: 'email', scopeType: 'project', scopeId: ids.api, value: null }],
    });
    expect(removed.body.settings).toHaveLength(1);
    const after = await h.request('GET', `${path}?projectId=${ids.api}`);
    expect(cell(after.body, 'workflow', 'email')?.value).toBe('never');
  });

  it('stores options and shows them back', async () => {
    const user = users[6]!;
    const until = new Date(h.clock.now() + 3_600_000).toISOString();
    const res = await h.request('PUT', `/api/v1/users/${user}/notification-settings`, {
      options: {
        locale: 'de',
        timezone: 'Europe/Berlin',
        quietHours: [{ days: ['mon', 'tue'], start: '22:00', end: '07:00' }],
        snoozeUntil: until,
        emailDigests: false,
        fallback: ['inapp', 'push'],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.options).toEqual({
      locale: 'de',
      timezone: 'Europe/Berlin',
      quietHours: [{ days: ['mon', 'tue'], start: '22:00', end: '07:00' }],
      snoozeUntil: until,
      emailDigests: false,
      selfNotifications: false,
      fallback: ['inapp', 'push'],
    });
    const members = await h.request('GET', '/api/v1/orgs/acme/members');
    expect(members.body.data.find((m: { userId: string }) => m.userId === user)).toMatchObject({
      locale: 'de',
      timezone: 'Europe/Berlin',
    });
  });

  const valid = () => ({
    type: 'alerts',
    channel: 'email',
    scopeType: 'user',
    scopeId: users[7],
    value: 'never',
  });
  const invalidCases: { name: string; body: () => unknown; paths: string[] }[] = [
    {
      name: 'committed_only for alerts',
      body: () => ({ settings: [valid(), { ...valid(), channel: 'slack', value: 'committed_only' }] }),
      paths: ['settings.1.value'],
    },
    {
      name: 'an unknown channel',
      body: () => ({ settings: [valid(), { ...valid(), channel: 'fax' }] }),
      paths: ['settings.1.channel'],
    },
    {
      name: 'an organization the user is not in',
      body: () => ({ settings: [valid(), { ...valid(), scopeType: 'organization', scopeId: ids.foreign }] }),
      paths: ['settings.1.scopeId'],
    },
    {
      name: "another organization's project",
      body: () => ({
        settings: [valid(), { ...valid(), scopeType: 'project', scopeId: ids.foreignProject }],
      }),
      paths: ['settings.1.scopeId'],
    },
    {
      name: 'a team the user is not in',
      body: () => ({ settings: [valid(), { ...valid(), scopeType: 'team', scopeId: ids.lonely }] }),
      paths: ['settings.1.scopeId'],
    },
    {
      name: 'another user as user scope',
      body: () => ({ settings: [valid(), { ...valid(), scopeId: users[8] }] }),
      paths: ['settings.1.scopeId'],
    },
    {
      name: 'bad options next to valid settings',
      body: () => ({
        settings: [valid()],
        options: {
          timezone: 'Mars/Olympus',
          quietHours: [{ days: ['mon'], start: '25:00', end: '07:00' }],
          snoozeUntil: '2001-01-01T00:00:00Z',
        },
      }),
      paths: ['options.timezone', 'options.quietHours.0.start'],
    },
    {
      name: 'a snooze in the past',
      body: () => ({ settings: [valid()], options: { snoozeUntil: '2001-01-01T00:00:00Z' } }),
      paths: ['options.snoozeUntil'],
    },
    { name: 'an empty body', body: () => ({}), paths: ['settings'] },
  ];

  it.each(invalidCases)(
    'refuses $name with 400 naming the field, writing nothing',
    async ({ body, paths }) => {
      const user = users[7]!;
      const res = await h.request('PUT', `/api/v1/users/${user}/notification-settings`, body());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(
        expect.arrayContaining(paths),
      );
      const after = await h.request('GET', `/api/v1/users/${user}/notification-settings`);
      expect(after.body.settings).toEqual([]);
      expect(after.body.options.snoozeUntil).toBeNull();
    },
  );

  it('keeps a fallback list until it is changed, and an empty list or null clears it', async () => {
    const path = `/api/v1/users/${users[10]}/notification-settings`;
    await h.request('PUT', path, { options: { fallback: ['slack', 'inapp'] } });
    await h.request('PUT', path, { options: { emailDigests: false } });
    expect((await h.request('GET', path)).body.options.fallback).toEqual(['slack', 'inapp']);
    expect((await h.request('PUT', path, { options: { fallback: [] } })).body.options.fallback).toEqual([]);
    await h.request('PUT', path, { options: { fallback: ['push'] } });
    expect((await h.request('PUT', path, { options: { fallback: null } })).body.options.fallback).toEqual([]);
  });

  const fallbackCases: { name: string; fallback: unknown; problem: { path: string; message: string } }[] = [
    {
      name: 'an unknown channel',
      fallback: ['inapp', 'fax'],
      problem: {
        path: 'options.fallback.1',
        message: 'Expected a personal channel: email, slack, inapp, push',
      },
    },
    {
      name: 'a channel that reaches no one person',
      fallback: ['webhook'],
      problem: {
        path: 'options.fallback.0',
        message: 'Expected a personal channel: email, slack, inapp, push',
      },
    },
    {
      name: 'a channel named twice',
      fallback: ['inapp', 'email', 'inapp'],
      problem: { path: 'options.fallback.2', message: "'inapp' is already in the list" },
    },
    {
      name: 'more than four channels',
      fallback: ['email', 'slack', 'inapp', 'push', 'email'],
      problem: { path: 'options.fallback', message: 'At most 4 channels' },
    },
  ];

  it.each(fallbackCases)(
    'refuses a fallback list with $name, naming the entry and writing nothing',
    async ({ fallback, problem }) => {
      const user = users[11]!;
      const path = `/api/v1/users/${user}/notification-settings`;
      const res = await h.request('PUT', path, {
        settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: user, value: 'never' }],
        options: { locale: 'fr', fallback },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.details).toEqual([problem]);
      const after = await h.request('GET', path);
      expect(after.body.settings).toEqual([]);
      expect(after.body.options).toMatchObject({ locale: 'en', fallback: [] });
    },
  );

  it('says what is wrong with a quiet-hours window in words', async () => {
    const res = await h.request('PUT', `/api/v1/users/${users[7]}/notification-settings`, {
      options: { quietHours: [{ days: [], start: '08:00', end: '08:00' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'options.quietHours.0.days', message: 'Choose at least one day' },
        { path: 'options.quietHours.0.end', message: 'A window must not end when it starts' },
      ]),
    );
  });

  it('documents the preferences paths in OpenAPI', async () => {
    const doc = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/users/{userId}/notification-settings',
        '/api/v1/me/notification-settings',
        '/api/v1/orgs/{org}/teams/{team}/notification-settings',
      ]),
    );
  });

  it('refuses effective queries for organizations and projects the user cannot see', async () => {
    const path = `/api/v1/users/${users[0]}/notification-settings`;
    const org = await h.request('GET', `${path}?orgId=foreign`);
    expect(org.status).toBe(400);
    expect(org.body.error.details[0].path).toBe('query.orgId');
    const project = await h.request('GET', `${path}?projectId=${ids.foreignProject}`);
    expect(project.body.error.details[0].path).toBe('query.projectId');
  });

  it('stores team settings that members inherit below their own', async () => {
    const path = `/api/v1/orgs/acme/teams/backend/notification-settings`;
    const put = await h.request('PUT', path, {
      settings: [{ type: 'deploy', channel: null, scopeType: 'team', scopeId: ids.backend, value: 'always' }],
    });
    expect(put.status).toBe(200);
    expect(put.body.settings).toEqual([
      {
        ownerType: 'team',
        ownerId: ids.backend,
        type: 'deploy',
        channel: null,
        scopeType: 'team',
        scopeId: ids.backend,
        value: 'always',
      },
    ]);
    expect(cell(put.body, 'deploy', 'email')).toMatchObject({
      value: 'always',
      source: { ownerType: 'team' },
    });
    const member = await h.request('GET', `/api/v1/users/${users[9]}/notification-settings?orgId=acme`);
    expect(cell(member.body, 'deploy', 'email')).toMatchObject({
      value: 'always',
      source: { ownerType: 'team', scopeType: 'team' },
    });

    await h.request('PUT', `/api/v1/users/${users[9]}/notification-settings`, {
      settings: [{ type: 'deploy', channel: 'email', scopeType: 'user', scopeId: users[9], value: 'never' }],
    });
    const own = await h.request('GET', `/api/v1/users/${users[9]}/notification-settings?orgId=acme`);
    expect(cell(own.body, 'deploy', 'email')).toMatchObject({
      value: 'never',
      source: { ownerType: 'user', scopeType: 'user' },
    });
    expect(cell(own.body, 'deploy', 'slack')?.value).toBe('always');

    const bad = await h.request('PUT', path, {
      settings: [
        { type: 'deploy', channel: null, scopeType: 'user', scopeId: ids.backend, value: 'never' },
        { type: 'deploy', channel: null, scopeType: 'project', scopeId: ids.foreignProject, value: 'never' },
      ],
      options: { emailDigests: false },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['options', 'settings.0.scopeType', 'settings.1.scopeId']),
    );
    const unchanged = await h.request('GET', path);
    expect(unchanged.body.settings).toHaveLength(1);

    const foreign = await h.request('GET', '/api/v1/orgs/acme/teams/ops/notification-settings');
    expect(foreign.status).toBe(404);
  });
});
