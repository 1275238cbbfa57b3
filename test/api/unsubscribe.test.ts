import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUnsubscribeToken, type UnsubscribePayload } from '../../src/preferences/unsubscribe-token.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('one-click unsubscribe', () => {
  let h: TestHerald;
  let payload: UnsubscribePayload;
  let link: string;

  const oneClick = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

  beforeAll(async () => {
    h = await startHerald();
    const orgId = (await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' })).body.id;
    const userId = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@example.com' })).body
      .userId;
    const projectId = (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' }))
      .body.id;
    payload = { userId, orgId, projectId, type: 'alerts', issuedAt: h.clock.now() };
    link = h.engine.services.unsubscribe.unsubscribeUrl(h.url, payload);
  });
  afterAll(() => h?.close());

  it('shows a confirmation page on GET and changes nothing', async () => {
    expect(link.startsWith(`${h.url}/unsubscribe?token=`)).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Stop receiving issue alert notifications for API (Acme) by email?');
    expect(html).toContain('<form method="post"');
    const settings = await h.request('GET', `/api/v1/users/${payload.userId}/notification-settings`);
    expect(settings.body.settings).toEqual([]);
  });

  it('applies `never` for email in that project on the one-click POST', async () => {
    const answer = await oneClick(link);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('You are unsubscribed');
    const settings = await h.request(
      'GET',
      `/api/v1/users/${payload.userId}/notification-settings?projectId=${payload.projectId}`,
    );
    expect(settings.body.settings).toEqual([
      {
        ownerType: 'user',
        ownerId: payload.userId,
        type: 'alerts',
        channel: 'email',
        scopeType: 'project',
        scopeId: payload.projectId,
        value: 'never',
      },
    ]);
    const cell = settings.body.effective.find(
      (c: { type: string; channel: string }) => c.type === 'alerts' && c.channel === 'email',
    );
    expect(cell.value).toBe('never');
    // Applying twice is harmless (mail clients retry).
    expect((await oneClick(link)).status).toBe(200);
  });

  it('refuses tampered, foreign and stale-membership links with a page saying so', async () => {
    const token = new URL(link).searchParams.get('token') ?? '';
    const [body = '', mac = ''] = token.split('.');
    const flipped = `${body}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const foreign = signUnsubscribeToken(payload, 'another-installation-secret-key');
    const stranger = h.engine.services.unsubscribe.unsubscribeUrl(h.url, {
      ...payload,
      userId: 'usr_unknown',
    });
    for (const url of [
      `${h.url}/unsubscribe?token=${encodeURIComponent(flipped)}`,
      `${h.url}/unsubscribe?token=${encodeURIComponent(foreign)}`,
      `${h.url}/unsubscribe`,
      stranger,
    ]) {
      const get = await fetch(url);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain('This unsubscribe link is invalid');
      const post = await oneClick(url);
      expect(post.status).toBe(400);
    }
  });
});
