import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, locale, orgParams, role, timeZone } from '../schemas.js';
import type { ApiApp } from '../server.js';

const member = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  locale: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
});

/** `/api/v1/orgs/{org}/members`. */
export function memberRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Add a user to the organization by email (the user is created when new)',
        params: orgParams,
        body: z
          .object({
            email: z.email().max(320),
            name: displayName.optional(),
            role: role.optional(),
            locale: locale.optional(),
            timezone: timeZone.optional(),
          })
          .strict(),
        response: { 201: member },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(201).send(await services.members.add(org.id, request.body));
    },
  );

  app.get(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['members'],
        params: orgParams,
        response: { 200: z.object({ data: z.array(member) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.members.list(org.id) };
    },
  );
}
