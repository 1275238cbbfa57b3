import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { channelKind, cursorOf, deliveryStatus, orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const delivery = z.object({
  id: z.string(),
  notificationId: z.string(),
  recipient: z.object({ type: z.string(), id: z.string() }),
  channel: z.string(),
  integrationId: z.string().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  fallbackOf: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** `/api/v1/orgs/{org}/deliveries`: deliveries by status (dead letters) and their replay. */
export function deliveryRoutes(app: ApiApp, services: Services): void {
  app.get(
    '/api/v1/orgs/:org/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Deliveries by status, newest first; `status=dead` lists dead letters with their last error',
        params: orgParams,
        querystring: z
          .object({
            status: deliveryStatus.optional(),
            channel: channelKind.optional(),
            cursor: cursorOf('dlv').optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ data: z.array(delivery), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const { status, channel, cursor, limit } = request.query;
      return services.deadLetters.list(org.id, { status, channel }, { cursor, limit });
    },
  );

  app.post(
    '/api/v1/orgs/:org/deliveries/:id/retry',
    {
      schema: {
        tags: ['deliveries'],
        summary:
          'Replay a dead delivery (same idempotency key, so receivers can drop duplicates); 409 when it is not dead or its integration is disabled',
        params: orgParams.extend({ id: z.string().max(64) }),
        response: { 202: delivery },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(202).send(await services.deadLetters.retry(org.id, request.params.id));
    },
  );

  app.post(
    '/api/v1/orgs/:org/deliveries/retry',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Replay dead deliveries in bulk: the given ids, or every dead one (of a channel)',
        params: orgParams,
        body: z
          .object({
            ids: z.array(z.string().max(64)).max(1000).optional(),
            channel: z.string().max(32).optional(),
            limit: z.number().int().min(1).max(1000).default(1000),
          })
          .strict(),
        response: {
          202: z.object({
            data: z.array(delivery),
            held: z
              .array(z.object({ id: z.string(), reason: z.string() }))
              .describe('Dead deliveries not replayed, with why (their integration is disabled or deleted)'),
          }),
        },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return reply.code(202).send(await services.deadLetters.retryMany(org.id, request.body));
    },
  );
}
