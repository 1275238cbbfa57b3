import type { Logger } from 'pino';
import { scalarLogger } from '../logger.js';
import type { NotificationStore } from '../notifications/notification-store.js';
import type { DeliveryTable, NotificationTable } from '../store/schema.js';
import type { HeraldMetrics } from './metrics.js';

/** What a finished send attempt adds to the row it was made for. */
export interface AttemptSummary {
  readonly durationMs: number;
  readonly code?: string;
}

/** What the event→sent latency needs of a delivery's notification, as the delivery stage read it. */
export type NotificationTiming = Pick<NotificationTable, 'type' | 'created_at'> & {
  /** When the notification's event arrived; null when it came from no event. */
  readonly event_received_at: number | null;
};

/**
 * Turns the delivery stage's decisions and outcomes into metrics and log lines carrying the delivery and
 * notification ids. Never throws: observing must not change what is delivered.
 */
export function deliveryObserver(deps: { readonly metrics: HeraldMetrics; readonly logger: Logger }) {
  const { metrics, logger } = deps;
  const lines = scalarLogger(logger);

  function observeLatency(row: DeliveryTable, notification: NotificationTiming | null): void {
    if (row.sent_at === null || notification === null) return;
    const start =
      notification.type === 'issue_alert' && notification.event_received_at !== null
        ? notification.event_received_at
        : notification.created_at;
    metrics.eventToSent.observe({ channel: row.channel }, Math.max(0, row.sent_at - Number(start)) / 1000);
  }

  return {
    /** Fan-out wrote these rows: pending, deferred, or suppressed with a reason. */
    decided(rows: readonly DeliveryTable[]): void {
      for (const row of rows) metrics.deliveries.inc({ channel: row.channel, status: row.status });
    },

    /**
     * A delivery left `sending` (or was suppressed there): `row` is as now stored, `notification` as the
     * delivery stage read it (null when it could not).
     */
    async finished(
      row: DeliveryTable,
      attempt: AttemptSummary | null,
      notification: NotificationTiming | null,
    ): Promise<void> {
      try {
        metrics.deliveries.inc({ channel: row.channel, status: row.status });
        if (row.status === 'failed' && row.next_attempt_at !== null)
          metrics.retries.inc({ channel: row.channel });
        if (row.status === 'dead') metrics.deadLetters.inc({ channel: row.channel });
        lines.info(
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
        if (row.status === 'sent') observeLatency(row, notification);
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
  const createMany: NotificationStore['createMany'] = async (db, inputs) => {
    const results = await store.createMany(db, inputs);
    results.forEach((result, i) => {
      if (!result.created) return;
      const input = inputs[i]!;
      metrics.notificationsCreated.inc({ type: input.type });
      if (input.ruleIds.length > 0) metrics.rulesFired.inc(input.ruleIds.length);
    });
    return results;
  };
  return { ...store, createMany, create: async (db, input) => (await createMany(db, [input]))[0]! };
}
