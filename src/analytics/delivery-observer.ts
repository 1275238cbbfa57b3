import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { NotificationStore } from '../notifications/notification-store.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import type { HeraldMetrics } from './metrics.js';

/** What a finished send attempt adds to the row it was made for. */
export interface AttemptSummary {
  readonly durationMs: number;
  readonly code?: string;
}

/**
 * Turns the delivery stage's decisions and outcomes into metrics and log lines carrying the delivery and
 * notification ids. Never throws: observing must not change what is delivered.
 */
export function deliveryObserver(deps: {
  readonly db: Kysely<Database>;
  readonly metrics: HeraldMetrics;
  readonly logger: Logger;
}) {
  const { db, metrics, logger } = deps;

  async function observeLatency(row: DeliveryTable): Promise<void> {
    if (row.sent_at === null) return;
    const found = await db
      .selectFrom('notifications')
      .leftJoin('events', 'events.id', 'notifications.event_id')
      .select(['notifications.type', 'notifications.created_at', 'events.received_at'])
      .where('notifications.id', '=', row.notification_id)
      .executeTakeFirst();
    if (!found) return;
    const start =
      found.type === 'issue_alert' && found.received_at !== null ? found.received_at : found.created_at;
    metrics.eventToSent.observe({ channel: row.channel }, Math.max(0, row.sent_at - Number(start)) / 1000);
  }

  return {
    /** Fan-out wrote these rows: pending, deferred, or suppressed with a reason. */
    decided(rows: readonly DeliveryTable[]): void {
      for (const row of rows) metrics.deliveries.inc({ channel: row.channel, status: row.status });
    },

    /** A delivery left `sending` (or was suppressed there): `row` is as now stored. */
    async finished(row: DeliveryTable, attempt: AttemptSummary | null): Promise<void> {
      try {
        metrics.deliveries.inc({ channel: row.channel, status: row.status });
        if (row.status === 'failed' && row.next_attempt_at !== null)
          metrics.retries.inc({ channel: row.channel });
        if (row.status === 'dead') metrics.deadLetters.inc({ channel: row.channel });
        logger.info(
          {
            deliveryId: row.id,
            notificationId: row.notification_id,
            channel: row.channel,
            status: row.status,
            reason: row.reason,
            attempt: row.attempts,
            ...(attempt ? { durationMs: attempt.durationMs, code: attempt.code ?? null } : {}),
          },
          `delivery ${row.status}`,
        );
        if (row.status === 'sent') await observeLatency(row);
      } catch (error) {
        logger.warn({ err: error, deliveryId: row.id }, 'delivery metrics failed');
      }
    },
  };
}

/** The delivery observer. */
export type DeliveryObserver = ReturnType<typeof deliveryObserver>;

/** The notification store, counting the notifications it creates and the rules behind them. */
export function countedNotifications(store: NotificationStore, metrics: HeraldMetrics): NotificationStore {
  return {
    ...store,
    async create(db, input) {
      const result = await store.create(db, input);
      if (result.created) {
        metrics.notificationsCreated.inc({ type: input.type });
        if (input.ruleIds.length > 0) metrics.rulesFired.inc(input.ruleIds.length);
      }
      return result;
    },
  };
}
