import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/store.js';
import { manualClock } from '../clock.js';
import type { Store } from '../store/store.js';
import { notificationPayload, notificationStore } from './notification-store.js';
import { builtPayload, notificationType } from './registry.js';
import { issueAlertType } from './types/issue-alert.js';

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

  /** Creates an issue alert with this payload; its id. */
  async function issueAlert(payload: Record<string, unknown>, dedupeKey: string): Promise<string> {
    const notifications = notificationStore({ db: store.db, clock: manualClock(2_000) });
    const { id } = await notifications.create(store.db, {
      orgId: 'org_1',
      projectId: null,
      type: 'issue_alert',
      issueId: null,
      eventId: null,
      ruleIds: [],
      payload,
      dedupeKey,
    });
    return id;
  }

  it('a payload read back under the schema it was written with is not validated again; under another it is', async () => {
    const payload = builtPayload(issueAlertType, issueAlertType.sample());
    const id = await issueAlert(payload, 'fingerprinted-payload');
    const read = () =>
      store.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const stored = await read();
    expect(stored.payload_schema).toMatch(/^[0-9a-f]{64}$/);
    const type = notificationType('issue_alert')!;
    const parse = vi.spyOn(issueAlertType.payload, 'parse');
    try {
      // Read back as a delivery reads it (a new row object, its JSON parsed): taken as valid.
      expect(type.parse(notificationPayload(stored))).toEqual(payload);
      expect(parse).not.toHaveBeenCalled();
      // Written under another schema (an earlier release), or with none: validated.
      for (const payloadSchema of ['0'.repeat(64), null]) {
        const row = { ...(await read()), payload_schema: payloadSchema };
        expect(type.parse(notificationPayload(row))).toEqual(payload);
      }
      expect(parse).toHaveBeenCalledTimes(2);
    } finally {
      parse.mockRestore();
    }
  });

  it('writes no fingerprint for a payload not known valid for its type, nor for one whose parse is a copy', async () => {
    const fingerprint = async (id: string) =>
      (
        await store.db
          .selectFrom('notifications')
          .select('payload_schema')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).payload_schema;
    expect(
      await fingerprint(await issueAlert({ ...issueAlertType.sample() }, 'unchecked-payload')),
    ).toBeNull();
    // Parsed, but its parse is another object (as a schema that transforms would make it): read back, it
    // is parsed again.
    const parsed = { ...issueAlertType.sample() };
    notificationType('issue_alert')!.parse(parsed);
    expect(await fingerprint(await issueAlert(parsed, 'parsed-payload'))).toBeNull();
  });
});
