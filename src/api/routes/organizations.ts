import { z } from 'zod';
import { ForbiddenError } from '../../errors.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const organization = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** `/api/v1/orgs` and `/api/v1/orgs/{org}`. */
export function organizationRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization (admin token only)',
        body: z.object({ slug, name: displayName.optional() }).strict(),
        response: { 201: organization },
      },
    },
    async (request, reply) => {
      if (principalOf(request).kind !== 'admin')
        throw new ForbiddenError('Only the admin token can create organizations');
      return reply.code(201).send(await services.organizations.create(request.body));
    },
  );

  app.get(
    '/api/v1/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'List the organizations the caller can see',
        response: { 200: z.object({ data: z.array(organization) }) },
      },
    },
    async (request) => ({ data: await services.organizations.list(principalOf(request)) }),
  );

  app.get(
    '/api/v1/orgs/:org',
    { schema: { tags: ['organizations'], params: orgParams, response: { 200: organization } } },
    async (request) => services.organizations.resolve(principalOf(request), request.params.org),
  );

  app.patch(
    '/api/v1/orgs/:org',
    {
      schema: {
        tags: ['organizations'],
        params: orgParams,
        body: z.object({ name: displayName.optional() }).strict(),
        response: { 200: organization },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.organizations.update(org.id, request.body);
    },
  );
}
