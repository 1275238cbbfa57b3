import type { Services } from '../../services.js';
import { retriesInputSchema, type ThrottleSettings } from '../../throttle/throttle-settings.js';
import { principalOf } from '../auth.js';
import { orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

/**
 * `GET/PUT /api/v1/orgs/{org}/retries`: how many attempts a delivery gets before it is a dead letter.
 * Each retry waits a random time up to a cap that doubles from 15 s to 10 minutes (a provider's
 * `Retry-After` wins, up to an hour); the default 8 attempts span about half an hour.
 */
export function retryRoutes(app: ApiApp, services: Services, settings: ThrottleSettings): void {
  app.get(
    '/api/v1/orgs/:org/retries',
    {
      schema: {
        tags: ['delivery'],
        summary: 'How many attempts a delivery gets before it is a dead letter (default 8)',
        params: orgParams,
        response: { 200: retriesInputSchema },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.retries(org.id);
    },
  );

  app.put(
    '/api/v1/orgs/:org/retries',
    {
      schema: {
        tags: ['delivery'],
        summary: 'Set how many attempts a delivery gets in all (1–20), the first included',
        params: orgParams,
        body: retriesInputSchema,
        response: { 200: retriesInputSchema },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.setRetries(org.id, request.body);
    },
  );
}
