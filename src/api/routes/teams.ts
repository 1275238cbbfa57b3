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

const teamParams = orgParams.extend({ teamId: z.string().min(1).max(64) });

/** `/api/v1/orgs/{org}/teams` and `/{teamId}`. */
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

  app.patch(
    '/api/v1/orgs/:org/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary:
          'Rename a team and/or replace its members (the whole list; each a member of the organization)',
        params: teamParams,
        body: z
          .object({
            name: displayName.optional(),
            memberIds: z
              .array(z.string().max(64))
              .max(1000)
              .optional()
              .describe('The complete list of members: people left out leave the team'),
          })
          .strict(),
        response: { 200: team },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.teams.update(org.id, request.params.teamId, request.body);
    },
  );

  app.delete(
    '/api/v1/orgs/:org/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary:
          'Delete a team: its issues are unassigned, it leaves ownership rules and projects; one that alert rules send to answers 409 naming them, unless force=true (then they send it nothing, and the history says why)',
        params: teamParams,
        querystring: z.object({ force: z.enum(['true', 'false']).optional() }).strict(),
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      await services.teams.remove(org.id, request.params.teamId, { force: request.query.force === 'true' });
      return reply.code(204).send();
    },
  );
}
