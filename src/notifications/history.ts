import type { Kysely, Selectable } from 'kysely';
import type { Database, NotificationTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';
import { type NotificationTimeline, notificationTimeline } from './timeline.js';

/** Filters of the notification history; all optional. */
export interface HistoryFilter {
  readonly projectId?: string | undefined;
  readonly issueId?: string | undefined;
  readonly ruleId?: string | undefined;
  readonly type?: string | undefined;
  readonly recipientId?: string | undefined;
  readonly channel?: string | undefined;
  readonly status?: string | undefined;
  /** Epoch ms, inclusive. */
  readonly from?: number | undefined;
  /** Epoch ms, exclusive. */
  readonly to?: number | undefined;
}

/** One delivery as the history shows it. */
export interface DeliveryView {
  readonly id: string;
  readonly recipient: { readonly type: string; readonly id: string };
  readonly channel: string;
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly integrationId: string | null;
  readonly digestId: string | null;
  readonly fallbackOf: string | null;
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  readonly lastError: string | null;
}

/** One notification with its deliveries. */
export interface NotificationView {
  readonly id: string;
  readonly type: string;
  readonly projectId: string | null;
  readonly issueId: string | null;
  readonly eventId: string | null;
  readonly ruleIds: string[];
  readonly createdAt: string;
  readonly deliveries: DeliveryView[];
}

/** Whose history: an organization's, or one person's deliveries across organizations. */
type Scope = { readonly orgId: string } | { readonly userId: string };

/** A page of the history. */
export interface HistoryPage {
  readonly data: NotificationView[];
  readonly nextCursor: string | null;
}

/** Reads the history of notifications, newest first, with cursor pagination. */
export function notificationHistory(db: Kysely<Database>) {
  async function deliveriesOf(ids: string[], userId?: string): Promise<Map<string, DeliveryView[]>> {
    const map = new Map<string, DeliveryView[]>();
    if (ids.length === 0) return map;
    let query = db.selectFrom('deliveries').selectAll().where('notification_id', 'in', ids);
    if (userId !== undefined)
      query = query.where('recipient_type', '=', 'user').where('recipient_id', '=', userId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    for (const r of rows) {
      const view: DeliveryView = {
        id: r.id,
        recipient: { type: r.recipient_type, id: r.recipient_id },
        channel: r.channel,
        status: r.status,
        reason: r.reason,
        attempts: r.attempts,
        integrationId: r.integration_id,
        digestId: r.digest_id,
        fallbackOf: r.fallback_of,
        nextAttemptAt: iso(r.next_attempt_at),
        sentAt: iso(r.sent_at),
        lastError: r.last_error,
      };
      map.set(r.notification_id, [...(map.get(r.notification_id) ?? []), view]);
    }
    return map;
  }

  function toView(r: Selectable<NotificationTable>, deliveries: DeliveryView[]): NotificationView {
    return {
      id: r.id,
      type: r.type,
      projectId: r.project_id,
      issueId: r.issue_id,
      eventId: r.event_id,
      ruleIds: JSON.parse(r.rule_ids) as string[],
      createdAt: new Date(r.created_at).toISOString(),
      deliveries,
    };
  }

  async function page(
    scope: Scope,
    filter: HistoryFilter,
    paging: { cursor?: string | undefined; limit: number },
  ): Promise<HistoryPage> {
    let query = db.selectFrom('notifications').selectAll('notifications');
    if ('orgId' in scope) query = query.where('notifications.org_id', '=', scope.orgId);
    if (filter.projectId) query = query.where('notifications.project_id', '=', filter.projectId);
    if (filter.issueId) query = query.where('notifications.issue_id', '=', filter.issueId);
    if (filter.type) query = query.where('notifications.type', '=', filter.type);
    if (filter.from !== undefined) query = query.where('notifications.created_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('notifications.created_at', '<', filter.to);
    if (filter.ruleId) {
      const ruleId = filter.ruleId;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('notification_rules')
            .select('notification_rules.rule_id')
            .whereRef('notification_rules.notification_id', '=', 'notifications.id')
            .where('notification_rules.rule_id', '=', ruleId),
        ),
      );
    }
    const userId = 'userId' in scope ? scope.userId : undefined;
    if (userId !== undefined) {
      const ids = (await myNotificationIds(db, userId, filter, paging).execute()).map(
        (r) => r.notification_id,
      );
      if (ids.length === 0) return { data: [], nextCursor: null };
      query = query.where('notifications.id', 'in', ids);
    } else if (filter.recipientId || filter.channel || filter.status) {
      query = query.where((eb) => {
        let sub = eb
          .selectFrom('deliveries')
          .select('deliveries.id')
          .whereRef('deliveries.notification_id', '=', 'notifications.id');
        if (filter.recipientId) sub = sub.where('deliveries.recipient_id', '=', filter.recipientId);
        if (filter.channel) sub = sub.where('deliveries.channel', '=', filter.channel);
        if (filter.status) sub = sub.where('deliveries.status', '=', filter.status);
        return eb.exists(sub);
      });
    }
    if (paging.cursor) query = query.where('notifications.id', '<', paging.cursor);
    const rows = await query
      .orderBy('notifications.id', 'desc')
      .limit(paging.limit + 1)
      .execute();
    const pageRows = rows.slice(0, paging.limit);
    const deliveries = await deliveriesOf(
      pageRows.map((r) => r.id),
      userId,
    );
    return {
      data: pageRows.map((r) => toView(r, deliveries.get(r.id) ?? [])),
      nextCursor: rows.length > paging.limit ? (pageRows.at(-1)?.id ?? null) : null,
    };
  }

  async function get(orgId: string, id: string): Promise<NotificationView | null> {
    const row = await db
      .selectFrom('notifications')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const deliveries = await deliveriesOf([row.id]);
    return toView(row, deliveries.get(row.id) ?? []);
  }

  return {
    /** An organization's notifications with every delivery. */
    list(
      orgId: string,
      filter: HistoryFilter,
      paging: { cursor?: string | undefined; limit: number },
    ): Promise<HistoryPage> {
      return page({ orgId }, filter, paging);
    },

    /** One person's notifications in every organization, with only the deliveries to that person. */
    mine(
      userId: string,
      filter: HistoryFilter,
      paging: { cursor?: string | undefined; limit: number },
    ): Promise<HistoryPage> {
      return page({ userId }, filter, paging);
    },

    /** One notification of the organization with its deliveries, or null. */
    get,

    /** One notification's timeline: event, rules, decisions, attempts and engagement; null when unknown. */
    async timeline(orgId: string, id: string): Promise<NotificationTimeline | null> {
      const view = await get(orgId, id);
      return view === null ? null : notificationTimeline(db, view);
    },
  };
}

/**
 * The ids of a page of what was sent to one person, newest first: from their deliveries, in the order of
 * `deliveries_recipient` (recipient, then notification; a cross join keeps that order on SQLite), so a
 * page reads that person's entries down to it. Led by the notifications, SQLite read every notification
 * of the installation, newest first, to find the few sent to them.
 */
export function myNotificationIds(
  db: Kysely<Database>,
  userId: string,
  filter: Pick<HistoryFilter, 'type' | 'channel' | 'status' | 'from' | 'to'>,
  paging: { readonly cursor?: string | undefined; readonly limit: number },
) {
  let query = db
    .selectFrom('deliveries')
    .crossJoin('notifications')
    .whereRef('notifications.id', '=', 'deliveries.notification_id')
    .select('deliveries.notification_id')
    .distinct()
    .where('deliveries.recipient_type', '=', 'user')
    .where('deliveries.recipient_id', '=', userId);
  if (filter.channel) query = query.where('deliveries.channel', '=', filter.channel);
  if (filter.status) query = query.where('deliveries.status', '=', filter.status);
  if (paging.cursor) query = query.where('deliveries.notification_id', '<', paging.cursor);
  if (filter.type) query = query.where('notifications.type', '=', filter.type);
  if (filter.from !== undefined) query = query.where('notifications.created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('notifications.created_at', '<', filter.to);
  return query.orderBy('deliveries.notification_id', 'desc').limit(paging.limit + 1);
}

/** The history reader. */
export type NotificationHistory = ReturnType<typeof notificationHistory>;
