import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

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

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Reads the history of an organization's notifications, newest first, with cursor pagination. */
export function notificationHistory(db: Kysely<Database>) {
  async function deliveriesOf(ids: string[]): Promise<Map<string, DeliveryView[]>> {
    const map = new Map<string, DeliveryView[]>();
    if (ids.length === 0) return map;
    const rows = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('notification_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
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

  return {
    async list(
      orgId: string,
      filter: HistoryFilter,
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ data: NotificationView[]; nextCursor: string | null }> {
      let query = db
        .selectFrom('notifications')
        .selectAll('notifications')
        .where('notifications.org_id', '=', orgId);
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
      if (filter.recipientId || filter.channel || filter.status) {
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
      if (page.cursor) query = query.where('notifications.id', '<', page.cursor);
      const rows = await query
        .orderBy('notifications.id', 'desc')
        .limit(page.limit + 1)
        .execute();
      const pageRows = rows.slice(0, page.limit);
      const deliveries = await deliveriesOf(pageRows.map((r) => r.id));
      return {
        data: pageRows.map((r) => ({
          id: r.id,
          type: r.type,
          projectId: r.project_id,
          issueId: r.issue_id,
          eventId: r.event_id,
          ruleIds: JSON.parse(r.rule_ids) as string[],
          createdAt: new Date(r.created_at).toISOString(),
          deliveries: deliveries.get(r.id) ?? [],
        })),
        nextCursor: rows.length > page.limit ? (pageRows.at(-1)?.id ?? null) : null,
      };
    },

    /** One notification of the organization with its deliveries, or null. */
    async get(orgId: string, id: string): Promise<NotificationView | null> {
      const row = await db
        .selectFrom('notifications')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      const deliveries = await deliveriesOf([row.id]);
      return {
        id: row.id,
        type: row.type,
        projectId: row.project_id,
        issueId: row.issue_id,
        eventId: row.event_id,
        ruleIds: JSON.parse(row.rule_ids) as string[],
        createdAt: new Date(row.created_at).toISOString(),
        deliveries: deliveries.get(row.id) ?? [],
      };
    },
  };
}

/** The history reader. */
export type NotificationHistory = ReturnType<typeof notificationHistory>;
