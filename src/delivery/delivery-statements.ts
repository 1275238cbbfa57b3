import { type Kysely, sql } from 'kysely';
import { newId } from '../ids.js';
import type { NotificationWithArrival } from '../notifications/notification-store.js';
import { codePointOrder } from '../store/code-point-order.js';
import { preparedQuery } from '../store/prepared-query.js';
import { preparedRows, preparedWrites } from '../store/prepared-rows.js';
import type { Database, DeliveryAttemptTable, DeliveryTable, UserTable } from '../store/schema.js';
import { turnBatch } from '../store/turn-batch.js';

/**
 * Statuses a delivery is claimed from for a send. Not `deferred`: what waited for quiet hours is
 * released first (decided again, perhaps gathered into a digest), then claimed as `pending`.
 */
const RUNNABLE_STATUSES = ['pending', 'failed'] as const;

/** A notification as the delivery stage reads it, with the arrival of the event it came from. */
export type DeliveryNotification = NotificationWithArrival;

/** The part of a user a message needs: address, name, language and zone. */
export type DeliveryUser = Pick<UserTable, 'id' | 'email' | 'name' | 'locale' | 'timezone'>;

/** How a send ended, as written to the delivery: every field but `sent_at` and `provider_message_id`. */
export type Settlement = Pick<DeliveryTable, 'status' | 'reason' | 'last_error' | 'next_attempt_at'>;

/** How a successful send ended: also when it was sent and the provider's id. */
export type SentSettlement = Settlement & Pick<DeliveryTable, 'sent_at' | 'provider_message_id'>;

/** One send attempt as the history keeps it. */
export interface AttemptRecord {
  readonly started: number;
  readonly outcome: 'sent' | 'transient' | 'permanent';
  readonly code?: string;
  readonly message?: string;
}

/** A delivery as it is first written: never a replay yet (a fallback step is a delivery of its own). */
type NewDeliveryRow = Required<Omit<DeliveryTable, 'replayed_at'>>;

// Written as a record so the compiler proves every column is listed.
const DELIVERY_COLUMNS = Object.keys({
  id: 1,
  notification_id: 1,
  org_id: 1,
  recipient_type: 1,
  recipient_id: 1,
  channel: 1,
  integration_id: 1,
  status: 1,
  reason: 1,
  attempts: 1,
  next_attempt_at: 1,
  last_error: 1,
  provider_message_id: 1,
  digest_id: 1,
  fallback_of: 1,
  fallback_channels: 1,
  created_at: 1,
  updated_at: 1,
  sent_at: 1,
} satisfies Record<keyof NewDeliveryRow, 1>) as (keyof NewDeliveryRow)[];

const insertDeliveryRows = preparedWrites<NewDeliveryRow>(DELIVERY_COLUMNS, (rows, db) =>
  db
    .insertInto('deliveries')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['notification_id', 'recipient_type', 'recipient_id', 'channel']).doNothing(),
    ),
);

/**
 * Writes a delivery in `db` (usually the caller's transaction) unless the notification already has one
 * for the same recipient and channel (the unique key that makes a second send impossible); true when
 * written.
 */
export async function insertDelivery(db: Kysely<Database>, row: DeliveryTable): Promise<boolean> {
  return (await insertDeliveries(db, [row])).has(row.id);
}

/**
 * {@link insertDelivery} for many rows in one statement (fan-out writes one per recipient of every
 * notification); answers the ids written. Rows skipped for a delivery that exists are rare (a fan-out
 * run again), so only then are the ids read back.
 */
export async function insertDeliveries(
  db: Kysely<Database>,
  rows: readonly DeliveryTable[],
): Promise<ReadonlySet<string>> {
  const written = await insertDeliveryRows(
    db,
    rows.map((row) => ({ ...row, fallback_channels: row.fallback_channels ?? null })),
  );
  const ids = rows.map((row) => row.id);
  if (written === rows.length) return new Set(ids);
  if (written === 0) return new Set();
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    for (const row of await db.selectFrom('deliveries').select('id').where('id', 'in', chunk).execute())
      found.add(row.id);
  }
  return found;
}

/**
 * A delivery as {@link deliveryStatements}' `claim` leaves it: `sending`, the attempt counted, its lease
 * starting now. Written as such when a delivery is handed to its worker with no claim of its own.
 */
export function asClaimed(row: DeliveryTable, now: number): DeliveryTable {
  return { ...row, status: 'sending', attempts: row.attempts + 1, updated_at: now };
}

/** How one send ended, to be written: the delivery as claimed, its new fields, and the attempt. */
export interface SendOutcome {
  readonly delivery: Pick<DeliveryTable, 'id' | 'attempts' | 'sent_at' | 'provider_message_id'>;
  readonly outcome: Settlement | SentSettlement;
  readonly record: AttemptRecord;
}

// Written as a record so the compiler proves every column is listed.
const ATTEMPT_COLUMNS = Object.keys({
  id: 1,
  delivery_id: 1,
  attempt: 1,
  started_at: 1,
  duration_ms: 1,
  outcome: 1,
  code: 1,
  message: 1,
} satisfies Record<keyof DeliveryAttemptTable, 1>) as (keyof DeliveryAttemptTable)[];

const insertAttempts = preparedRows<DeliveryAttemptTable, never>(ATTEMPT_COLUMNS, (rows, db) =>
  db.insertInto('delivery_attempts').values(rows),
);

/** A claim of one delivery: its id, the claim's time, and the last update a dead worker's lease allows. */
interface ClaimRequest {
  readonly id: string;
  readonly now: number;
  readonly staleUpTo: number;
}

// Compiled once per row count. Only the first request's times are bound: the requests of one batch are
// made in the same turn.
const claimRows = preparedRows<ClaimRequest, DeliveryTable>(['id', 'now', 'staleUpTo'], (rows, db) => {
  const first = rows[0]!;
  return db
    .updateTable('deliveries')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: first.now }))
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .where((eb) =>
      eb.or([
        eb('status', 'in', RUNNABLE_STATUSES),
        eb.and([eb('status', '=', 'sending'), eb('updated_at', '<=', first.staleUpTo)]),
      ]),
    )
    .returningAll();
});

/** A delivery's new fields once its send ended. */
type SettleRow = SentSettlement & { readonly id: string; readonly updated_at: number };

const SETTLE_COLUMNS = [
  'id',
  'status',
  'sent_at',
  'provider_message_id',
  'reason',
  'last_error',
  'next_attempt_at',
  'updated_at',
] as const satisfies readonly (keyof SettleRow)[];

/**
 * Settles deliveries with one statement however many there are: the new fields as a list of values
 * joined to the rows by id (`UPDATE … FROM`, the same SQL on SQLite and PostgreSQL; the casts give
 * PostgreSQL the numbers' type, which a parameter in a VALUES list does not have). Only a delivery still
 * `sending` is settled: an outcome already written (by a worker that took it over when its lease ran
 * out, and finished first) is never overwritten. On PostgreSQL one statement for a turn's outcomes
 * instead of one each was a round trip and the server's work for a statement less per delivery.
 */
const settleRows = preparedWrites<SettleRow>(SETTLE_COLUMNS, (rows, db) => {
  const bigint = (value: unknown) => sql`cast(${value} as bigint)`;
  const values = rows.map(
    (row) =>
      sql`(${sql.join([
        row.id,
        row.status,
        bigint(row.sent_at),
        row.provider_message_id,
        row.reason,
        row.last_error,
        bigint(row.next_attempt_at),
        bigint(row.updated_at),
      ])})`,
  );
  const columns = sql.join(SETTLE_COLUMNS.map((column) => sql.ref(column)));
  const update = sql`with settled (${columns}) as (values ${sql.join(values)})
    update deliveries set status = settled.status, sent_at = settled.sent_at,
      provider_message_id = settled.provider_message_id, reason = settled.reason,
      last_error = settled.last_error, next_attempt_at = settled.next_attempt_at,
      updated_at = settled.updated_at
    from settled where deliveries.id = settled.id and deliveries.status = 'sending'`;
  return { compile: () => update.compile(db) };
});

const notificationRows = preparedRows<{ id: string }, DeliveryNotification>(['id'], (rows, db) =>
  db
    .selectFrom('notifications')
    .leftJoin('events', 'events.id', 'notifications.event_id')
    .selectAll('notifications')
    .select('events.received_at as event_received_at')
    .where(
      'notifications.id',
      'in',
      rows.map((row) => row.id),
    ),
);

/**
 * The statements of the delivery stage that run for every delivery, each compiled once (see
 * prepared-query.ts). Rare paths (suppression, circuit holds, fallbacks) build their queries as usual.
 */
export function deliveryStatements(db: Kysely<Database>) {
  // One compare-and-set takes the deliveries asked for in one turn (see turnBatch), each from a runnable
  // status or from `sending` whose lease ran out (its worker died), and counts the attempt: two workers
  // never both take one, and takes them in codePointOrder. It writes what asClaimed describes.
  const claim = turnBatch(
    (request: ClaimRequest) => request.id,
    async (requests) => {
      const rows = await claimRows(
        db,
        [...requests].sort((a, b) => codePointOrder(a.id, b.id)),
      );
      return new Map(rows.map((row) => [row.id, row]));
    },
    { exclusive: true },
  );

  const notification = turnBatch(
    (id: string) => id,
    async (ids) => {
      const rows = await notificationRows(
        db,
        ids.map((id) => ({ id })),
      );
      return new Map(rows.map((row) => [row.id, row]));
    },
  );

  const member = preparedQuery<Database, { orgId: string; id: string }, DeliveryUser>(
    db,
    ['orgId', 'id'],
    (db, p) =>
      db
        .selectFrom('users')
        .innerJoin('members', 'members.user_id', 'users.id')
        .select(['users.id', 'users.email', 'users.name', 'users.locale', 'users.timezone'])
        .where('members.org_id', '=', p.orgId)
        .where('users.id', '=', p.id),
  );

  return {
    /** Takes the delivery for a send; the row as now stored, or undefined when it is not free to take. */
    claim(id: string, now: number, leaseMs: number): Promise<DeliveryTable | undefined> {
      return claim({ id, now, staleUpTo: now - leaseMs });
    },
    /** Makes a deferred delivery pending as it is, for a stage that does not decide it again; true when it was. */
    async undefer(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('deliveries')
        .set({ status: 'pending', updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'deferred')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** The delivery's notification, or undefined when it is gone. */
    notification(id: string): Promise<DeliveryNotification | undefined> {
      return notification(id);
    },
    /** The user, or undefined when there is none or they are not a member of the organization. */
    async member(orgId: string, id: string): Promise<DeliveryUser | undefined> {
      return (await member(db, { orgId, id })).rows[0];
    },
    /**
     * Writes the outcomes of sends and their attempts to the history, in the caller's transaction: one
     * update for all the deliveries, one insert for all the attempts.
     */
    async settle(trx: Kysely<Database>, outcomes: readonly SendOutcome[], now: number): Promise<void> {
      await settleRows(
        trx,
        outcomes.map(({ delivery, outcome }) => {
          // An outcome that is not a send keeps the row's send fields as they are.
          const { id, sent_at, provider_message_id } = delivery;
          return { sent_at, provider_message_id, ...outcome, id, updated_at: now };
        }),
      );
      await insertAttempts(
        trx,
        outcomes.map(({ delivery, record }) => ({
          id: newId('att', now),
          delivery_id: delivery.id,
          attempt: delivery.attempts,
          started_at: record.started,
          duration_ms: Math.max(0, now - record.started),
          outcome: record.outcome,
          code: record.code ?? null,
          message: record.message?.slice(0, 1000) ?? null,
        })),
      );
    },
  };
}
