import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const team = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  memberIds: z.array(z.string()),
  createdAt: z.string(),
});

/** `/api/v1/orgs/{org}/teams`. */
export function teamRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/teams',
    {
      schema: {
        tags: ['teams'],
        params: orgParams,
        body: z
          .object({
            slug,
            name: displayName.optional(),
            memberIds: z.array(z.string().max(64)).max(1000).optional(),
          })
          .strict(),
        response: { 201: team },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(201).send(await services.teams.create(org.id, request.body));
    },
  );

  app.get(
    '/api/v1/orgs/:org/teams',
    { schema: { tags: ['teams'], params: orgParams, response: { 200: z.object({ data: z.array(team) }) } } },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.teams.list(org.id) };
    },
  );
}
