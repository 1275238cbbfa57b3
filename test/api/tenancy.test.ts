import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('tenancy API', () => {
  let h: TestHerald;
  beforeAll(async () => {
    h = await startHerald();
  });
  afterAll(() => h?.close());

  it('creates an organization, members, a team and a project with a DSN', async () => {
    const org = await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({ slug: 'acme', name: 'Acme' });

    const alice = await h.request('POST', '/api/v1/orgs/acme/members', {
      email: 'Alice@Example.com',
      name: 'Alice',
      role: 'owner',
      locale: 'de',
      timezone: 'Europe/Berlin',
    });
    expect(alice.status).toBe(201);
    expect(alice.body).toMatchObject({
      email: 'alice@example.com',
      role: 'owner',
      locale: 'de',
      timezone: 'Europe/Berlin',
    });
    const bob = await h.request('POST', '/api/v1/orgs/acme/members', { email: 'bob@example.com' });
    expect(bob.body).toMatchObject({ role: 'member', locale: 'en', timezone: 'UTC', name: 'bob' });

    const again = await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@example.com' });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toEqual([{ path: 'email', message: 'is already a member' }]);

    const team = await h.request('POST', '/api/v1/orgs/acme/teams', {
      slug: 'backend',
      memberIds: [alice.body.userId, bob.body.userId],
    });
    expect(team.status).toBe(201);
    expect(team.body.memberIds).toEqual([alice.body.userId, bob.body.userId]);

    const project = await h.request('POST', '/api/v1/orgs/acme/projects', {
      slug: 'api',
      platform: 'node',
      teamIds: [team.body.id],
    });
    expect(project.status).toBe(201);
    const dsn = new URL(project.body.dsn);
    expect(dsn.username).toMatch(/^[0-9a-f]{32}$/);
    expect(dsn.pathname).toBe(`/${project.body.number}`);
    expect(dsn.host).toBe(new URL(h.url).host);
    expect(project.body.teamIds).toEqual([team.body.id]);

    const second = await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web' });
    expect(second.body.number).toBe(project.body.number + 1);

    // A project is renamed and its teams replaced; its slug and DSN stay, a bad team writes nothing.
    const patched = await h.request('PATCH', '/api/v1/orgs/acme/projects/web', {
      name: 'Web shop',
      teamIds: [team.body.id],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      slug: 'web',
      name: 'Web shop',
      teamIds: [team.body.id],
      dsn: second.body.dsn,
    });
    const badTeam = await h.request('PATCH', '/api/v1/orgs/acme/projects/web', {
      name: 'X',
      teamIds: ['team_nope'],
    });
    expect(badTeam.status).toBe(400);
    expect(badTeam.body.error.details[0].path).toBe('teamIds.0');
    expect((await h.request('GET', '/api/v1/orgs/acme/projects/web')).body).toMatchObject({
      name: 'Web shop',
    });
    const cleared = await h.request('PATCH', '/api/v1/orgs/acme/projects/web', { teamIds: [] });
    expect(cleared.body).toMatchObject({ name: 'Web shop', teamIds: [] });
    expect((await h.request('PATCH', '/api/v1/orgs/acme/projects/nope', { name: 'X' })).status).toBe(404);
    expect((await h.request('PATCH', '/api/v1/orgs/acme/projects/web', { slug: 'shop' })).status).toBe(400);

    const list = await h.request('GET', '/api/v1/orgs/acme/projects');
    expect(list.body.data.map((p: { slug: string }) => p.slug)).toEqual(['api', 'web']);
    const members = await h.request('GET', '/api/v1/orgs/acme/members');
    expect(members.body.data).toHaveLength(2);
    const teams = await h.request('GET', '/api/v1/orgs/acme/teams');
    expect(teams.body.data[0].memberIds).toHaveLength(2);
  });

  it('refuses a team member who is not in the organization, naming the field', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'solo' });
    const res = await h.request('POST', '/api/v1/orgs/solo/teams', { slug: 'x', memberIds: ['usr_nobody'] });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('memberIds.0');
    const teams = await h.request('GET', '/api/v1/orgs/solo/teams');
    expect(teams.body.data).toEqual([]);
  });

  it('renames an organization and rejects duplicate slugs', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'rename-me' });
    const patched = await h.request('PATCH', '/api/v1/orgs/rename-me', { name: 'Renamed' });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('Renamed');
    const dup = await h.request('POST', '/api/v1/orgs', { slug: 'rename-me' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
  });

  it('stores integration secrets encrypted and never returns them', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'sec' });
    const created = await h.request('POST', '/api/v1/orgs/sec/integrations', {
      provider: 'slack',
      name: 'Workspace',
      config: { broadcastReplies: false },
      secrets: { botToken: 'xoxb-super-secret-token-value' },
    });
    expect(created.status).toBe(201);
    expect(created.body.secretFields).toEqual(['botToken']);
    expect(created.text).not.toContain('xoxb-super-secret-token-value');

    const webhook = await h.request('POST', '/api/v1/orgs/sec/integrations', {
      provider: 'webhook',
      name: 'Hook',
      config: { url: 'http://127.0.0.1:9/hook' },
    });
    expect(webhook.status).toBe(201);
    expect(webhook.body.secretFields).toEqual(['signingSecret']);
    // The signing secret Herald made is in this answer, once: receivers need it to verify.
    const generated = webhook.body.generatedSecrets.signingSecret as string;
    expect(generated).toMatch(/^whsec_/);
    const hook = await h.engine.services.integrations.getWithSecrets(
      (await h.engine.services.organizations.resolve({ kind: 'admin' }, 'sec')).id,
      webhook.body.id,
    );
    expect(hook.secrets.signingSecret).toBe(generated);
    expect((await h.request('GET', `/api/v1/orgs/sec/integrations/${webhook.body.id}`)).text).not.toContain(
      generated,
    );
    const renamed = await h.request('PATCH', `/api/v1/orgs/sec/integrations/${webhook.body.id}`, {
      name: 'H',
    });
    expect(renamed.body.generatedSecrets).toBeUndefined();
    expect(renamed.text).not.toContain(generated);
    // Removing it makes a new one, shown in that answer.
    const rotated = await h.request('PATCH', `/api/v1/orgs/sec/integrations/${webhook.body.id}`, {
      secrets: { signingSecret: null },
    });
    expect(rotated.body.generatedSecrets.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.generatedSecrets.signingSecret).not.toBe(generated);
    const given = await h.request('POST', '/api/v1/orgs/sec/integrations', {
      provider: 'webhook',
      name: 'Hook with its own secret',
      config: { url: 'http://127.0.0.1:9/hook' },
      secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    });
    expect(given.body.generatedSecrets).toBeUndefined();

    const fetched = await h.request('GET', `/api/v1/orgs/sec/integrations/${created.body.id}`);
    const listed = await h.request('GET', '/api/v1/orgs/sec/integrations');
    const patched = await h.request('PATCH', `/api/v1/orgs/sec/integrations/${created.body.id}`, {
      secrets: { botToken: 'xoxb-rotated-secret-value' },
      name: 'Renamed',
    });
    expect(patched.body.name).toBe('Renamed');
    for (const answer of [fetched, listed, patched]) {
      expect(answer.text).not.toContain('xoxb-');
    }
    const row = await h.engine.store.db
      .selectFrom('integrations')
      .select('secrets')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(row.secrets).toMatch(/^v1\./);
    expect(row.secrets).not.toContain('xoxb');
    const withSecrets = await h.engine.services.integrations.getWithSecrets(
      (await h.engine.services.organizations.resolve({ kind: 'admin' }, 'sec')).id,
      created.body.id,
    );
    expect(withSecrets.secrets.botToken).toBe('xoxb-rotated-secret-value');
    expect(h.logs.join('\n')).not.toContain('xoxb-');

    const removed = await h.request('DELETE', `/api/v1/orgs/sec/integrations/${created.body.id}`);
    expect(removed.status).toBe(204);
    expect((await h.request('GET', `/api/v1/orgs/sec/integrations/${created.body.id}`)).status).toBe(404);
  });

  it('validates provider fields and refuses private targets unless allowed', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'prov' });
    const missing = await h.request('POST', '/api/v1/orgs/prov/integrations', {
      provider: 'slack',
      name: 'S',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toEqual(['secrets.botToken']);
    const email = await h.request('POST', '/api/v1/orgs/prov/integrations', {
      provider: 'email',
      name: 'Mail',
      config: { transport: 'smtp', from: 'herald@example.com' },
    });
    expect(email.status).toBe(400);
    expect(email.body.error.details.map((d: { path: string }) => d.path)).toEqual(['config.host']);

    const strict = await startHerald({ allowPrivateTargets: false });
    try {
      await strict.request('POST', '/api/v1/orgs', { slug: 'p' });
      const refused = await strict.request('POST', '/api/v1/orgs/p/integrations', {
        provider: 'webhook',
        name: 'Internal',
        config: { url: 'http://127.0.0.1:8080/hook' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].path).toBe('config.url');
      expect(refused.body.error.details[0].message).toContain('private');
      const list = await strict.request('GET', '/api/v1/orgs/p/integrations');
      expect(list.body.data).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('shows an API key once, stores only its hash, and limits it to its organization', async () => {
    await h.request('POST', '/api/v1/orgs', { slug: 'keyed' });
    const key = await h.request('POST', '/api/v1/orgs/keyed/api-keys', { name: 'ci' });
    expect(key.status).toBe(201);
    expect(key.body.token).toMatch(/^hrk_/);
    const list = await h.request('GET', '/api/v1/orgs/keyed/api-keys');
    expect(list.text).not.toContain(key.body.token);
    expect(list.body.data[0]).toMatchObject({ name: 'ci', lastUsedAt: null });
    const stored = await h.engine.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.body.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(key.body.token);

    const firstUse = h.clock.now();
    const own = await h.request('GET', '/api/v1/orgs/keyed', undefined, { token: key.body.token });
    expect(own.status).toBe(200);
    const create = await h.request('POST', '/api/v1/orgs', { slug: 'nope' }, { token: key.body.token });
    expect(create.status).toBe(403);
    const orgs = await h.request('GET', '/api/v1/orgs', undefined, { token: key.body.token });
    expect(orgs.body.data.map((o: { slug: string }) => o.slug)).toEqual(['keyed']);
    // The list says the key is in use, so that nobody revokes one a system still relies on.
    const used = await h.request('GET', '/api/v1/orgs/keyed/api-keys');
    const lastUsed = Date.parse(used.body.data[0].lastUsedAt);
    expect(lastUsed).toBeGreaterThanOrEqual(firstUse);
    expect(lastUsed).toBeLessThanOrEqual(h.clock.now());
  });

  it('answers 401 without or with a wrong token', async () => {
    const none = await h.request('GET', '/api/v1/orgs', undefined, { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await h.request('GET', '/api/v1/orgs', undefined, { token: 'hrk_wrong' });
    expect(wrong.status).toBe(401);
  });
});
