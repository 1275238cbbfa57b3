import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { readQueueHealth } from '../queue/queue-health.js';
import type { Database } from '../store/schema.js';

/** Seconds from an event (or a notification) to its message being sent; buckets span a second to hours. */
export const LATENCY_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400] as const;

/**
 * Herald's Prometheus metrics, in a registry of their own: two engines in one process (tests, embedding)
 * never share or clash over counters. The stages are handed this object; nothing imports a global.
 */
export interface HeraldMetrics {
  readonly registry: Registry;
  readonly eventsIngested: Counter;
  readonly rulesFired: Counter;
  /** Events an active silence kept from the project's alert rules. */
  readonly eventsSilenced: Counter;
  /** Events a firing source kept from the project's alert rules, through an inhibit rule. */
  readonly eventsInhibited: Counter;
  readonly notificationsCreated: Counter<'type'>;
  readonly deliveries: Counter<'channel' | 'status'>;
  readonly retries: Counter<'channel'>;
  readonly deadLetters: Counter<'channel'>;
  readonly engagement: Counter<'kind'>;
  readonly eventToSent: Histogram<'channel'>;
  /** The exposition text of every metric. */
  text(): Promise<string>;
}

/** Builds the metrics of one engine; queue gauges are read from the jobs table on each scrape. */
export function heraldMetrics(deps: { readonly db: Kysely<Database>; readonly clock: Clock }): HeraldMetrics {
  const { db, clock } = deps;
  const registry = new Registry();
  const registers = [registry];

  const depth = new Gauge({
    name: 'herald_queue_depth',
    help: 'Jobs due now and not finished, by kind',
    labelNames: ['kind'] as const,
    registers,
    collect: () => readQueue(),
  });
  const oldest = new Gauge({
    name: 'herald_queue_oldest_due_age_seconds',
    help: 'How long the oldest due job has been waiting, by kind',
    labelNames: ['kind'] as const,
    registers,
    collect: () => readQueue(),
  });
  let pending: Promise<void> | null = null;
  // Both gauges come from one query; the second collect of a scrape reuses the first's.
  function readQueue(): Promise<void> {
    pending ??= (async () => {
      const queue = await readQueueHealth(db, clock.now());
      depth.reset();
      oldest.reset();
      for (const [kind, health] of Object.entries(queue.kinds)) {
        if (health.oldestDueAgeMs === null) continue;
        depth.set({ kind }, health.due);
        oldest.set({ kind }, health.oldestDueAgeMs / 1000);
      }
    })().finally(() => {
      pending = null;
    });
    return pending;
  }

  return {
    registry,
    eventsIngested: new Counter({
      name: 'herald_events_ingested_total',
      help: 'Events stored (repeated event ids not counted)',
      registers,
    }),
    rulesFired: new Counter({ name: 'herald_rules_fired_total', help: 'Rules that fired', registers }),
    eventsSilenced: new Counter({
      name: 'herald_events_silenced_total',
      help: "Events an active silence kept from the project's alert rules (stored and grouped all the same)",
      registers,
    }),
    eventsInhibited: new Counter({
      name: 'herald_events_inhibited_total',
      help: "Events an inhibit rule kept from the project's alert rules while a source fired (stored and grouped all the same)",
      registers,
    }),
    notificationsCreated: new Counter({
      name: 'herald_notifications_created_total',
      help: 'Notifications created, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'herald_deliveries_total',
      help: 'Delivery decisions and outcomes, by channel and status',
      labelNames: ['channel', 'status'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'herald_delivery_retries_total',
      help: 'Failed send attempts that were scheduled again',
      labelNames: ['channel'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'herald_dead_letters_total',
      help: 'Deliveries that became dead letters',
      labelNames: ['channel'] as const,
      registers,
    }),
    engagement: new Counter({
      name: 'herald_engagement_total',
      help: 'Opens, clicks and actions recorded',
      labelNames: ['kind'] as const,
      registers,
    }),
    eventToSent: new Histogram({
      name: 'herald_event_to_sent_seconds',
      help: 'Time from the event (or the notification) to the message being sent, by channel',
      labelNames: ['channel'] as const,
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    text: () => registry.metrics(),
  };
}
