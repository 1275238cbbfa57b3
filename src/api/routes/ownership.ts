import { z } from 'zod';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, serviceValidatesBody, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const ownership = z
  .object({
    raw: z.string().describe("The rules in Sentry's text form, one a line"),
    rules: z.array(
      z.object({
        matcher: z.object({ type: z.string(), pattern: z.string() }),
        owners: z
          .array(z.object({ type: z.enum(['user', 'team']), identifier: z.string(), id: z.string() }))
          .readonly(),
      }),
    ),
  })
  .meta({ id: 'Ownership' });

const body = z
  .union([
    z.string().describe('text/plain: `path:src/billing/** #billing alice@example.com`, one rule a line'),
    z.array(
      z.object({ matcher: z.object({ type: z.string(), pattern: z.string() }), owners: z.array(z.string()) }),
    ),
    z.object({ raw: z.string() }),
  ])
  .describe('The rules as text, as a JSON list, or as { raw }');

const projectParams = orgParams.extend({ project: slug });

/** `/api/v1/projects/{org}/{project}/ownership`: who owns which events (IssueOwners targets). */
export function ownershipRoutes(app: ApiApp, services: Services): void {
  const scope = async (principal: Principal, params: { org: string; project: string }) => {
    const org = await services.organizations.resolve(principal, params.org);
    const project = await services.projects.get(org.id, params.project);
    return { orgId: org.id, projectId: project.id };
  };

  app.get(
    '/api/v1/projects/:org/:project/ownership',
    { schema: { tags: ['ownership'], params: projectParams, response: { 200: ownership } } },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return services.ownership.get(orgId, projectId);
    },
  );

  app.put(
    '/api/v1/projects/:org/:project/ownership',
    {
      schema: { tags: ['ownership'], params: projectParams, body, response: { 200: ownership } },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return services.ownership.put(orgId, projectId, request.body);
    },
  );
}
