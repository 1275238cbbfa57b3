import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('personal user tokens', () => {
  let h: TestHerald;
  let alice: string;
  let bob: string;
  let token: string;
  let acmeKey: string;
  let sideKey: string;
  let sideId: string;

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    sideId = (await h.request('POST', '/api/v1/orgs', { slug: 'side' })).body.id;
    await h.request('POST', '/api/v1/orgs', { slug: 'foreign' });
    alice = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@example.com', name: 'Alice' })
    ).body.userId;
    await h.request('POST', '/api/v1/orgs/side/members', { email: 'alice@example.com' });
    bob = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'bob@example.com' })).body.userId;
    acmeKey = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'ci' })).body.token;
    sideKey = (await h.request('POST', '/api/v1/orgs/foreign/api-keys', { name: 'ci' })).body.token;
    const created = await h.request('POST', `/api/v1/users/${alice}/tokens`, { name: 'laptop' });
    expect(created.status).toBe(201);
    token = created.body.token;
  });
  afterAll(() => h?.close());

  it('is shown once with the hru_ prefix and stored only as a hash', async () => {
    expect(token).toMatch(/^hru_[\w-]{43}$/);
    const rows = await h.engine.store.db
      .selectFrom('user_tokens')
      .select(['token_hash', 'user_id'])
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.user_id).toBe(alice);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('answers /me with the user and their organizations', async () => {
    const me = await h.request('GET', '/api/v1/me', undefined, { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice, email: 'alice@example.com', name: 'Alice' });
    expect(me.body.organizations.map((o: { slug: string }) => o.slug)).toEqual(['acme', 'side']);
    const admin = await h.request('GET', '/api/v1/me');
    expect(admin.status).toBe(404);
  });

  it('reads and changes its own settings, never another user’s', async () => {
    const own = await h.request(
      'PUT',
      '/api/v1/me/notification-settings',
      {
        settings: [
          { type: 'alerts', channel: 'email', scopeType: 'organization', scopeId: sideId, value: 'never' },
        ],
      },
      { token },
    );
    expect(own.status).toBe(200);
    expect(own.body.userId).toBe(alice);
    const byId = await h.request('GET', `/api/v1/users/${alice}/notification-settings`, undefined, { token });
    expect(byId.status).toBe(200);
    expect(byId.body.settings).toHaveLength(1);

    const other = await h.request('GET', `/api/v1/users/${bob}/notification-settings`, undefined, { token });
    expect(other.status).toBe(404);
    const otherPut = await h.request(
      'PUT',
      `/api/v1/users/${bob}/notification-settings`,
      { options: { emailDigests: false } },
      { token },
    );
    expect(otherPut.status).toBe(404);
    const bobAfter = await h.request('GET', `/api/v1/users/${bob}/notification-settings`);
    expect(bobAfter.body.options.emailDigests).toBe(true);
  });

  it('shows an org key only the rows of its own organization', async () => {
    const viaKey = await h.request('GET', `/api/v1/users/${alice}/notification-settings`, undefined, {
      token: acmeKey,
    });
    expect(viaKey.status).toBe(200);
    expect(viaKey.body.settings).toEqual([]);
    const write = await h.request(
      'PUT',
      `/api/v1/users/${alice}/notification-settings`,
      {
        settings: [
          { type: 'alerts', channel: 'slack', scopeType: 'organization', scopeId: sideId, value: 'never' },
        ],
      },
      { token: acmeKey },
    );
    expect(write.status).toBe(400);
    expect(write.body.error.details[0].path).toBe('settings.0.scopeId');
    const foreign = await h.request('GET', `/api/v1/users/${alice}/notification-settings`, undefined, {
      token: sideKey,
    });
    expect(foreign.status).toBe(404);
  });

  it('is minted by the admin token or a member org key, never by a stranger or a token', async () => {
    const byKey = await h.request('POST', `/api/v1/users/${bob}/tokens`, { name: 'ci' }, { token: acmeKey });
    expect(byKey.status).toBe(201);
    const byStranger = await h.request('POST', `/api/v1/users/${bob}/tokens`, {}, { token: sideKey });
    expect(byStranger.status).toBe(404);
    const byToken = await h.request('POST', `/api/v1/users/${alice}/tokens`, {}, { token });
    expect(byToken.status).toBe(404);
  });

  it('sees its organizations and reads them; changing them needs an owner or admin role', async () => {
    const orgs = await h.request('GET', '/api/v1/orgs', undefined, { token });
    expect(orgs.body.data.map((o: { slug: string }) => o.slug).sort()).toEqual(['acme', 'side']);
    expect((await h.request('GET', '/api/v1/orgs/acme', undefined, { token })).status).toBe(200);
    expect((await h.request('GET', '/api/v1/orgs/foreign', undefined, { token })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/orgs/foreign/members', undefined, { token })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/orgs/acme/members', undefined, { token })).status).toBe(200);
    const refused = await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'x' }, { token });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await h.request('POST', '/api/v1/orgs/foreign/api-keys', { name: 'x' }, { token })).status).toBe(
      404,
    );
  });

  it('marks the user active when the token is used', async () => {
    const row = await h.engine.store.db
      .selectFrom('users')
      .select('last_active_at')
      .where('id', '=', alice)
      .executeTakeFirst();
    expect(row?.last_active_at).toBe(h.clock.now());
  });

  it("an org key's token reaches no other organization: refused for a person in several, void once they join another", async () => {
    const refused = await h.request('POST', `/api/v1/users/${alice}/tokens`, {}, { token: acmeKey });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('also a member of another organization');

    const carol = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'carol@example.com' })).body
      .userId;
    const byKey = (await h.request('POST', `/api/v1/users/${carol}/tokens`, {}, { token: acmeKey })).body
      .token;
    const byAdmin = (await h.request('POST', `/api/v1/users/${carol}/tokens`, {})).body.token;
    expect((await h.request('GET', '/api/v1/me', undefined, { token: byKey })).status).toBe(200);

    // Another organization adds her as its owner: acme's key made a token that would now open it.
    await h.request('POST', '/api/v1/orgs/foreign/members', { email: 'carol@example.com', role: 'owner' });
    expect(
      (await h.request('GET', '/api/v1/orgs/foreign/api-keys', undefined, { token: byKey })).status,
    ).toBe(401);
    expect((await h.request('GET', '/api/v1/me', undefined, { token: byKey })).status).toBe(401);
    const mine = await h.request('GET', '/api/v1/me', undefined, { token: byAdmin });
    expect(mine.body.organizations.map((o: { slug: string }) => o.slug)).toEqual(['acme', 'foreign']);
  });

  it('lists and revokes personal tokens: the person their own, an org key those it made, never another org', async () => {
    const dana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'dana@example.com' })).body
      .userId;
    const byKey = (
      await h.request('POST', `/api/v1/users/${dana}/tokens`, { name: 'ci' }, { token: acmeKey })
    ).body;
    const byAdmin = (await h.request('POST', `/api/v1/users/${dana}/tokens`, { name: 'laptop' })).body;
    const names = (answer: { body: { data: { name: string }[] } }) =>
      answer.body.data.map((t) => t.name).sort();

    const own = await h.request('GET', `/api/v1/users/${dana}/tokens`, undefined, { token: byAdmin.token });
    expect(names(own)).toEqual(['ci', 'laptop']);
    expect(own.text).not.toContain(byKey.token);
    expect(
      names(await h.request('GET', `/api/v1/users/${dana}/tokens`, undefined, { token: acmeKey })),
    ).toEqual(['ci']);
    expect(
      (await h.request('GET', `/api/v1/users/${dana}/tokens`, undefined, { token: sideKey })).status,
    ).toBe(404);
    expect((await h.request('GET', `/api/v1/users/${dana}/tokens`, undefined, { token })).status).toBe(404);

    // An org key revokes what it made, not the person's own.
    const foreignRevoke = `/api/v1/users/${dana}/tokens/${byAdmin.id}`;
    expect((await h.request('DELETE', foreignRevoke, undefined, { token: acmeKey })).status).toBe(404);
    expect(
      (await h.request('DELETE', `/api/v1/users/${dana}/tokens/${byKey.id}`, undefined, { token: acmeKey }))
        .status,
    ).toBe(204);
    expect((await h.request('GET', '/api/v1/me', undefined, { token: byKey.token })).status).toBe(401);
    // The person revokes their own: it stops working at once.
    expect((await h.request('DELETE', foreignRevoke, undefined, { token: byAdmin.token })).status).toBe(204);
    expect((await h.request('GET', '/api/v1/me', undefined, { token: byAdmin.token })).status).toBe(401);
  });

  it('renames an org API key: its token keeps working; another organization and members cannot', async () => {
    const made = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'prometheus' })).body;
    const path = `/api/v1/orgs/acme/api-keys/${made.id}`;
    const renamed = await h.request('PATCH', path, { name: 'Prometheus on prod-1' });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ id: made.id, name: 'Prometheus on prod-1', prefix: made.prefix });
    expect(renamed.text).not.toContain(made.token);
    const listed = (await h.request('GET', '/api/v1/orgs/acme/api-keys')).body.data;
    expect(listed.find((k: { id: string }) => k.id === made.id).name).toBe('Prometheus on prod-1');
    expect(
      (await h.request('GET', '/api/v1/orgs/acme/projects', undefined, { token: made.token })).status,
    ).toBe(200);
    expect((await h.request('PATCH', path, { name: '' })).body.error.details[0].path).toBe('name');
    expect((await h.request('PATCH', `/api/v1/orgs/foreign/api-keys/${made.id}`, { name: 'x' })).status).toBe(
      404,
    );
    expect((await h.request('PATCH', path, { name: 'x' }, { token: sideKey })).status).toBe(404);
  });

  it('revokes an org API key: it stops working, and another organization cannot revoke it', async () => {
    const made = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'leaked' })).body;
    expect(
      (await h.request('GET', '/api/v1/orgs/acme/projects', undefined, { token: made.token })).status,
    ).toBe(200);
    const path = `/api/v1/orgs/acme/api-keys/${made.id}`;
    expect((await h.request('DELETE', `/api/v1/orgs/foreign/api-keys/${made.id}`)).status).toBe(404);
    expect((await h.request('DELETE', path, undefined, { token: sideKey })).status).toBe(404);
    expect((await h.request('DELETE', path, undefined, { token: acmeKey })).status).toBe(204);
    expect(
      (await h.request('GET', '/api/v1/orgs/acme/projects', undefined, { token: made.token })).status,
    ).toBe(401);
    const keys = await h.request('GET', '/api/v1/orgs/acme/api-keys');
    expect(keys.body.data.map((k: { name: string }) => k.name)).not.toContain('leaked');
    expect((await h.request('DELETE', path)).status).toBe(404);
  });
});
