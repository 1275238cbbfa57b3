import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Database, InboxMessageTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';
import { iso } from '../tenancy/context.js';

/** Which messages a listing shows; `all` is the inbox itself (read and unread), archived ones apart. */
export const INBOX_STATUSES = ['unread', 'read', 'archived', 'all'] as const;

/** One of {@link INBOX_STATUSES}. */
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/** A message as its owner sees it in the API and on the live stream. */
export interface InboxMessage {
  readonly id: string;
  readonly orgId: string | null;
  readonly notificationId: string;
  readonly type: string;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly createdAt: string;
}

/** What an in-app delivery stores. */
export interface NewInboxMessage {
  readonly userId: string;
  readonly notificationId: string;
  readonly deliveryId: string;
  readonly type: string;
  readonly title: string;
  readonly body: string;
  readonly url: string;
}

/** One page of a listing, newest first. */
export interface InboxPage {
  readonly data: InboxMessage[];
  readonly nextCursor: string | null;
  readonly unreadCount: number;
}

/** Converts a row to its API shape. */
export function toInboxMessage(row: InboxMessageTable): InboxMessage {
  return {
    id: row.id,
    orgId: row.org_id,
    notificationId: row.notification_id,
    type: row.type,
    title: row.title,
    body: row.body,
    url: row.url,
    readAt: iso(row.read_at),
    archivedAt: iso(row.archived_at),
    createdAt: iso(row.created_at),
  };
}

type InboxQuery = SelectQueryBuilder<Database, 'inbox_messages', object>;

function withStatus<Q extends InboxQuery>(query: Q, status: InboxStatus): Q {
  if (status === 'archived') return query.where('archived_at', 'is not', null) as Q;
  const inbox = query.where('archived_at', 'is', null) as Q;
  if (status === 'unread') return inbox.where('read_at', 'is', null) as Q;
  if (status === 'read') return inbox.where('read_at', 'is not', null) as Q;
  return inbox;
}

/** The inbox messages of people; every read and write is scoped by the owner. */
export function inboxStore(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Told the deliveries whose messages were read for the first time (engagement). */
  readonly onRead?: (deliveryIds: readonly string[]) => Promise<void>;
}) {
  const { db, clock } = deps;

  const byDelivery = (deliveryId: string) =>
    db.selectFrom('inbox_messages').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();

  async function own(userId: string, id: string): Promise<InboxMessageTable> {
    const row = await db
      .selectFrom('inbox_messages')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('Message');
    return row;
  }

  async function unreadCount(userId: string): Promise<number> {
    const row = await withStatus(db.selectFrom('inbox_messages').where('user_id', '=', userId), 'unread')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async function update(
    userId: string,
    id: string,
    set: Partial<Pick<InboxMessageTable, 'read_at' | 'archived_at'>>,
  ): Promise<InboxMessage> {
    const row = await own(userId, id);
    await db
      .updateTable('inbox_messages')
      .set(set)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .execute();
    return toInboxMessage({ ...row, ...set });
  }

  return {
    /**
     * Stores a delivery's message once: a second call with the same delivery returns the first message
     * and `created: false`, so a retried send neither duplicates nor re-announces it.
     */
    async insert(input: NewInboxMessage): Promise<{ message: InboxMessage; created: boolean }> {
      const existing = await byDelivery(input.deliveryId);
      if (existing) return { message: toInboxMessage(existing), created: false };
      const now = clock.now();
      const notification = await db
        .selectFrom('notifications')
        .select('org_id')
        .where('id', '=', input.notificationId)
        .executeTakeFirst();
      const row: InboxMessageTable = {
        id: newId('msg', now),
        user_id: input.userId,
        org_id: notification?.org_id ?? null,
        notification_id: input.notificationId,
        delivery_id: input.deliveryId,
        type: input.type,
        title: input.title,
        body: input.body,
        url: input.url,
        read_at: null,
        archived_at: null,
        created_at: now,
      };
      try {
        await db.insertInto('inbox_messages').values(row).execute();
      } catch (error) {
        // Two workers racing on one delivery: the other one's row is the message.
        if (!isUniqueViolation(error)) throw error;
        const raced = await byDelivery(input.deliveryId);
        if (!raced) throw error;
        return { message: toInboxMessage(raced), created: false };
      }
      return { message: toInboxMessage(row), created: true };
    },

    /** One page of the user's messages, newest first, with the unread count. */
    async list(
      userId: string,
      page: { status: InboxStatus; cursor?: string | undefined; limit: number },
    ): Promise<InboxPage> {
      let query = withStatus(db.selectFrom('inbox_messages').where('user_id', '=', userId), page.status);
      if (page.cursor) query = query.where('id', '<', page.cursor);
      const rows = await query
        .selectAll()
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .execute();
      const more = rows.length > page.limit;
      const data = rows.slice(0, page.limit).map(toInboxMessage);
      return {
        data,
        nextCursor: more ? (data.at(-1)?.id ?? null) : null,
        unreadCount: await unreadCount(userId),
      };
    },

    unreadCount,

    /** The user's message, or undefined (also for another user's message). */
    async find(userId: string, id: string): Promise<InboxMessage | undefined> {
      const row = await db
        .selectFrom('inbox_messages')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toInboxMessage(row) : undefined;
    },

    /** The user's messages created after message `afterId`, oldest first (stream replay). */
    async after(userId: string, afterId: string, limit = 500): Promise<InboxMessage[]> {
      const rows = await db
        .selectFrom('inbox_messages')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toInboxMessage);
    },

    /** The user's newest message, where a live stream starts. */
    async latest(userId: string): Promise<InboxMessage | undefined> {
      const row = await db
        .selectFrom('inbox_messages')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toInboxMessage(row) : undefined;
    },

    /** The user's messages created at or after `since` (epoch ms), oldest first (stream resync). */
    async createdSince(userId: string, since: number, limit = 500): Promise<InboxMessage[]> {
      const rows = await db
        .selectFrom('inbox_messages')
        .selectAll()
        .where('user_id', '=', userId)
        .where('created_at', '>=', since)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toInboxMessage);
    },

    /** Marks read; reading again keeps the first time it was read. */
    async markRead(userId: string, id: string): Promise<InboxMessage> {
      const row = await own(userId, id);
      if (row.read_at !== null) return toInboxMessage(row);
      const read = await update(userId, id, { read_at: clock.now() });
      await deps.onRead?.([row.delivery_id]);
      return read;
    },

    async markUnread(userId: string, id: string): Promise<InboxMessage> {
      return update(userId, id, { read_at: null });
    },

    /** Moves a message out of the inbox; it no longer counts as unread. */
    async archive(userId: string, id: string): Promise<InboxMessage> {
      const row = await own(userId, id);
      if (row.archived_at !== null) return toInboxMessage(row);
      return update(userId, id, { archived_at: clock.now() });
    },

    /** Marks every unread message of the user read; returns how many changed. */
    async markAllRead(userId: string): Promise<number> {
      const now = clock.now();
      const read = await db
        .updateTable('inbox_messages')
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .where('archived_at', 'is', null)
        .returning('delivery_id')
        .execute();
      await deps.onRead?.(read.map((r) => r.delivery_id));
      return read.length;
    },
  };
}

/** The inbox store. */
export type InboxStore = ReturnType<typeof inboxStore>;
