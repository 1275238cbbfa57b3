import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
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
    let query = db.selectFrom('notifications').selectAll('notifications').where(notificationMatches(filter));
    if ('orgId' in scope) query = query.where('notifications.org_id', '=', scope.orgId);
    const userId = 'userId' in scope ? scope.userId : undefined;
    const led =
      userId !== undefined
        ? await idsOf(deliveryLedIds(db, { recipientType: 'user', recipientId: userId }, filter, paging))
        : 'orgId' in scope
          ? await orgDeliveryLedIds(scope.orgId, filter, paging)
          : null;
    if (led !== null) {
      if (led.length === 0) return { data: [], nextCursor: null };
      query = query.where('notifications.id', 'in', led);
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

  const idsOf = async (query: ReturnType<typeof deliveryLedIds>) =>
    (await query.execute()).map((r) => r.notification_id);

  /**
   * The ids of a page of an organization's history when its filter names a recipient or a status off the
   * way out, read from those deliveries (see {@link deliveryLedIds}); null when the notifications lead.
   * A recipient is a person, a chat channel or a webhook: each kind is read in its index's order, and
   * the pages merged.
   */
  async function orgDeliveryLedIds(
    orgId: string,
    filter: HistoryFilter,
    paging: { readonly cursor?: string | undefined; readonly limit: number },
  ): Promise<string[] | null> {
    const inOrg = { ...filter, orgId };
    if (filter.recipientId) {
      const recipientId = filter.recipientId;
      const pages = await Promise.all(
        RECIPIENT_TYPES.map((recipientType) =>
          idsOf(deliveryLedIds(db, { recipientType, recipientId }, inOrg, paging)),
        ),
      );
      return [...new Set(pages.flat())]
        .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
        .slice(0, paging.limit + 1);
    }
    if (filter.status && (STATUS_HISTORY as readonly string[]).includes(filter.status))
      return idsOf(deliveryLedIds(db, { orgId, status: filter.status }, inOrg, paging));
    return null;
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
 * Whether a notification (`notifications` in scope) passes the filter's own conditions: type, project,
 * issue, period and the rule that fired it.
 */
function notificationMatches(filter: HistoryFilter) {
  return (eb: ExpressionBuilder<Database, 'notifications'>) => {
    const terms = [];
    if (filter.type) terms.push(eb('notifications.type', '=', filter.type));
    if (filter.projectId) terms.push(eb('notifications.project_id', '=', filter.projectId));
    if (filter.issueId) terms.push(eb('notifications.issue_id', '=', filter.issueId));
    if (filter.from !== undefined) terms.push(eb('notifications.created_at', '>=', filter.from));
    if (filter.to !== undefined) terms.push(eb('notifications.created_at', '<', filter.to));
    if (filter.ruleId)
      terms.push(
        eb.exists(
          eb
            .selectFrom('notification_rules')
            .select('notification_rules.rule_id')
            .whereRef('notification_rules.notification_id', '=', 'notifications.id')
            .where('notification_rules.rule_id', '=', filter.ruleId),
        ),
      );
    return eb.and(terms);
  };
}

/** The kinds of recipient a delivery has (see Recipient in delivery/channel.ts). */
const RECIPIENT_TYPES = ['user', 'channel', 'webhook'] as const;

/**
 * The statuses of `deliveries_status_history` (migration 027), those a delivery takes beside its way
 * out, written as that index's condition is: SQLite uses a partial index only for a query that repeats
 * its condition.
 */
const STATUS_HISTORY = [
  'failed',
  'dead',
  'suppressed',
  'deferred',
  'digested',
  'opened',
  'clicked',
  'acted',
] as const;

/** Where a page of the history is read from: one recipient's deliveries, or an organization's of a status. */
type DeliveryLead =
  | { readonly recipientType: string; readonly recipientId: string }
  | { readonly orgId: string; readonly status: string };

/**
 * The ids of a page of notifications, newest first, read from the deliveries that lead to them: a
 * recipient's, in the order of `deliveries_recipient` (recipient, then notification), or an
 * organization's of one status off the way out, in the order of `deliveries_status_history`
 * (organization, status, then notification); a cross join keeps that order on SQLite. A page thus reads
 * those deliveries down to it. Led by the notifications, SQLite read every notification of the
 * installation (or organization), newest first, to find the few that had such a delivery.
 */
export function deliveryLedIds(
  db: Kysely<Database>,
  lead: DeliveryLead,
  filter: HistoryFilter & { readonly orgId?: string },
  paging: { readonly cursor?: string | undefined; readonly limit: number },
) {
  let query = db
    .selectFrom('deliveries')
    .crossJoin('notifications')
    .whereRef('notifications.id', '=', 'deliveries.notification_id')
    .select('deliveries.notification_id')
    .distinct();
  if ('recipientType' in lead) {
    query = query
      .where('deliveries.recipient_type', '=', lead.recipientType)
      .where('deliveries.recipient_id', '=', lead.recipientId);
    if (filter.status) query = query.where('deliveries.status', '=', filter.status);
    if (filter.orgId) query = query.where('deliveries.org_id', '=', filter.orgId);
  } else {
    query = query
      .where('deliveries.org_id', '=', lead.orgId)
      .where('deliveries.status', '=', lead.status)
      .where(
        sql.ref('deliveries.status'),
        'in',
        STATUS_HISTORY.map((status) => sql.lit(status)),
      );
  }
  if (filter.channel) query = query.where('deliveries.channel', '=', filter.channel);
  if (paging.cursor) query = query.where('deliveries.notification_id', '<', paging.cursor);
  query = query.where(notificationMatches(filter));
  // Every filter is applied here: a page of ids the notifications' own filters then thinned would end
  // the paging early.
  return query.orderBy('deliveries.notification_id', 'desc').limit(paging.limit + 1);
}

/** The history reader. */
export type NotificationHistory = ReturnType<typeof notificationHistory>;
