import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

/** `/api/v1/orgs/{org}/api-keys` and `…/api-keys/{id}`. */
export function apiKeyRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an organization API key; the token is shown in this answer only',
        params: orgParams,
        body: z.object({ name: displayName }).strict(),
        response: { 201: apiKey.extend({ token: z.string() }) },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(201).send(await services.apiKeys.create(org.id, request.body.name));
    },
  );

  app.get(
    '/api/v1/orgs/:org/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        params: orgParams,
        response: { 200: z.object({ data: z.array(apiKey) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.apiKeys.list(org.id) };
    },
  );

  app.patch(
    '/api/v1/orgs/:org/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Rename an organization API key; its token is unchanged',
        params: orgParams.extend({ id: z.string().min(1).max(64) }),
        body: z.object({ name: displayName }).strict(),
        response: { 200: apiKey },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.apiKeys.rename(org.id, request.params.id, request.body.name);
    },
  );

  app.delete(
    '/api/v1/orgs/:org/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an organization API key: it stops working (within 5 s in other API processes)',
        params: orgParams.extend({ id: z.string().min(1).max(64) }),
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      await services.apiKeys.revoke(org.id, request.params.id);
      return reply.code(204).send();
    },
  );
}
