import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushDeliveryHooks } from '../../src/push/push-subscriptions.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** A subscription as a browser's `PushSubscription.toJSON()` gives it. */
function browserSubscription(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint,
    expirationTime: null,
    keys: { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

describe.skipIf(SKIP_PROFILE)('web push subscriptions', () => {
  let h: TestHerald;
  let alice: string;
  let aliceToken: string;
  let bobToken: string;
  const endpoint = 'https://127.0.0.1:9/push/v2/sub-7f3a9c';

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    alice = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@example.com' })).body
      .userId;
    const bob = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'bob@example.com' })).body
      .userId;
    aliceToken = (await h.request('POST', `/api/v1/users/${alice}/tokens`, {})).body.token;
    bobToken = (await h.request('POST', `/api/v1/users/${bob}/tokens`, {})).body.token;
  });
  afterAll(() => h?.close());

  it('serves the installation’s VAPID public key without a token, the same every time', async () => {
    const first = await h.request('GET', '/api/v1/push/vapid-public-key', undefined, { token: null });
    expect(first.status).toBe(200);
    expect(Buffer.from(first.body.publicKey, 'base64url')).toHaveLength(65);
    const again = await h.request('GET', '/api/v1/push/vapid-public-key', undefined, { token: null });
    expect(again.body.publicKey).toBe(first.body.publicKey);
    const stored = await h.engine.store.db
      .selectFrom('instance_settings')
      .select('value')
      .where('key', '=', 'vapid_keys')
      .executeTakeFirstOrThrow();
    const parsed = JSON.parse(stored.value);
    expect(parsed.publicKey).toBe(first.body.publicKey);
    expect(parsed.privateKey).toMatch(/^v1\./);
  });

  it('saves a browser subscription for the token’s user and lists it', async () => {
    const sub = browserSubscription(endpoint);
    const created = await h.request('POST', '/api/v1/me/push-subscriptions', sub, {
      token: aliceToken,
      headers: { 'user-agent': 'Firefox/140' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ endpoint, userAgent: 'Firefox/140', lastUsedAt: null });
    expect(created.text).not.toContain(sub.keys.auth);
    const list = await h.request('GET', '/api/v1/me/push-subscriptions', undefined, { token: aliceToken });
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    expect((await h.engine.services.pushSubscriptions.pushTargets(alice))[0]?.subscription).toEqual({
      endpoint,
      keys: sub.keys,
    });
  });

  it('updates the keys when the same browser subscribes again', async () => {
    const renewed = browserSubscription(endpoint);
    const again = await h.request('POST', '/api/v1/me/push-subscriptions', renewed, { token: aliceToken });
    expect(again.status).toBe(201);
    const targets = await h.engine.services.pushSubscriptions.pushTargets(alice);
    expect(targets).toHaveLength(1);
    expect(targets[0]?.subscription.keys).toEqual(renewed.keys);
  });

  it('names every bad field', async () => {
    const bad = await h.request(
      'POST',
      '/api/v1/me/push-subscriptions',
      { endpoint: 'http://push.example.com/x', keys: { p256dh: 'short', auth: 'AAAA' } },
      { token: aliceToken },
    );
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['endpoint', 'keys.auth', 'keys.p256dh']);
  });

  it('deletes only the caller’s own subscriptions', async () => {
    const [sub] = (await h.request('GET', '/api/v1/me/push-subscriptions', undefined, { token: aliceToken }))
      .body.data;
    const byBob = await h.request('DELETE', `/api/v1/me/push-subscriptions/${sub.id}`, undefined, {
      token: bobToken,
    });
    expect(byBob.status).toBe(404);
    const byAdmin = await h.request('DELETE', `/api/v1/me/push-subscriptions/${sub.id}`);
    expect(byAdmin.status).toBe(404);
    const own = await h.request('DELETE', `/api/v1/me/push-subscriptions/${sub.id}`, undefined, {
      token: aliceToken,
    });
    expect(own.status).toBe(204);
    const list = await h.request('GET', '/api/v1/me/push-subscriptions', undefined, { token: aliceToken });
    expect(list.body.data).toEqual([]);
  });

  it('forgets an endpoint the push service said is gone', async () => {
    const gone = 'https://127.0.0.1:9/push/v2/sub-gone';
    await h.request('POST', '/api/v1/me/push-subscriptions', browserSubscription(gone), {
      token: aliceToken,
    });
    const push = h.engine.services.pushSubscriptions;
    expect(await push.removePushSubscription(gone)).toBe(true);
    expect(await push.removePushSubscription(gone)).toBe(false);
    expect(await push.pushTargets(alice)).toEqual([]);
  });

  it('gives the delivery stage one push per browser and forgets a gone one', async () => {
    const hooks = pushDeliveryHooks(h.engine.services.pushSubscriptions);
    const one = browserSubscription('https://127.0.0.1:9/push/v2/laptop');
    const two = browserSubscription('https://127.0.0.1:9/push/v2/phone');
    for (const sub of [one, two]) {
      await h.request('POST', '/api/v1/me/push-subscriptions', sub, { token: aliceToken });
    }
    const contents = await hooks.personalContent('push', alice);
    expect(contents?.map((c) => (c.subscription as { endpoint: string }).endpoint).sort()).toEqual([
      one.endpoint,
      two.endpoint,
    ]);
    expect(await hooks.personalContent('email', alice)).toBeNull();
    await hooks.onTargetGone({}, { title: 'x', subscription: { endpoint: one.endpoint, keys: one.keys } });
    const left = await h.request('GET', '/api/v1/me/push-subscriptions', undefined, { token: aliceToken });
    expect(left.body.data.map((s: { endpoint: string }) => s.endpoint)).toEqual([two.endpoint]);
    expect(await hooks.personalContent('push', 'usr_nobody')).toEqual([]);
  });

  it('refuses endpoints on private addresses unless they are allowed', async () => {
    const strict = await startHerald({ allowPrivateTargets: false });
    try {
      await strict.request('POST', '/api/v1/orgs', { slug: 'acme' });
      const user = (await strict.request('POST', '/api/v1/orgs/acme/members', { email: 'c@example.com' }))
        .body.userId;
      const token = (await strict.request('POST', `/api/v1/users/${user}/tokens`, {})).body.token;
      const refused = await strict.request(
        'POST',
        '/api/v1/me/push-subscriptions',
        browserSubscription(endpoint),
        {
          token,
        },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([
        { path: 'endpoint', message: expect.stringMatching(/private/) },
      ]);
    } finally {
      await strict.close();
    }
  });
});
