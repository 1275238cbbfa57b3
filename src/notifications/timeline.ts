import type { Kysely } from 'kysely';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';
import type { DeliveryView, NotificationView } from './history.js';

/** One send attempt with the provider's answer. */
export interface AttemptView {
  readonly attempt: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** `sent`, `transient` or `permanent`. */
  readonly outcome: string;
  /** The provider's code (`http_500`, `550`, `channel_not_found`), when it failed. */
  readonly code: string | null;
  /** The provider's answer or the error message. */
  readonly answer: string | null;
}

/** One open, click or action on a delivered message. */
export interface EngagementView {
  readonly kind: string;
  readonly at: string;
  readonly link: number | null;
  readonly url: string | null;
}

/** A delivery as the timeline shows it: its decision, every attempt and every engagement. */
export interface TimelineDelivery extends DeliveryView {
  /** What fan-out and later stages decided: deliver, suppressed, deferred or digested. */
  readonly decision: string;
  readonly sendAttempts: AttemptView[];
  readonly engagement: EngagementView[];
}

/** One moment of a notification's life, in time order. */
export interface TimelineEntry {
  readonly at: string;
  readonly kind: 'event_received' | 'notification_created' | 'attempt' | 'engagement';
  readonly deliveryId: string | null;
  readonly detail: string;
}

/** A notification's whole story: the event, the rules that fired, each recipient × channel and its fate. */
export interface NotificationTimeline extends Omit<NotificationView, 'deliveries'> {
  readonly event: {
    readonly id: string;
    readonly eventId: string;
    readonly message: string;
    readonly level: string;
    readonly receivedAt: string;
  } | null;
  readonly rules: { readonly id: string; readonly name: string | null }[];
  readonly deliveries: TimelineDelivery[];
  readonly timeline: TimelineEntry[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function messageOf(payload: string): string {
  const event = parseJsonObject(payload);
  const message = event.message;
  if (typeof message === 'string' && message) return message;
  if (message && typeof message === 'object') {
    const m = message as Record<string, unknown>;
    if (typeof m.formatted === 'string' && m.formatted) return m.formatted;
  }
  const entry = event.logentry as Record<string, unknown> | undefined;
  if (typeof entry?.formatted === 'string' && entry.formatted) return entry.formatted;
  const values = (event.exception as { values?: { type?: unknown; value?: unknown }[] } | undefined)?.values;
  const last = Array.isArray(values) ? values.at(-1) : undefined;
  if (last) return [last.type, last.value].filter((v) => typeof v === 'string' && v).join(': ');
  return '';
}

function decisionOf(status: string): string {
  return ['suppressed', 'deferred', 'digested'].includes(status) ? status : 'deliver';
}

/** Completes a notification view into its timeline, from the event to the last click. */
export async function notificationTimeline(
  db: Kysely<Database>,
  view: NotificationView,
): Promise<NotificationTimeline> {
  const deliveryIds = view.deliveries.map((d) => d.id);
  const [event, rules, attempts, engagement, links] = await Promise.all([
    view.eventId
      ? db.selectFrom('events').selectAll().where('id', '=', view.eventId).executeTakeFirst()
      : Promise.resolve(undefined),
    view.ruleIds.length === 0
      ? Promise.resolve([])
      : db.selectFrom('rules').select(['id', 'name']).where('id', 'in', view.ruleIds).execute(),
    deliveryIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('delivery_attempts')
          .selectAll()
          .where('delivery_id', 'in', deliveryIds)
          .orderBy('started_at')
          .orderBy('attempt')
          .execute(),
    deliveryIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('engagement_events')
          .selectAll()
          .where('delivery_id', 'in', deliveryIds)
          .orderBy('at')
          .orderBy('id')
          .execute(),
    deliveryIds.length === 0
      ? Promise.resolve([])
      : db.selectFrom('delivery_links').selectAll().where('delivery_id', 'in', deliveryIds).execute(),
  ]);
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const urls = new Map(links.map((l) => [`${l.delivery_id} ${l.position}`, l.url]));
  const timeline: (TimelineEntry & { ms: number })[] = [];
  if (event)
    timeline.push({
      ms: event.received_at,
      at: iso(event.received_at),
      kind: 'event_received',
      deliveryId: null,
      detail: event.event_id,
    });
  const created = Date.parse(view.createdAt);
  timeline.push({
    ms: created,
    at: view.createdAt,
    kind: 'notification_created',
    deliveryId: null,
    detail: `${view.type}; ${view.deliveries.length} deliveries`,
  });

  const deliveries = view.deliveries.map((d): TimelineDelivery => {
    const sendAttempts = attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => {
        timeline.push({
          ms: a.started_at,
          at: iso(a.started_at),
          kind: 'attempt',
          deliveryId: d.id,
          detail: `${d.channel} attempt ${a.attempt}: ${a.outcome}${a.code ? ` (${a.code})` : ''}`,
        });
        return {
          attempt: a.attempt,
          startedAt: iso(a.started_at),
          durationMs: a.duration_ms,
          outcome: a.outcome,
          code: a.code,
          answer: a.message,
        };
      });
    const engaged = engagement
      .filter((e) => e.delivery_id === d.id)
      .map((e) => {
        timeline.push({ ms: e.at, at: iso(e.at), kind: 'engagement', deliveryId: d.id, detail: e.kind });
        return {
          kind: e.kind,
          at: iso(e.at),
          link: e.link_index,
          url: e.link_index === null ? null : (urls.get(`${d.id} ${e.link_index}`) ?? null),
        };
      });
    return { ...d, decision: decisionOf(d.status), sendAttempts, engagement: engaged };
  });
  timeline.sort((a, b) => a.ms - b.ms);

  return {
    ...view,
    event: event
      ? {
          id: event.id,
          eventId: event.event_id,
          message: messageOf(event.payload),
          level: event.level,
          receivedAt: iso(event.received_at),
        }
      : null,
    rules: view.ruleIds.map((id) => ({ id, name: names.get(id) ?? null })),
    deliveries,
    timeline: timeline.map(({ ms: _ms, ...entry }) => entry),
  };
}
