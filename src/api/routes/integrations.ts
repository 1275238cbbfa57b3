import { z } from 'zod';
import type { Services } from '../../services.js';
import { PROVIDERS } from '../../tenancy/integration-providers.js';
import { INTEGRATION_STATUSES } from '../../tenancy/integrations.js';
import { principalOf } from '../auth.js';
import { displayName, orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const integration = z.object({
  id: z.string(),
  provider: z.enum(PROVIDERS),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()).describe('Names of the stored secrets; their values are never returned'),
  status: z.enum(INTEGRATION_STATUSES),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** An integration as created or changed: the secrets Herald generated for it, in this answer only. */
const savedIntegration = integration.extend({
  generatedSecrets: z
    .record(z.string(), z.string())
    .optional()
    .describe('Secrets Herald made because the request gave none (a webhook signing secret): shown once'),
});

const params = orgParams.extend({ id: z.string().max(64) });
const config = z.record(z.string().max(100), z.unknown());

/** `/api/v1/orgs/{org}/integrations` and `/{id}`. */
export function integrationRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/integrations',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Connect a provider; secrets are encrypted at rest and never returned (generated ones once)',
        params: orgParams,
        body: z
          .object({
            provider: z.enum(PROVIDERS),
            name: displayName,
            config: config.optional(),
            secrets: z.record(z.string().max(100), z.string().max(4096)).optional(),
          })
          .strict(),
        response: { 201: savedIntegration },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(201).send(await services.integrations.create(org.id, request.body));
    },
  );

  app.get(
    '/api/v1/orgs/:org/integrations',
    {
      schema: {
        tags: ['integrations'],
        params: orgParams,
        response: { 200: z.object({ data: z.array(integration) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.integrations.list(org.id) };
    },
  );

  app.get(
    '/api/v1/orgs/:org/integrations/:id',
    { schema: { tags: ['integrations'], params, response: { 200: integration } } },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.integrations.get(org.id, request.params.id);
    },
  );

  app.patch(
    '/api/v1/orgs/:org/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Update name, config (merged), secrets (merged; null removes one) or status',
        params,
        body: z
          .object({
            name: displayName.optional(),
            config: config.optional(),
            secrets: z.record(z.string().max(100), z.string().max(4096).nullable()).optional(),
            status: z.enum(INTEGRATION_STATUSES).optional(),
          })
          .strict(),
        response: { 200: savedIntegration },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return services.integrations.update(org.id, request.params.id, request.body);
    },
  );

  app.delete(
    '/api/v1/orgs/:org/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Delete an integration; one that alert rules use answers 409 naming them, unless force=true',
        params,
        querystring: z.object({ force: z.enum(['true', 'false']).optional() }).strict(),
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      await services.integrations.remove(org.id, request.params.id, {
        force: request.query.force === 'true',
      });
      return reply.code(204).send();
    },
  );
}
