import { z } from 'zod';
import type { Services } from '../../services.js';
import { DEFAULT_DIGEST_OPTIONS } from '../../throttle/digest-schedule.js';
import { digestOptionsSchema, type ThrottleSettings } from '../../throttle/throttle-settings.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const params = orgParams.extend({ project: slug });
const view = z
  .object({
    minimumDelay: z.number(),
    maximumDelay: z.number(),
    increment: z.number(),
    immediateNewIssues: z.boolean(),
  })
  .meta({ id: 'DigestOptions' });

const withIncrement = <T extends object>(options: T) => ({
  ...options,
  increment: DEFAULT_DIGEST_OPTIONS.incrementMs / 1000,
});

/**
 * `GET/PUT /api/v1/projects/{org}/{project}/digests`: the project's digest schedule in seconds (minimum
 * and maximum delay 60–3600; each addition moves the due time by `increment`, which is fixed).
 */
export function digestRoutes(app: ApiApp, services: Services, settings: ThrottleSettings): void {
  app.get(
    '/api/v1/projects/:org/:project/digests',
    {
      schema: {
        tags: ['throttling'],
        summary: "The project's digest schedule",
        params,
        response: { 200: view },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const project = await services.projects.get(org.id, request.params.project);
      return withIncrement(await settings.digestInput(project.id));
    },
  );

  app.put(
    '/api/v1/projects/:org/:project/digests',
    {
      schema: {
        tags: ['throttling'],
        summary: "Set the project's digest schedule; fields left out take their defaults",
        params,
        body: digestOptionsSchema,
        response: { 200: view },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const project = await services.projects.get(org.id, request.params.project);
      return withIncrement(await settings.setDigestOptions(project.id, request.body));
    },
  );
}
