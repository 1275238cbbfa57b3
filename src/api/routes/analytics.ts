import { z } from 'zod';
import { ANALYTICS_GROUPS } from '../../analytics/analytics-report.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const latency = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

const figures = z.object({
  deliveries: z.number(),
  sent: z.number(),
  delivered: z.number(),
  failed: z.number(),
  dead: z.number(),
  suppressed: z.object({ total: z.number(), byReason: z.record(z.string(), z.number()) }),
  digested: z.number(),
  deferred: z.number(),
  pending: z.number(),
  opened: z.number(),
  clicked: z.number(),
  openRate: z.number().nullable(),
  clickRate: z.number().nullable(),
  latencyMs: latency,
});

const trackingBody = z.object({ opens: z.boolean(), clicks: z.boolean() });

const isoTime = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

/** `GET /api/v1/orgs/{org}/analytics` and `GET/PUT /api/v1/orgs/{org}/tracking`. */
export function analyticsRoutes(app: ApiApp, services: Services): void {
  app.get(
    '/api/v1/orgs/:org/analytics',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Delivery figures over notifications created in [from, to), optionally grouped',
        description:
          'Defaults: the last 7 days. Rates are over sent deliveries; latency is from the event (issue alerts) or the notification to the send, in milliseconds.',
        params: orgParams,
        querystring: z
          .object({
            from: isoTime.optional(),
            to: isoTime.optional(),
            groupBy: z.enum(ANALYTICS_GROUPS).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            from: z.string(),
            to: z.string(),
            groupBy: z.enum(ANALYTICS_GROUPS).nullable(),
            totals: figures,
            groups: z.array(figures.extend({ key: z.string().nullable() })),
          }),
        },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const { from, to, groupBy } = request.query;
      return services.analytics.report(org.id, { from, to }, groupBy ?? null);
    },
  );

  app.get(
    '/api/v1/orgs/:org/tracking',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Whether emails carry an open pixel and tracked links',
        params: orgParams,
        response: { 200: trackingBody },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.analytics.tracking.get(org.id);
    },
  );

  app.put(
    '/api/v1/orgs/:org/tracking',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Turn open and click tracking on or off for the organization',
        params: orgParams,
        body: trackingBody.partial().strict(),
        response: { 200: trackingBody },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const { opens, clicks } = request.body;
      return services.analytics.tracking.update(org.id, {
        ...(opens === undefined ? {} : { opens }),
        ...(clicks === undefined ? {} : { clicks }),
      });
    },
  );
}
