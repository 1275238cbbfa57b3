import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.js';
import { ENGAGED_STATUSES } from './engagement.js';

/** Dimensions the analytics can be split by. */
export const ANALYTICS_GROUPS = ['type', 'channel', 'project', 'day'] as const;

/** One of {@link ANALYTICS_GROUPS}. */
export type AnalyticsGroup = (typeof ANALYTICS_GROUPS)[number];

/** Percentiles of the time from event (or notification) to sent, in milliseconds. */
export interface LatencyFigures {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** What became of the deliveries of one group (or of all). */
export interface AnalyticsFigures {
  readonly deliveries: number;
  /** Handed to the provider, whatever happened after (delivered, opened, clicked count here too). */
  readonly sent: number;
  readonly delivered: number;
  /** Failed and waiting for a retry. */
  readonly failed: number;
  readonly dead: number;
  readonly suppressed: { readonly total: number; readonly byReason: Record<string, number> };
  readonly digested: number;
  readonly deferred: number;
  /** Not yet decided: pending or being sent. */
  readonly pending: number;
  readonly opened: number;
  readonly clicked: number;
  /** opened / sent, or null when nothing was sent. */
  readonly openRate: number | null;
  /** clicked / sent, or null when nothing was sent. */
  readonly clickRate: number | null;
  readonly latencyMs: LatencyFigures;
}

/** The answer of the analytics API. */
export interface AnalyticsReport {
  readonly from: string;
  readonly to: string;
  readonly groupBy: AnalyticsGroup | null;
  readonly totals: AnalyticsFigures;
  readonly groups: (AnalyticsFigures & { readonly key: string | null })[];
}

/** Most send times read for the percentiles; past it they are computed over the newest ones. */
export const LATENCY_SAMPLE_LIMIT = 50_000;

const DAY = 86_400_000;
const SENT = new Set<string>(ENGAGED_STATUSES);
const DELIVERED = new Set(['delivered', 'opened', 'clicked', 'acted']);
const OPENED = new Set(['opened', 'clicked', 'acted']);
const CLICKED = new Set(['clicked', 'acted']);

/** A nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

function groupExpression(group: AnalyticsGroup | null): RawBuilder<unknown> {
  switch (group) {
    case 'type':
      return sql`n.type`;
    case 'channel':
      return sql`d.channel`;
    case 'project':
      return sql`n.project_id`;
    case 'day':
      // Integer division on both databases: created_at is a bigint (PostgreSQL) or an integer (SQLite).
      return sql`n.created_at / ${sql.lit(DAY)}`;
    default:
      // PostgreSQL refuses a constant in GROUP BY: without a grouping, group by the status alone.
      return sql`d.status`;
  }
}

function keyOf(group: AnalyticsGroup | null, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (group === 'day') return new Date(Number(value) * DAY).toISOString().slice(0, 10);
  return String(value);
}

class Tally {
  readonly counts = new Map<string, number>();
  readonly reasons: Record<string, number> = {};
  readonly latencies: number[] = [];

  add(status: string, reason: string | null, count: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + count);
    if (status === 'suppressed') {
      const key = reason ?? 'unknown';
      this.reasons[key] = (this.reasons[key] ?? 0) + count;
    }
  }

  figures(): AnalyticsFigures {
    const sum = (test: (status: string) => boolean) =>
      [...this.counts].reduce((total, [status, n]) => total + (test(status) ? n : 0), 0);
    const sent = sum((s) => SENT.has(s));
    const opened = sum((s) => OPENED.has(s));
    const clicked = sum((s) => CLICKED.has(s));
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      deliveries: sum(() => true),
      sent,
      delivered: sum((s) => DELIVERED.has(s)),
      failed: sum((s) => s === 'failed'),
      dead: sum((s) => s === 'dead'),
      suppressed: { total: sum((s) => s === 'suppressed'), byReason: this.reasons },
      digested: sum((s) => s === 'digested'),
      deferred: sum((s) => s === 'deferred'),
      pending: sum((s) => s === 'pending' || s === 'sending'),
      opened,
      clicked,
      openRate: sent === 0 ? null : opened / sent,
      clickRate: sent === 0 ? null : clicked / sent,
      latencyMs: {
        count: sorted.length,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
      },
    };
  }
}

/**
 * Delivery analytics of an organization over notifications created in [from, to): counts by status and
 * suppression reason from one grouped query, and event-to-sent percentiles computed here over at most
 * {@link LATENCY_SAMPLE_LIMIT} selected durations. The same SQL runs on SQLite and PostgreSQL.
 */
export function analyticsReports(db: Kysely<Database>) {
  return async function report(
    orgId: string,
    range: { from: number; to: number },
    groupBy: AnalyticsGroup | null,
  ): Promise<AnalyticsReport> {
    const grp = groupExpression(groupBy);
    const base = db
      .selectFrom('deliveries as d')
      .innerJoin('notifications as n', 'n.id', 'd.notification_id')
      .where('d.org_id', '=', orgId)
      .where('n.org_id', '=', orgId)
      .where('n.created_at', '>=', range.from)
      .where('n.created_at', '<', range.to);
    const counts = await base
      .select((eb) => [grp.as('grp'), 'd.status', 'd.reason', eb.fn.countAll<number>().as('count')])
      .groupBy([grp, 'd.status', 'd.reason'])
      .execute();
    const latencies = await base
      .leftJoin('events as e', 'e.id', 'n.event_id')
      .select([
        grp.as('grp'),
        sql<number>`d.sent_at - (case when n.type = 'issue_alert' and e.received_at is not null then e.received_at else n.created_at end)`.as(
          'ms',
        ),
      ])
      .where('d.sent_at', 'is not', null)
      .orderBy('d.sent_at', 'desc')
      .limit(LATENCY_SAMPLE_LIMIT)
      .execute();

    const totals = new Tally();
    const groups = new Map<string | null, Tally>();
    const tallyOf = (value: unknown) => {
      const key = keyOf(groupBy, value);
      let tally = groups.get(key);
      if (!tally) {
        tally = new Tally();
        groups.set(key, tally);
      }
      return tally;
    };
    for (const row of counts) {
      totals.add(row.status, row.reason, Number(row.count));
      if (groupBy) tallyOf(row.grp).add(row.status, row.reason, Number(row.count));
    }
    for (const row of latencies) {
      const ms = Math.max(0, Number(row.ms));
      totals.latencies.push(ms);
      if (groupBy) tallyOf(row.grp).latencies.push(ms);
    }
    return {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      groupBy,
      totals: totals.figures(),
      groups: [...groups]
        .map(([key, tally]) => ({ key, ...tally.figures() }))
        .sort((a, b) => String(a.key).localeCompare(String(b.key))),
    };
  };
}

/** The analytics report function. */
export type AnalyticsReports = ReturnType<typeof analyticsReports>;
