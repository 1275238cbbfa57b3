import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { parseJsonObject } from '../store/json.js';
import { preparedStatement } from '../store/prepared-query.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database, NotificationRuleTable, NotificationTable } from '../store/schema.js';

/** What makes a notification. */
export interface NewNotification {
  readonly orgId: string;
  readonly projectId: string | null;
  readonly type: string;
  readonly issueId: string | null;
  readonly eventId: string | null;
  readonly ruleIds: readonly string[];
  readonly payload: Readonly<Record<string, unknown>>;
  /** The cause, unique: a second firing for the same cause finds the first notification. */
  readonly dedupeKey: string;
}

/** A stored notification. */
export interface StoredNotification {
  readonly id: string;
  readonly orgId: string;
  readonly projectId: string | null;
  readonly type: string;
  readonly issueId: string | null;
  readonly eventId: string | null;
  readonly ruleIds: string[];
  readonly payload: Record<string, unknown>;
  readonly createdAt: number;
}

type Db = Kysely<Database> | Transaction<Database>;

// Every firing runs these: compiled once (see store/prepared-query.ts).
const insertNotification = preparedStatement<Database, NotificationTable, never>(
  [
    'id',
    'org_id',
    'project_id',
    'type',
    'issue_id',
    'event_id',
    'rule_ids',
    'payload',
    'dedupe_key',
    'created_at',
  ],
  (db, row) =>
    db
      .insertInto('notifications')
      .values(row)
      .onConflict((oc) => oc.column('dedupe_key').doNothing()),
);
const insertNotificationRules = preparedRows<NotificationRuleTable>(
  ['notification_id', 'rule_id'],
  (rows, db) => db.insertInto('notification_rules').values(rows),
);
const selectNotification = preparedStatement<Database, { id: string }, NotificationTable>(['id'], (db, p) =>
  db.selectFrom('notifications').selectAll().where('id', '=', p.id),
);

/** Notifications: one row per firing of one type, idempotent by its cause. */
export function notificationStore(deps: { db: Kysely<Database>; clock: Clock }) {
  return {
    /**
     * Creates the notification in `db` (usually the caller's transaction) unless one with the same
     * dedupe key exists; returns its id and whether it is new.
     */
    async create(db: Db, input: NewNotification): Promise<{ id: string; created: boolean }> {
      const now = deps.clock.now();
      const id = newId('ntf', now);
      const inserted = await insertNotification(db, {
        id,
        org_id: input.orgId,
        project_id: input.projectId,
        type: input.type,
        issue_id: input.issueId,
        event_id: input.eventId,
        rule_ids: JSON.stringify(input.ruleIds),
        payload: JSON.stringify(input.payload),
        dedupe_key: input.dedupeKey,
        created_at: now,
      });
      if (Number(inserted.numAffectedRows ?? 0) === 0) {
        const existing = await db
          .selectFrom('notifications')
          .select('id')
          .where('dedupe_key', '=', input.dedupeKey)
          .executeTakeFirstOrThrow();
        return { id: existing.id, created: false };
      }
      await insertNotificationRules(
        db,
        input.ruleIds.map((rule_id) => ({ notification_id: id, rule_id })),
      );
      return { id, created: true };
    },

    async get(id: string): Promise<StoredNotification | null> {
      const row = (await selectNotification(deps.db, { id })).rows[0];
      if (!row) return null;
      return {
        id: row.id,
        orgId: row.org_id,
        projectId: row.project_id,
        type: row.type,
        issueId: row.issue_id,
        eventId: row.event_id,
        ruleIds: JSON.parse(row.rule_ids) as string[],
        payload: parseJsonObject(row.payload),
        createdAt: row.created_at,
      };
    },
  };
}

/** The notifications store. */
export type NotificationStore = ReturnType<typeof notificationStore>;
