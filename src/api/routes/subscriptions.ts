import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import type { ApiApp } from '../server.js';

const subscription = z.object({
  issueId: z.string(),
  userId: z.string(),
  subscribed: z.boolean(),
  reason: z.string().describe('Why the person follows the issue, `explicit` for their own choice'),
});

const params = z.object({ id: z.string().min(1).max(64) });
const who = z
  .object({ userId: z.string().min(1).max(64).optional() })
  .strict()
  .describe(
    'userId: whose subscription, with the admin token or an org key; a personal token changes its own',
  );

/** `POST/DELETE /api/v1/issues/{id}/subscription`: follow or explicitly stop following an issue. */
export function subscriptionRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/issues/:id/subscription',
    { schema: { tags: ['issues'], params, body: who.nullish(), response: { 200: subscription } } },
    async (request) =>
      services.subscriptions.subscribeAs(principalOf(request), request.params.id, request.body?.userId),
  );

  app.delete(
    '/api/v1/issues/:id/subscription',
    {
      schema: {
        tags: ['issues'],
        params,
        querystring: who,
        body: who.nullish(),
        response: { 200: subscription },
      },
    },
    async (request) =>
      services.subscriptions.unsubscribeAs(
        principalOf(request),
        request.params.id,
        request.body?.userId ?? request.query.userId,
      ),
  );
}
