import type { Kysely } from 'kysely';
import type { Database, DeliveryTable } from '../store/schema.js';
import type { DeliveryNotification } from './delivery-statements.js';

/** The notification type whose PagerDuty event resolves the issue's incident; every other type's triggers it. */
export const RESOLVING_TYPE = 'resolved';

/** Statuses of a trigger that may still reach PagerDuty: not yet sent, and not given up on. */
const UNSETTLED_STATUSES = ['pending', 'deferred', 'sending', 'failed'] as const;

/**
 * How long a resolve waits before it looks again at a trigger being sent to the same service. A send
 * ends within its timeout (30 s), and a worker that died mid-send is taken over when its lease ends, so
 * the wait is short and bounded.
 */
export const TRIGGER_RECHECK_MS = 2_000;

/** What the delivery history tells of an issue's PagerDuty incident on one integration. */
export interface IncidentState {
  readonly integrationId: string;
  /** When the latest trigger was accepted, epoch ms; null when none was. */
  readonly triggeredAt: number | null;
  /** When the latest resolve was accepted, epoch ms; null when none was. */
  readonly resolvedAt: number | null;
  /** Whether a trigger is still on its way: pending, deferred, being sent, or failed with a retry due. */
  readonly unsettled: boolean;
  /**
   * The last change of a trigger not known to be accepted that PagerDuty may still have taken: one of
   * its sends got no answer (a timeout, a lost connection, a worker that died mid-send); null when none.
   */
  readonly uncertainAt: number | null;
  /** When the earliest notification of a trigger being sent right now was raised; null when none is. */
  readonly sendingRaisedAt: number | null;
}

/**
 * Whether the incident may be open: its latest accepted event is a trigger, or a trigger PagerDuty may
 * have taken unanswered came after the latest accepted resolve. A resolve counts as not yet sent when
 * both were accepted in the same millisecond: PagerDuty ignores a resolve of a resolved (or unknown)
 * incident, while one left open keeps paging.
 */
export function incidentOpen(state: IncidentState): boolean {
  const after = (at: number | null) => at !== null && (state.resolvedAt === null || at >= state.resolvedAt);
  return after(state.triggeredAt) || after(state.uncertainAt);
}

/** The issue's PagerDuty incidents, one per integration that was ever sent an event of it (or only `integrationId`'s). */
export async function incidentStates(
  db: Kysely<Database>,
  issueId: string,
  integrationId?: string,
): Promise<IncidentState[]> {
  let query = db
    .selectFrom('deliveries')
    .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
    .where('notifications.issue_id', '=', issueId)
    .where('deliveries.channel', '=', 'pagerduty')
    .where('deliveries.integration_id', 'is not', null);
  if (integrationId !== undefined) query = query.where('deliveries.integration_id', '=', integrationId);
  const rows = await query
    .select((eb) => {
      const resolving = eb('notifications.type', '=', RESOLVING_TYPE);
      const triggering = eb('notifications.type', '!=', RESOLVING_TYPE);
      return [
        'deliveries.integration_id as integrationId',
        // Accepted by PagerDuty, whatever engagement moved its status to since (a click on its link).
        eb.fn.max(eb.case().when(resolving).then(eb.ref('deliveries.sent_at')).end()).as('resolvedAt'),
        eb.fn.max(eb.case().when(triggering).then(eb.ref('deliveries.sent_at')).end()).as('triggeredAt'),
        eb.fn
          .max(
            eb
              .case()
              .when(eb.and([triggering, eb('deliveries.status', 'in', [...UNSETTLED_STATUSES])]))
              .then(eb.lit(1))
              .else(eb.lit(0))
              .end(),
          )
          .as('unsettled'),
        eb.fn
          .min(
            eb
              .case()
              .when(eb.and([triggering, eb('deliveries.status', '=', 'sending')]))
              .then(eb.ref('notifications.created_at'))
              .end(),
          )
          .as('sendingRaisedAt'),
        // Each attempt a trigger counts and did not give back (since its last replay) ended in PagerDuty's
        // answer (an `http_…` code) unless it was not answered: then PagerDuty may have opened the incident.
        eb.fn
          .max(
            eb
              .case()
              .when(
                eb.and([
                  triggering,
                  eb('deliveries.sent_at', 'is', null),
                  eb(
                    'deliveries.attempts',
                    '>',
                    eb
                      .selectFrom('delivery_attempts')
                      .select((sub) => sub.fn.countAll<number>().as('answered'))
                      .whereRef('delivery_attempts.delivery_id', '=', 'deliveries.id')
                      .whereRef('delivery_attempts.attempt', '<=', 'deliveries.attempts')
                      // A replay numbers its attempts from one again: those before it are not its own
                      // (one in the replay's millisecond counts as unanswered: a resolve too many is
                      // harmless, PagerDuty ignores it).
                      .where((w) =>
                        w.or([
                          w('deliveries.replayed_at', 'is', null),
                          w('delivery_attempts.started_at', '>', w.ref('deliveries.replayed_at')),
                        ]),
                      )
                      .where('delivery_attempts.code', 'like', 'http_%'),
                  ),
                ]),
              )
              .then(eb.ref('deliveries.updated_at'))
              .end(),
          )
          .as('uncertainAt'),
      ];
    })
    .groupBy('deliveries.integration_id')
    .orderBy('deliveries.integration_id')
    .execute();
  const time = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return rows.map((r) => ({
    integrationId: r.integrationId!,
    triggeredAt: time(r.triggeredAt),
    resolvedAt: time(r.resolvedAt),
    unsettled: Number(r.unsettled) === 1,
    sendingRaisedAt: time(r.sendingRaisedAt),
    uncertainAt: time(r.uncertainAt),
  }));
}

/** Why a PagerDuty event is not sent; the history shows it as `suppressed` with this reason. */
export const INCIDENT_SUPPRESS_REASONS = ['issue_resolved', 'issue_reopened', 'no_incident'] as const;

/** What becomes of a PagerDuty event about an issue that falls due. */
export type IncidentDecision =
  | { readonly kind: 'send' }
  | {
      readonly kind: 'suppress';
      readonly reason: (typeof INCIDENT_SUPPRESS_REASONS)[number];
      /** The sentence the history shows. */
      readonly detail: string;
    }
  | { readonly kind: 'wait'; readonly until: number; readonly detail: string };

const SEND: IncidentDecision = { kind: 'send' };

/**
 * Decides, when a PagerDuty event about an issue falls due (first send, retry or replay), whether it is
 * sent, so that the incident follows the issue as it is then, as Alertmanager does not send as firing
 * an alert resolved before its notification went out:
 * - a trigger for an issue resolved since its notification was raised is suppressed (`issue_resolved`):
 *   it would open an incident nobody resolves. An issue open again by then is paged as before.
 * - a resolve waits while a trigger to the same service raised before it is being sent: the trigger may
 *   yet open the incident, and a resolve sent first would leave it open. It is suppressed when no
 *   trigger may have opened one (`no_incident`: every send of them was refused in PagerDuty's answer,
 *   or never made), or when the issue is open again (`issue_reopened`): the incident then stays open
 *   with its issue, and the issue's next resolution closes it.
 * The trigger's claim is written before its issue is read, so a resolution it did not see finds it
 * `sending` or settled: a trigger is never sent unseen by the resolve that follows it. A trigger whose
 * worker died mid-send, suppressed when taken over, may have opened the incident all the same: its
 * unanswered attempt keeps it uncertain (see IncidentState), and the resolve is sent.
 */
export function incidentGate(db: Kysely<Database>) {
  return async function decide(
    delivery: Pick<DeliveryTable, 'integration_id'>,
    notification: Pick<DeliveryNotification, 'type' | 'issue_id' | 'created_at'>,
    now: number,
  ): Promise<IncidentDecision> {
    const issueId = notification.issue_id;
    if (issueId === null || delivery.integration_id === null) return SEND;
    const issue = await db
      .selectFrom('issues')
      .select(['status', 'resolved_at'])
      .where('id', '=', issueId)
      .executeTakeFirst();
    if (!issue) return SEND;
    const raisedAt = Number(notification.created_at);
    if (notification.type !== RESOLVING_TYPE) {
      if (issue.status !== 'resolved' || issue.resolved_at === null || issue.resolved_at < raisedAt)
        return SEND;
      return {
        kind: 'suppress',
        reason: 'issue_resolved',
        detail: `The issue was resolved at ${new Date(issue.resolved_at).toISOString()}, after this alert was raised: no incident is opened for it.`,
      };
    }
    if (issue.status === 'unresolved')
      return {
        kind: 'suppress',
        reason: 'issue_reopened',
        detail: 'The issue is open again: its incident stays open until the issue is resolved again.',
      };
    const [state] = await incidentStates(db, issueId, delivery.integration_id);
    if (state?.sendingRaisedAt != null && state.sendingRaisedAt <= raisedAt)
      return {
        kind: 'wait',
        until: now + TRIGGER_RECHECK_MS,
        detail:
          'Waiting for PagerDuty to answer the alert being sent to this service, so it is resolved after it.',
      };
    if (state && incidentOpen(state)) return SEND;
    return {
      kind: 'suppress',
      reason: 'no_incident',
      detail:
        'No incident is open for this issue on this service: PagerDuty took no alert of it since its last resolution.',
    };
  };
}
