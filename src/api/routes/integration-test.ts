import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const answer = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      providerMessageId: z.string().nullable(),
      providerResponse: z.string().nullable(),
    }),
    z.object({
      ok: z.literal(false),
      error: z.object({
        class: z.enum(['permanent', 'transient']),
        code: z.string(),
        message: z.string(),
        fatal: z.boolean(),
        retryAfterMs: z.number().nullable(),
      }),
    }),
  ])
  .meta({ id: 'IntegrationTestResult' });

/** `POST /api/v1/orgs/{org}/integrations/{id}/test`: send a short test message through an integration. */
export function integrationTestRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/integrations/:id/test',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Send a test message; 200 whether the provider accepted it (`ok: true`) or not',
        description:
          'Slack needs `channel` and email needs `email`. Nothing is recorded in the history; a failure is classified as delivery would classify it.',
        params: orgParams.extend({ id: z.string().max(64) }),
        body: z
          .object({
            channel: z.string().trim().min(1).max(200).optional(),
            email: z.email().max(320).optional(),
          })
          .strict()
          .nullish(),
        response: { 200: answer },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const integration = await services.integrations.getWithSecrets(org.id, request.params.id);
      return services.integrationTests.send(
        integration,
        { id: org.id, slug: org.slug, name: org.name },
        request.body ?? {},
      );
    },
  );
}
