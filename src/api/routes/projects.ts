import { z } from 'zod';
import { ingestRateLimitSchema } from '../../events/ingest-limit.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const project = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  platform: z.string().nullable(),
  number: z.number(),
  dsn: z.string(),
  teamIds: z.array(z.string()),
  rateLimit: z.object({ count: z.number(), windowSeconds: z.number() }).nullable(),
  createdAt: z.string(),
});

/** `/api/v1/orgs/{org}/projects` and `…/projects/{project}`. */
export function projectRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Create a project; the answer carries the DSN for Sentry SDKs',
        params: orgParams,
        body: z
          .object({
            slug,
            name: displayName.optional(),
            platform: z.string().max(64).nullable().optional(),
            teamIds: z.array(z.string().max(64)).max(100).optional(),
          })
          .strict(),
        response: { 201: project },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(201).send(await services.projects.create(org.id, request.body));
    },
  );

  app.get(
    '/api/v1/orgs/:org/projects',
    {
      schema: {
        tags: ['projects'],
        params: orgParams,
        response: { 200: z.object({ data: z.array(project) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.projects.list(org.id) };
    },
  );

  app.get(
    '/api/v1/orgs/:org/projects/:project',
    {
      schema: { tags: ['projects'], params: orgParams.extend({ project: slug }), response: { 200: project } },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.projects.get(org.id, request.params.project);
    },
  );

  app.patch(
    '/api/v1/orgs/:org/projects/:project',
    {
      schema: {
        tags: ['projects'],
        summary:
          'Rename a project, change its platform, replace its teams (slug and DSN stay), or cap the events it takes: rateLimit {count, windowSeconds}, over which ingest answers 429 with Retry-After; null lifts it',
        params: orgParams.extend({ project: slug }),
        body: z
          .object({
            name: displayName.optional(),
            platform: z.string().max(64).nullable().optional(),
            teamIds: z.array(z.string().max(64)).max(100).optional(),
            rateLimit: ingestRateLimitSchema.optional(),
          })
          .strict(),
        response: { 200: project },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.projects.update(org.id, request.params.project, request.body);
    },
  );

  app.delete(
    '/api/v1/orgs/:org/projects/:project',
    {
      schema: {
        tags: ['projects'],
        summary:
          'Delete a project: it is gone at once from lists and lookups, its DSN and ingest paths refuse events (within 5 s in other API processes), nothing more is sent about it (what waited is suppressed, reason project_deleted) and its slug is free again; its events, issues, rules and releases are purged in the background. The history of what was sent stays until retention removes it',
        params: orgParams.extend({ project: slug }),
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      await services.projects.remove(org.id, request.params.project);
      return reply.code(204).send();
    },
  );
}
