import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { type AnalyticsGroup, type AnalyticsReport, analyticsReports } from './analytics-report.js';
import { type DeliveryObserver, deliveryObserver } from './delivery-observer.js';
import { type EngagementRecorder, engagementRecorder } from './engagement.js';
import { type LinkTracker, linkTracker } from './link-tracker.js';
import { type HeraldMetrics, heraldMetrics } from './metrics.js';
import { type Retention, retention } from './retention.js';
import { type TrackingSettingsService, trackingSettings } from './tracking-settings.js';
import { type TrackingClaim, trackingKey, verifyTrackingToken } from './tracking-token.js';

const DAY = 86_400_000;
// One report scans at most a year of notifications.
const MAX_RANGE_DAYS = 366;

/** What the analytics stage needs from the composition root. */
export interface AnalyticsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The installation's secret key; tracking tokens are signed with a key derived from it. */
  readonly secretKey: string;
  readonly publicUrl: () => string;
  readonly retentionDays: number;
}

/** The analytics stage: metrics, engagement tracking, reports and retention. */
export interface AnalyticsServices {
  readonly metrics: HeraldMetrics;
  readonly observer: DeliveryObserver;
  readonly tracker: LinkTracker;
  readonly engagement: EngagementRecorder;
  readonly tracking: TrackingSettingsService;
  /** The report over [from, to) (default: the 7 days before now); 400 for an empty or over-long range. */
  report(
    orgId: string,
    range: { from?: number | undefined; to?: number | undefined },
    groupBy: AnalyticsGroup | null,
  ): Promise<AnalyticsReport>;
  readonly retention: Retention;
  /** The claim of a tracking token, or null when it is malformed or was not signed here. */
  verify(token: string, kind: TrackingClaim['kind']): TrackingClaim | null;
  /** Where a click token leads: the link of that message, or null when there is no such link. */
  linkOf(deliveryId: string, position: number): Promise<string | null>;
  /** Whether the delivery's organization records engagement of this kind now; null for no such delivery. */
  records(deliveryId: string, kind: TrackingClaim['kind']): Promise<boolean | null>;
}

/** Builds the analytics stage. */
export function analyticsServices(deps: AnalyticsDeps): AnalyticsServices {
  const { db, clock, logger } = deps;
  const key = trackingKey(deps.secretKey);
  const metrics = heraldMetrics({ db, clock });
  const tracking = trackingSettings({ db, clock });
  const engagement = engagementRecorder({ db, clock });
  const reports = analyticsReports(db);
  return {
    metrics,
    observer: deliveryObserver({ metrics, logger }),
    tracker: linkTracker({ db, key, settings: tracking, publicUrl: deps.publicUrl }),
    engagement: {
      async record(deliveryId, kind, linkIndex) {
        const found = await engagement.record(deliveryId, kind, linkIndex);
        if (found) metrics.engagement.inc({ kind });
        return found;
      },
    },
    tracking,
    report(orgId, range, groupBy) {
      // Exclusive end: by default everything up to and including this millisecond.
      const to = range.to ?? clock.now() + 1;
      const from = range.from ?? to - 7 * DAY;
      if (from >= to) throw new ValidationError([{ path: 'from', message: 'must be before to' }]);
      if (to - from > MAX_RANGE_DAYS * DAY)
        throw new ValidationError([
          { path: 'from', message: `the range may span at most ${MAX_RANGE_DAYS} days` },
        ]);
      return reports(orgId, { from, to }, groupBy);
    },
    retention: retention({ db, clock, logger, retentionDays: deps.retentionDays }),
    verify: (token, kind) => verifyTrackingToken(token, kind, key),
    async linkOf(deliveryId, position) {
      const row = await db
        .selectFrom('delivery_links')
        .select('url')
        .where('delivery_id', '=', deliveryId)
        .where('position', '=', position)
        .executeTakeFirst();
      return row?.url ?? null;
    },
    async records(deliveryId, kind) {
      const row = await db
        .selectFrom('deliveries')
        .select('org_id')
        .where('id', '=', deliveryId)
        .executeTakeFirst();
      if (!row) return null;
      const settings = await tracking.get(row.org_id);
      return kind === 'open' ? settings.opens : settings.clicks;
    },
  };
}
