import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { parseJsonObject } from '../store/json.js';
import { preparedStatement } from '../store/prepared-query.js';
import { preparedRows, preparedWrites } from '../store/prepared-rows.js';
import type { Database, NotificationRuleTable, NotificationTable } from '../store/schema.js';
import { payloadFingerprint, trustedPayload } from './registry.js';

/** What makes a notification. */
export interface NewNotification {
  /** Chosen by the caller when it prepared work for the notification before writing it; else new. */
  readonly id?: string;
  readonly orgId: string;
  readonly projectId: string | null;
  readonly type: string;
  readonly issueId: string | null;
  readonly eventId: string | null;
  readonly ruleIds: readonly string[];
  readonly payload: Readonly<Record<string, unknown>>;
  /** The cause, unique: a second firing for the same cause finds the first notification. */
  readonly dedupeKey: string;
  /** When the event it came from arrived (the event→sent latency starts there); absent when none. */
  readonly eventReceivedAt?: number | null;
}

/** A notification row as the delivery stage reads it, with the arrival of the event it came from. */
export type NotificationWithArrival = NotificationTable & { readonly event_received_at: number | null };

// One parse per row object: the fan-out and the deliveries of a kept row share its payload (and what is
// derived from it, such as the registry's validated form).
const payloads = new WeakMap<NotificationTable, Record<string, unknown>>();

/**
 * The payload of a notification row, parsed once per row object; callers must not change it. Taken as
 * valid for its type when stored with the fingerprint of the type's schema as it is now (see
 * `trustedPayload`): a delivery read back is not validated again.
 */
export function notificationPayload(row: NotificationTable): Record<string, unknown> {
  let payload = payloads.get(row);
  if (!payload) {
    payload = parseJsonObject(row.payload);
    trustedPayload(row.type, payload, row.payload_schema);
    payloads.set(row, payload);
  }
  return payload;
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

/** A notification's row as the stages that act on it read it. */
export function storedNotification(row: NotificationTable): StoredNotification {
  return {
    id: row.id,
    orgId: row.org_id,
    projectId: row.project_id,
    type: row.type,
    issueId: row.issue_id,
    eventId: row.event_id,
    ruleIds: JSON.parse(row.rule_ids) as string[],
    payload: notificationPayload(row),
    createdAt: row.created_at,
  };
}

type Db = Kysely<Database> | Transaction<Database>;

// Every firing runs these: compiled once (see store/prepared-rows.ts).
const NOTIFICATION_COLUMNS = Object.keys({
  id: 1,
  org_id: 1,
  project_id: 1,
  type: 1,
  issue_id: 1,
  event_id: 1,
  rule_ids: 1,
  payload: 1,
  payload_schema: 1,
  dedupe_key: 1,
  created_at: 1,
} satisfies Record<keyof NotificationTable, 1>) as (keyof NotificationTable)[];
const insertNotifications = preparedWrites<NotificationTable>(NOTIFICATION_COLUMNS, (rows, db) =>
  db
    .insertInto('notifications')
    .values(rows)
    .onConflict((oc) => oc.column('dedupe_key').doNothing()),
);
const insertNotificationRules = preparedRows<NotificationRuleTable>(
  ['notification_id', 'rule_id'],
  (rows, db) => db.insertInto('notification_rules').values(rows),
);
const selectNotification = preparedStatement<Database, { id: string }, NotificationTable>(['id'], (db, p) =>
  db.selectFrom('notifications').selectAll().where('id', '=', p.id),
);

/** Notifications created here and kept to be read back: fan-out and delivery follow within moments. */
const KEPT_NOTIFICATIONS = 2_000;

/**
 * Notifications: one row per firing of one type, idempotent by its cause. A notification never changes
 * once written, so the ones created by this process are kept (the most recent {@link KEPT_NOTIFICATIONS})
 * for the fan-out and delivery stages, which otherwise read each one back moments later. One whose
 * transaction rolled back is kept too, but nothing refers to its id.
 */
export function notificationStore(deps: { db: Kysely<Database>; clock: Clock }) {
  const kept = new Map<string, { row: NotificationWithArrival; stored?: StoredNotification }>();
  function keep(row: NotificationWithArrival): void {
    if (kept.size >= KEPT_NOTIFICATIONS) kept.delete(kept.keys().next().value as string);
    kept.set(row.id, { row });
  }

  /**
   * `create` for several notifications in one statement (the firings of events evaluated
   * together); answers each one's id and whether it is new, in order.
   */
  async function createMany(
    db: Db,
    inputs: readonly NewNotification[],
  ): Promise<{ id: string; created: boolean }[]> {
    const now = deps.clock.now();
    const rows = inputs.map(
      (input): NotificationTable => ({
        id: input.id ?? newId('ntf', now),
        org_id: input.orgId,
        project_id: input.projectId,
        type: input.type,
        issue_id: input.issueId,
        event_id: input.eventId,
        rule_ids: JSON.stringify(input.ruleIds),
        payload: JSON.stringify(input.payload),
        payload_schema: payloadFingerprint(input.type, input.payload),
        dedupe_key: input.dedupeKey,
        created_at: now,
      }),
    );
    const inserted = await insertNotifications(db, rows);
    // A dedupe key already taken leaves its row as it is: the answer names that row's id. Rare (a
    // firing evaluated again), so only then are the keys looked up.
    const existing =
      inserted === rows.length
        ? null
        : new Map(
            (
              await db
                .selectFrom('notifications')
                .select(['id', 'dedupe_key'])
                .where(
                  'dedupe_key',
                  'in',
                  rows.map((row) => row.dedupe_key),
                )
                .execute()
            ).map((row) => [row.dedupe_key, row.id]),
          );
    const answers = rows.map((row) => {
      const id = existing?.get(row.dedupe_key) ?? row.id;
      return { id, created: id === row.id };
    });
    await insertNotificationRules(
      db,
      inputs.flatMap((input, i) =>
        answers[i]!.created
          ? input.ruleIds.map((rule_id) => ({ notification_id: rows[i]!.id, rule_id }))
          : [],
      ),
    );
    inputs.forEach((input, i) => {
      // Kept for the delivery stage only when the event's arrival is known (it reports latency from it).
      if (!answers[i]!.created || (input.eventReceivedAt === undefined && input.eventId !== null)) return;
      const keptRow = { ...rows[i]!, event_received_at: input.eventReceivedAt ?? null };
      // Its payload is the object given, not a parse of the text stored (payloads are JSON data, so
      // the two are equal): what the fan-out derived from it (the registry's validated form) is then
      // reused by the deliveries instead of parsed and validated again.
      payloads.set(keptRow, input.payload);
      keep(keptRow);
    });
    return answers;
  }

  return {
    /**
     * Creates the notification in `db` (usually the caller's transaction) unless one with the same
     * dedupe key exists; returns its id and whether it is new.
     */
    async create(db: Db, input: NewNotification): Promise<{ id: string; created: boolean }> {
      return (await createMany(db, [input]))[0]!;
    },

    /** `create` for several notifications in one statement, in order. */
    createMany,

    async get(id: string): Promise<StoredNotification | null> {
      const known = kept.get(id);
      if (known) {
        known.stored ??= storedNotification(known.row);
        return known.stored;
      }
      const row = (await selectNotification(deps.db, { id })).rows[0];
      return row ? storedNotification(row) : null;
    },

    /** The row of a notification created by this process lately, or undefined: read it from the database. */
    recent(id: string): NotificationWithArrival | undefined {
      return kept.get(id)?.row;
    },
  };
}

/** The notifications store. */
export type NotificationStore = ReturnType<typeof notificationStore>;
