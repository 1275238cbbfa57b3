import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../clock.js';
import { memoryInboxBus } from '../../../inbox/inbox-bus.js';
import { type InboxMessage, inboxStore } from '../../../inbox/inbox-store.js';
import { openStore, type Store } from '../../../store/store.js';
import type { InAppContent } from '../../../templates/inapp/inapp-renderer.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import { captureLogger, testContext, testMessage } from '../../channel-test-kit.js';
import { inappChannel } from './inapp-channel.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-inapp-'));
const clock = manualClock('2026-03-14T09:00:00Z');
let store: Store;
const announced: { userId: string; message: InboxMessage }[] = [];

const content: InAppContent = {
  title: 'TypeError in checkout',
  body: 'x is undefined',
  url: 'https://herald.test/issues/1',
};

beforeAll(async () => {
  store = openStore({ databaseUrl: null, dataDir: dir });
  await store.migrate();
  const now = clock.now();
  await store.db
    .insertInto('organizations')
    .values({ id: 'org_1', slug: 'acme', name: 'Acme', options: '{}', created_at: now, updated_at: now })
    .execute();
  await store.db
    .insertInto('users')
    .values({
      id: 'usr_1',
      email: 'ada@example.test',
      name: 'Ada',
      locale: 'en',
      timezone: 'UTC',
      created_at: now,
      last_active_at: null,
    })
    .execute();
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const channel = () =>
  inappChannel({
    db: store.db,
    clock,
    onMessage: (userId, message) => void announced.push({ userId, message }),
  });

describe('inapp channel', () => {
  it('stores the message in the recipient’s inbox and announces it once', async () => {
    announced.length = 0;
    const message = testMessage(content, { type: 'user', id: 'usr_1' });
    const result = await channel().send(message, testContext({ clock }));
    expect(result.providerMessageId).toMatch(/^msg_/);
    expect(result.providerResponse).toBe('stored in inbox');
    const page = await inboxStore({ db: store.db, clock }).list('usr_1', { status: 'unread', limit: 10 });
    expect(page.unreadCount).toBe(1);
    expect(page.data[0]).toMatchObject({
      id: result.providerMessageId,
      title: 'TypeError in checkout',
      body: 'x is undefined',
      url: 'https://herald.test/issues/1',
      type: 'issue_alert',
      notificationId: message.notificationId,
      readAt: null,
      createdAt: '2026-03-14T09:00:00.000Z',
    });
    expect(announced).toEqual([{ userId: 'usr_1', message: page.data[0] }]);
  });

  it('is idempotent on the delivery: a repeated send stores and announces nothing new', async () => {
    announced.length = 0;
    const message = testMessage(content, { type: 'user', id: 'usr_1' });
    const first = await channel().send(message, testContext({ clock }));
    clock.advance(1000);
    const again = await channel().send(message, testContext({ clock }));
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(again.providerResponse).toBe('already in inbox');
    expect(announced).toHaveLength(1);
    const rows = await store.db
      .selectFrom('inbox_messages')
      .select('id')
      .where('delivery_id', '=', message.deliveryId)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('takes the organization from the notification the message belongs to', async () => {
    const now = clock.now();
    await store.db
      .insertInto('notifications')
      .values({
        id: 'ntf_org',
        org_id: 'org_1',
        project_id: null,
        type: 'deploy',
        issue_id: null,
        event_id: null,
        rule_ids: '[]',
        payload: '{}',
        dedupe_key: 'ntf_org',
        created_at: now,
      })
      .execute();
    const message = { ...testMessage(content, { type: 'user', id: 'usr_1' }), notificationId: 'ntf_org' };
    const { providerMessageId } = await channel().send(message, testContext({ clock }));
    const found = await inboxStore({ db: store.db, clock }).find('usr_1', providerMessageId!);
    expect(found?.orgId).toBe('org_1');
  });

  it('publishes to a live subscriber of the recipient through the bus, not to others', async () => {
    const bus = memoryInboxBus();
    const mine: string[] = [];
    const theirs: string[] = [];
    bus.subscribe('usr_1', (s) => void (s.kind === 'message' && mine.push(s.message?.title ?? '')));
    bus.subscribe('usr_2', (s) => void (s.kind === 'message' && theirs.push(s.messageId)));
    const wired = inappChannel({ db: store.db, clock, onMessage: (u, m) => bus.publish(u, m) });
    await wired.send(testMessage(content, { type: 'user', id: 'usr_1' }), testContext({ clock }));
    expect(mine).toEqual(['TypeError in checkout']);
    expect(theirs).toEqual([]);
    await bus.close();
  });

  it('keeps the message when announcing it fails, and says so in the log', async () => {
    const captured = captureLogger();
    const failing = inappChannel({
      db: store.db,
      clock,
      onMessage: () => {
        throw new Error('bus down');
      },
    });
    const message = testMessage(content, { type: 'user', id: 'usr_1' });
    const result = await failing.send(message, testContext({ clock, logger: captured.logger }));
    expect(result.providerResponse).toBe('stored in inbox');
    expect(captured.text()).toContain('inbox message stored but not announced');
  });

  it('refuses permanently what can never land in an inbox', async () => {
    const toChannel = await channel()
      .send(testMessage(content, { type: 'channel', id: 'alerts' }), testContext({ clock }))
      .catch((e: unknown) => e);
    expect(toChannel).toBeInstanceOf(PermanentDeliveryError);
    expect(toChannel).toMatchObject({ code: 'invalid_recipient' });

    const badContent = await channel()
      .send(
        testMessage({ title: '', body: 'x', url: '' }, { type: 'user', id: 'usr_1' }),
        testContext({ clock }),
      )
      .catch((e: unknown) => e);
    expect(badContent).toMatchObject({ code: 'invalid_content' });

    const gone = await channel()
      .send(testMessage(content, { type: 'user', id: 'usr_gone' }), testContext({ clock }))
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentDeliveryError);
    expect(gone).toMatchObject({ code: 'unknown_recipient', disableTarget: true });
  });

  it('is transient when the send was aborted before it stored anything', async () => {
    const controller = new AbortController();
    controller.abort();
    const message = testMessage(content, { type: 'user', id: 'usr_1' });
    const err = await channel()
      .send(message, testContext({ clock, signal: controller.signal }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(
      await store.db
        .selectFrom('inbox_messages')
        .where('delivery_id', '=', message.deliveryId)
        .select('id')
        .execute(),
    ).toEqual([]);
  });
});
