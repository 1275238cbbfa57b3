import type { Transaction } from 'kysely';
import { notificationPayload, storedNotification } from '../notifications/notification-store.js';
import { notificationType } from '../notifications/registry.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import { enqueueJobs } from '../queue/queue.js';
import type { Database, DeliveryTable, NotificationTable } from '../store/schema.js';
import { decideAgain } from '../throttle/decide-again.js';
import type { ThrottleStage } from '../throttle/throttle-stage.js';
import { insertDelivery } from './delivery-statements.js';
import { nextFallback, personalIntegrations } from './personal-routing.js';

/**
 * The next delivery of a fallback chain, written in the transaction of the outcome that ended the one
 * before (dead or unroutable): the same person, the next channel, linked through `fallback_of`. Answers
 * the ids of the jobs written. `notification` is the one the delivery is about; null when it was not
 * read (it is then read in `trx`).
 */
export type FallbackChain = (
  trx: Transaction<Database>,
  delivery: DeliveryTable,
  notification: NotificationTable | null,
  now: number,
) => Promise<string[]>;

/**
 * The fallback chains of the delivery stage. Fan-out chose a chain's channels when it wrote the first
 * delivery; each step is decided again when it is taken, with the person's settings as they are then,
 * the way what waited for quiet hours or a digest is (throttle/decide-again.ts): a channel turned off
 * since, or a snooze, writes the step `suppressed` with that reason and the chain goes on to the next
 * channel; in quiet hours the step is `deferred` until they end and released then as fan-out's are
 * (throttle/deferred-release.ts), so a message that could not reach someone at night waits for the
 * morning instead of waking them on another channel. Critical messages pass quiet hours, as in fan-out.
 * Only people have settings: other recipients, and every step when `decisions` is absent, go on as the
 * chain names them. A step that is to go out at once then passes the throttle stage as fan-out's
 * deliveries do: past the recipient's limit on that channel, or into an open digest of theirs, it is
 * held (`digested`) and the digest delivers it; the chain ends there, the message being on its way.
 * (The digest window a chat rule action may ask for is the action's own channel's: a step onto chat
 * is limited, not windowed.)
 */
export function fallbackChain(decisions?: PreferenceDecisions, throttle?: ThrottleStage): FallbackChain {
  /** The step `row` as the person's settings now decide it. */
  async function decided(
    trx: Transaction<Database>,
    row: DeliveryTable,
    notification: NotificationTable,
    now: number,
  ): Promise<DeliveryTable> {
    if (!decisions || row.recipient_type !== 'user') return row;
    const type = notificationType(notification.type);
    const critical = type?.isCritical(notificationPayload(notification)) ?? false;
    const answer = await decideAgain(
      decisions,
      trx,
      [
        {
          id: row.id,
          orgId: row.org_id,
          projectId: notification.project_id,
          type: notification.type,
          issueId: notification.issue_id,
          userId: row.recipient_id,
          channel: row.channel,
          critical,
        },
      ],
      now,
    );
    const decision = answer.get(row.id)?.decision ?? { kind: 'send' };
    // The person's choice is named before routing, as fan-out names it.
    if (decision.kind === 'suppress')
      return { ...row, status: 'suppressed', reason: decision.reason, next_attempt_at: null };
    if (decision.kind === 'defer' && row.status === 'pending')
      return { ...row, status: 'deferred', reason: 'quiet_hours', next_attempt_at: decision.until };
    return row;
  }

  return async function fallback(trx, delivery, notification, now) {
    if (!delivery.fallback_channels) return [];
    const about =
      notification ??
      (await trx
        .selectFrom('notifications')
        .selectAll()
        .where('id', '=', delivery.notification_id)
        .executeTakeFirst()) ??
      null;
    const integrations = await personalIntegrations(trx, delivery.org_id);
    let from = delivery;
    for (;;) {
      const next = nextFallback(from, integrations, now);
      if (!next) return [];
      let row = about ? await decided(trx, next, about, now) : next;
      let held: string[] = [];
      if (about && throttle && row.status === 'pending') {
        const throttled = await throttle(trx, {
          notification: storedNotification(about),
          rows: [row],
          routes: [],
          now,
        });
        row = throttled.rows[0] ?? row;
        held = await enqueueJobs(trx, throttled.jobs, now);
      }
      // One written already (a fan-out or an earlier step took this channel) ends the chain.
      if (!(await insertDelivery(trx, row))) return held;
      if (row.status === 'digested') return held;
      if (row.status === 'pending' || row.status === 'deferred')
        return enqueueJobs(
          trx,
          [
            {
              id: `deliver_${row.id}_0`,
              kind: 'deliver',
              payload: { deliveryId: row.id },
              runAt: row.next_attempt_at ?? now,
            },
          ],
          now,
        );
      from = row;
    }
  };
}
