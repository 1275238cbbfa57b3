import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import { ApiError, api, describeError, query } from '../api';
import type { Notification, Org, Page } from '../types';
import { Loading, Notice } from '../ui';

/** One day of counts. */
export interface DayCounts {
  readonly day: string;
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly opened: number | null;
}

/** Totals over the whole window. */
export interface Totals {
  readonly deliveries: number;
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly dead: number;
  readonly suppressed: number;
  readonly byReason: Readonly<Record<string, number>>;
  readonly openRate: number | null;
}

/** What the charts show. */
export interface Stats {
  readonly days: readonly DayCounts[];
  /** Milliseconds from the event (or notification) to the send. */
  readonly latency: readonly (readonly [string, number])[];
  readonly totals: Totals | null;
  readonly source: 'analytics' | 'history';
}

/** The figures `GET /api/v1/orgs/{org}/analytics` answers with, as far as the charts read them. */
interface Figures {
  readonly deliveries: number;
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly dead: number;
  readonly suppressed: { readonly total: number; readonly byReason: Record<string, number> };
  readonly opened: number;
  readonly openRate: number | null;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
}

interface AnalyticsReport {
  readonly totals: Figures;
  readonly groups: readonly (Figures & { readonly key: string | null })[];
}

const DAYS = 14;
const SERIES = [
  ['sent', 'Sent', 'var(--c-sent)'],
  ['delivered', 'Delivered', 'var(--c-delivered)'],
  ['failed', 'Failed', 'var(--c-failed)'],
  ['opened', 'Opened', 'var(--c-opened)'],
] as const;

function lastDays(now: number): string[] {
  const days: string[] = [];
  for (let i = DAYS - 1; i >= 0; i--) days.push(new Date(now - i * 86_400_000).toISOString().slice(0, 10));
  return days;
}

/** The report grouped by day, with the days that had nothing filled in as zeros. */
export function statsFromReport(report: AnalyticsReport, now = Date.now()): Stats {
  const days = lastDays(now).map((day) => {
    const g = report.groups.find((x) => x.key === day);
    return {
      day,
      sent: g?.sent ?? 0,
      delivered: g?.delivered ?? 0,
      failed: (g?.failed ?? 0) + (g?.dead ?? 0),
      opened: g?.opened ?? 0,
    };
  });
  const t = report.totals;
  const latency = (
    [
      ['p50', t.latencyMs.p50],
      ['p95', t.latencyMs.p95],
      ['p99', t.latencyMs.p99],
    ] as const
  ).filter((e): e is readonly ['p50' | 'p95' | 'p99', number] => e[1] !== null);
  return {
    days,
    latency,
    totals: {
      deliveries: t.deliveries,
      sent: t.sent,
      delivered: t.delivered,
      failed: t.failed,
      dead: t.dead,
      suppressed: t.suppressed.total,
      byReason: t.suppressed.byReason,
      openRate: t.openRate,
    },
    source: 'analytics',
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The same figures from the notification history, for a Herald without the analytics endpoint. */
export function statsFromHistory(items: readonly Notification[], now = Date.now()): Stats {
  const days = lastDays(now).map((day) => ({ day, sent: 0, delivered: 0, failed: 0, opened: null }));
  const latencies: number[] = [];
  for (const n of items) {
    const row = days.find((d) => d.day === n.createdAt.slice(0, 10));
    for (const d of n.deliveries) {
      if (row && (d.status === 'sent' || d.status === 'failed' || d.status === 'dead')) row.sent++;
      if (row && d.status === 'sent') row.delivered++;
      if (row && (d.status === 'failed' || d.status === 'dead')) row.failed++;
      if (d.status === 'sent' && d.sentAt)
        latencies.push(Math.max(0, Date.parse(d.sentAt) - Date.parse(n.createdAt)));
    }
  }
  latencies.sort((a, b) => a - b);
  const latency: (readonly [string, number])[] =
    latencies.length > 0
      ? [
          ['p50', percentile(latencies, 50)],
          ['p95', percentile(latencies, 95)],
          ['p99', percentile(latencies, 99)],
        ]
      : [];
  return { days, latency, totals: null, source: 'history' };
}

async function loadStats(token: string, org: string): Promise<Stats> {
  const from = new Date(Date.now() - DAYS * 86_400_000).toISOString();
  try {
    const report = await api<AnalyticsReport>(
      token,
      'GET',
      `/api/v1/orgs/${org}/analytics${query({ from, groupBy: 'day' })}`,
    );
    return statsFromReport(report);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  const items: Notification[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 5; i++) {
    const page: Page<Notification> = await api<Page<Notification>>(
      token,
      'GET',
      `/api/v1/orgs/${org}/notifications${query({ from, limit: 200, cursor })}`,
    );
    items.push(...page.data);
    cursor = page.nextCursor ?? null;
    if (!cursor) break;
  }
  return statsFromHistory(items);
}

function ms(value: number): string {
  return value < 1000
    ? `${Math.round(value)} ms`
    : value < 60_000
      ? `${(value / 1000).toFixed(1)} s`
      : `${(value / 60_000).toFixed(1)} min`;
}

/** Charts of deliveries per day and delivery latency, plain SVG with a table for screen readers. */
export function AnalyticsView(props: { token: string; org: Org }): ReactNode {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [opensTracked, setOpensTracked] = useState<boolean | null>(null);

  useEffect(() => {
    api<{ opens: boolean }>(props.token, 'GET', `/api/v1/orgs/${props.org.slug}/tracking`)
      .then((t) => setOpensTracked(t.opens))
      .catch(() => setOpensTracked(null));
    loadStats(props.token, props.org.slug)
      .then(setStats)
      .catch((e: unknown) => setError(describeError(e)));
  }, [props.token, props.org.slug]);

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!stats) return <Loading what="analytics" />;
  const hasOpens = stats.days.some((d) => d.opened !== null && d.opened > 0);
  const t = stats.totals;
  const reasons = t ? Object.entries(t.byReason).sort((a, b) => b[1] - a[1]) : [];

  return (
    <>
      <p className="hint">
        The last {DAYS} days
        {stats.source === 'history'
          ? ', computed from the history (this Herald has no analytics endpoint)'
          : ''}
        .
      </p>
      {t ? (
        <dl className="tiles">
          <div>
            <dt>Deliveries</dt>
            <dd>{t.deliveries}</dd>
          </div>
          <div>
            <dt>Sent</dt>
            <dd>{t.sent}</dd>
          </div>
          <div>
            <dt>Failed or dead</dt>
            <dd>{t.failed + t.dead}</dd>
          </div>
          <div>
            <dt>Not sent</dt>
            <dd>
              {t.suppressed}
              {reasons.length > 0 ? (
                <small>
                  {reasons.map(([reason, count]) => `${count} ${reason.replaceAll('_', ' ')}`).join(' · ')}
                </small>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Opened</dt>
            <dd>
              {opensTracked === false ? (
                <>
                  —<small>Open tracking is off for this organization</small>
                </>
              ) : t.openRate === null ? (
                '—'
              ) : (
                `${Math.round(t.openRate * 100)} %`
              )}
            </dd>
          </div>
        </dl>
      ) : null}
      <section className="card" aria-labelledby="daily-title">
        <h2 id="daily-title">Deliveries per day</h2>
        <DayBars days={stats.days} hasOpens={hasOpens} />
        <details>
          <summary>Show as a table</summary>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  {SERIES.filter(([key]) => key !== 'opened' || hasOpens).map(([key, name]) => (
                    <th scope="col" key={key}>
                      {name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {stats.days.map((d) => (
                  <tr key={d.day}>
                    <th scope="row">{d.day}</th>
                    <td>{d.sent}</td>
                    <td>{d.delivered}</td>
                    <td>{d.failed}</td>
                    {hasOpens ? <td>{d.opened ?? 0}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <section className="card" aria-labelledby="latency-title">
        <h2 id="latency-title">Time to deliver</h2>
        {stats.latency.length > 0 ? (
          <LatencyBars latency={stats.latency} />
        ) : (
          <p className="muted">Nothing delivered yet.</p>
        )}
      </section>
    </>
  );
}

/** The pixel width of an element, kept current, so charts draw text at its real size. */
function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(280, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

function DayBars(props: { days: readonly DayCounts[]; hasOpens: boolean }): ReactNode {
  const [ref, width] = useWidth();
  const height = 220;
  const pad = { left: 36, right: 8, top: 12, bottom: 26 };
  const series = SERIES.filter(([key]) => key !== 'opened' || props.hasOpens);
  const max = Math.max(1, ...props.days.flatMap((d) => series.map(([key]) => d[key] ?? 0)));
  const slot = (width - pad.left - pad.right) / props.days.length;
  const bar = Math.max(2, Math.min(14, (slot - 4) / series.length));
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const labelEvery = slot < 34 ? Math.ceil(34 / slot) : 1;
  return (
    <figure className="chart" ref={ref}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label="Sent, delivered and failed deliveries per day; the table below has the numbers"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={pad.left - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {t}
            </text>
          </g>
        ))}
        {props.days.map((d, i) => {
          const x0 = pad.left + i * slot + (slot - bar * series.length) / 2;
          return (
            <g key={d.day}>
              {series.map(([key, name, color], k) => {
                const value = d[key] ?? 0;
                return (
                  <rect
                    key={key}
                    x={x0 + k * bar}
                    y={y(value)}
                    width={bar - 1}
                    height={Math.max(0, y(0) - y(value))}
                    fill={color}
                  >
                    <title>{`${d.day}: ${value} ${name.toLowerCase()}`}</title>
                  </rect>
                );
              })}
              {(props.days.length - 1 - i) % labelEvery === 0 ? (
                <text x={pad.left + i * slot + slot / 2} y={height - 8} textAnchor="middle" className="axis">
                  {d.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map(([key, name, color]) => (
          <span key={key}>
            <span className="swatch" style={{ background: color }} aria-hidden="true" />
            {name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function LatencyBars(props: { latency: readonly (readonly [string, number])[] }): ReactNode {
  const [ref, width] = useWidth();
  const rows = props.latency;
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const room = width - 44 - 80;
  return (
    <div ref={ref}>
      <svg
        width={width}
        height={rows.length * 34 + 4}
        className="chart"
        role="img"
        aria-label={rows.map(([k, v]) => `${k} ${ms(v)}`).join(', ')}
      >
        {rows.map(([name, value], i) => {
          const w = Math.max(2, (value / max) * room);
          return (
            <g key={name} transform={`translate(0 ${i * 34 + 2})`}>
              <text x={0} y={19} className="axis">
                {name}
              </text>
              <rect x={44} y={4} height={22} rx={4} width={w} fill="var(--c-sent)" />
              <text x={52 + w} y={20} className="axis">
                {ms(value)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
