import { z } from 'zod';
import type { Services } from '../../services.js';
import { type ThrottleSettings, throttleInputSchema } from '../../throttle/throttle-settings.js';
import { principalOf } from '../auth.js';
import { orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const limit = z.object({ limit: z.number(), windowSeconds: z.number() }).nullable();
const view = z
  .object({
    limits: z.record(z.string(), limit),
    overrides: z.record(z.string(), limit),
    defaults: z
      .record(z.string(), limit)
      .describe("Herald's own limits, for channels the organization did not set"),
  })
  .meta({ id: 'ThrottleLimits' });

/**
 * `GET/PUT /api/v1/orgs/{org}/throttle`: per-recipient, per-channel limits (token buckets). Past a limit
 * a message is held in the person's next digest for the channel, never dropped.
 */
export function throttleRoutes(app: ApiApp, services: Services, settings: ThrottleSettings): void {
  app.get(
    '/api/v1/orgs/:org/throttle',
    {
      schema: {
        tags: ['throttling'],
        summary: 'Limits per recipient and channel in force, and which the organization overrode',
        params: orgParams,
        response: { 200: view },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.limits(org.id);
    },
  );

  app.put(
    '/api/v1/orgs/:org/throttle',
    {
      schema: {
        tags: ['throttling'],
        summary:
          'Replace the overrides: `{limit, windowSeconds}` per channel, null for no limit; others use defaults',
        params: orgParams,
        body: throttleInputSchema,
        response: { 200: view },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.setLimits(org.id, request.body);
    },
  );
}
