import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { testContext, testMessage } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { openSse } from '../helpers/sse.js';

describe.skipIf(SKIP_PROFILE)('in-app inbox', () => {
  let h: TestHerald;
  let alice: string;
  let bob: string;
  let aliceToken: string;
  let bobToken: string;
  let orgKey: string;

  /** Delivers one in-app message the way the delivery stage does: through the engine's channel. */
  async function deliver(userId: string, title: string): Promise<string> {
    (h.clock as ManualClock).advance(1000);
    const channel = h.engine.channels.get('inapp');
    if (!channel) throw new Error('no inapp channel');
    const message = testMessage(
      { title, body: `${title} happened`, url: `https://herald.test/${encodeURIComponent(title)}` },
      { type: 'user', id: userId },
    );
    const result = await channel.send(message, testContext({ clock: h.clock }));
    return result.providerMessageId ?? '';
  }

  const get = (path: string, token: string) => h.request('GET', path, undefined, { token });
  const post = (path: string, token: string) => h.request('POST', path, undefined, { token });

  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    alice = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@example.com' })).body
      .userId;
    bob = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'bob@example.com' })).body.userId;
    aliceToken = (await h.request('POST', `/api/v1/users/${alice}/tokens`, {})).body.token;
    bobToken = (await h.request('POST', `/api/v1/users/${bob}/tokens`, {})).body.token;
    orgKey = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'ci' })).body.token;
  });
  afterAll(() => h?.close());

  describe('listing and state', () => {
    let first: string;
    let second: string;
    let third: string;

    beforeAll(async () => {
      first = await deliver(alice, 'First');
      second = await deliver(alice, 'Second');
      third = await deliver(alice, 'Third');
      await deliver(bob, 'For Bob');
    });

    it('lists the user’s messages newest first with the unread count', async () => {
      const page = await get('/api/v1/me/inbox', aliceToken);
      expect(page.status).toBe(200);
      expect(page.body.data.map((m: { title: string }) => m.title)).toEqual(['Third', 'Second', 'First']);
      expect(page.body.unreadCount).toBe(3);
      expect(page.body.nextCursor).toBeNull();
      expect(page.body.data[0]).toMatchObject({
        id: third,
        body: 'Third happened',
        url: 'https://herald.test/Third',
        type: 'issue_alert',
        readAt: null,
        archivedAt: null,
      });
    });

    it('pages with a cursor', async () => {
      const one = await get('/api/v1/me/inbox?limit=2', aliceToken);
      expect(one.body.data.map((m: { id: string }) => m.id)).toEqual([third, second]);
      expect(one.body.nextCursor).toBe(second);
      const two = await get(`/api/v1/me/inbox?limit=2&cursor=${one.body.nextCursor}`, aliceToken);
      expect(two.body.data.map((m: { id: string }) => m.id)).toEqual([first]);
      expect(two.body.nextCursor).toBeNull();
      // A cursor that is not one of this list's is refused, not answered with an empty page.
      const garbage = await get('/api/v1/me/inbox?limit=2&cursor=garbage', aliceToken);
      expect(garbage.status).toBe(400);
      expect(garbage.body.error.details).toEqual([
        { path: 'query.cursor', message: 'is not a cursor of this list: pass nextCursor as it came' },
      ]);
    });

    it('marks read and unread, and filters by status', async () => {
      const read = await post(`/api/v1/me/inbox/${second}/read`, aliceToken);
      expect(read.status).toBe(200);
      expect(read.body.readAt).toBe(new Date(h.clock.now()).toISOString());
      const unreadOnly = await get('/api/v1/me/inbox?status=unread', aliceToken);
      expect(unreadOnly.body.data.map((m: { id: string }) => m.id)).toEqual([third, first]);
      expect(unreadOnly.body.unreadCount).toBe(2);
      const readOnly = await get('/api/v1/me/inbox?status=read', aliceToken);
      expect(readOnly.body.data.map((m: { id: string }) => m.id)).toEqual([second]);

      const unread = await post(`/api/v1/me/inbox/${second}/unread`, aliceToken);
      expect(unread.body.readAt).toBeNull();
      expect((await get('/api/v1/me/inbox', aliceToken)).body.unreadCount).toBe(3);
    });

    it('archives out of the inbox and the unread count', async () => {
      const archived = await post(`/api/v1/me/inbox/${first}/archive`, aliceToken);
      expect(archived.status).toBe(200);
      expect(archived.body.archivedAt).not.toBeNull();
      const inbox = await get('/api/v1/me/inbox', aliceToken);
      expect(inbox.body.data.map((m: { id: string }) => m.id)).toEqual([third, second]);
      expect(inbox.body.unreadCount).toBe(2);
      const archive = await get('/api/v1/me/inbox?status=archived', aliceToken);
      expect(archive.body.data.map((m: { id: string }) => m.id)).toEqual([first]);
    });

    it('marks everything read at once, and only the caller’s messages', async () => {
      const all = await post('/api/v1/me/inbox/read-all', aliceToken);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ updated: 2, unreadCount: 0 });
      expect((await get('/api/v1/me/inbox?status=unread', aliceToken)).body.data).toEqual([]);
      expect((await get('/api/v1/me/inbox', bobToken)).body.unreadCount).toBe(1);
    });

    it('keeps users apart: another user’s message is 404 and never listed', async () => {
      const bobs = await get('/api/v1/me/inbox', bobToken);
      expect(bobs.body.data.map((m: { title: string }) => m.title)).toEqual(['For Bob']);
      for (const action of ['read', 'unread', 'archive']) {
        const foreign = await post(`/api/v1/me/inbox/${third}/${action}`, bobToken);
        expect(foreign.status).toBe(404);
        expect(foreign.body.error.code).toBe('not_found');
      }
      const after = await get('/api/v1/me/inbox?status=all', aliceToken);
      expect(after.body.data.find((m: { id: string }) => m.id === third).archivedAt).toBeNull();
      expect((await post('/api/v1/me/inbox/msg_missing/read', aliceToken)).status).toBe(404);
    });

    it('has no inbox for the admin token or org keys, and needs a token', async () => {
      expect((await h.request('GET', '/api/v1/me/inbox')).status).toBe(404);
      expect((await get('/api/v1/me/inbox', orgKey)).status).toBe(404);
      expect((await h.request('GET', '/api/v1/me/inbox', undefined, { token: null })).status).toBe(401);
    });

    it('names a bad status', async () => {
      const bad = await get('/api/v1/me/inbox?status=starred', aliceToken);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('query.status');
    });
  });

  describe('live stream', () => {
    const streamUrl = () => `${h.url}/api/v1/me/inbox/stream`;

    it('pushes a message the moment it is delivered, authenticated by ?token=', async () => {
      const stream = await openSse(`${streamUrl()}?token=${encodeURIComponent(aliceToken)}`);
      try {
        expect(stream.status).toBe(200);
        expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
        expect(stream.comments).toContain('connected');
        await deliver(bob, 'Not for Alice');
        const id = await deliver(alice, 'Live one');
        const event = await stream.next();
        expect(event.event).toBe('message');
        expect(event.id).toBe(id);
        const message = JSON.parse(event.data);
        expect(message).toMatchObject({ id, title: 'Live one', body: 'Live one happened', readAt: null });
        const listed = (await get('/api/v1/me/inbox', aliceToken)).body.data[0];
        expect(message).toEqual(listed);
        expect(stream.pending()).toEqual([]);
      } finally {
        stream.close();
      }
      // The stream's request line is written when it closes; the token in its URL must be redacted.
      await vi.waitFor(() =>
        expect(
          h.logs.some((l) => l.includes('"url":"/api/v1/me/inbox/stream?token=[redacted]","status":200')),
        ).toBe(true),
      );
      expect(h.logs.join('\n')).not.toContain(aliceToken);
    });

    it('accepts the bearer header and replays what came after Last-Event-ID', async () => {
      const seen = await deliver(alice, 'Seen before');
      const missed1 = await deliver(alice, 'Missed 1');
      const missed2 = await deliver(alice, 'Missed 2');
      const stream = await openSse(streamUrl(), {
        authorization: `Bearer ${aliceToken}`,
        'last-event-id': seen,
      });
      try {
        expect((await stream.next()).id).toBe(missed1);
        expect((await stream.next()).id).toBe(missed2);
        const live = await deliver(alice, 'After replay');
        const event = await stream.next();
        expect(event.id).toBe(live);
        expect(JSON.parse(event.data).title).toBe('After replay');
      } finally {
        stream.close();
      }
    });

    it('refuses a bad token with 401 and credentials without an inbox with 404', async () => {
      const bad = await openSse(`${streamUrl()}?token=hru_not-a-token`);
      expect(bad.status).toBe(401);
      expect(JSON.parse(await bad.text()).error.code).toBe('unauthorized');
      const none = await openSse(streamUrl());
      expect(none.status).toBe(401);
      await none.text();
      const admin = await openSse(`${streamUrl()}?token=${encodeURIComponent(orgKey)}`);
      expect(admin.status).toBe(404);
      await admin.text();
      expect(h.logs.join('\n')).not.toContain('hru_not-a-token');
    });

    it('ends open streams when the server stops', async () => {
      const other = await startHerald();
      try {
        await other.request('POST', '/api/v1/orgs', { slug: 'solo' });
        const user = (await other.request('POST', '/api/v1/orgs/solo/members', { email: 'solo@example.com' }))
          .body.userId;
        const token = (await other.request('POST', `/api/v1/users/${user}/tokens`, {})).body.token;
        const stream = await openSse(`${other.url}/api/v1/me/inbox/stream?token=${token}`);
        const ended = stream.text();
        await other.close();
        await expect(ended).resolves.toContain(': connected');
      } catch (error) {
        await other.close().catch(() => undefined);
        throw error;
      }
    });
  });
});
