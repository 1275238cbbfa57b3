import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/store.js';
import { manualClock } from '../clock.js';
import type { Store } from '../store/store.js';
import { notificationPayload, notificationStore } from './notification-store.js';

describe('notification store', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await database.open();
    await store.db
      .insertInto('organizations')
      .values({ id: 'org_1', slug: 'acme', name: 'Acme', options: '{}', created_at: 1, updated_at: 1 })
      .execute();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('hands the deliveries of a notification created here the payload it was given, equal to the one stored', async () => {
    const notifications = notificationStore({ db: store.db, clock: manualClock(1_000) });
    const payload = { organization: { name: 'Acme' }, count: 3, tags: [['env', 'prod']] };
    const { id } = await notifications.create(store.db, {
      orgId: 'org_1',
      projectId: null,
      type: 'rule_saved',
      issueId: null,
      eventId: null,
      ruleIds: [],
      payload,
      dedupeKey: 'kept-payload',
    });
    const kept = notifications.recent(id);
    expect(kept).toBeDefined();
    // The same object: what was derived from it before the write (its validated form) is reused.
    expect(notificationPayload(kept!)).toBe(payload);
    const stored = await store.db
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(notificationPayload(stored)).toEqual(payload);
  });
});
