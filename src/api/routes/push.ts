import { z } from 'zod';
import { pushSubscriptionInputSchema } from '../../push/push-subscriptions.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import type { ApiApp } from '../server.js';
import { inboxOwner } from './inbox.js';

const subscription = z
  .object({
    id: z.string(),
    endpoint: z.string(),
    userAgent: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'PushSubscription' });

/** `GET /api/v1/push/vapid-public-key`: public, a browser needs it before anyone has logged in to push. */
export function pushKeyRoutes(app: ApiApp, services: Services): void {
  app.get(
    '/api/v1/push/vapid-public-key',
    {
      schema: {
        tags: ['push'],
        summary: 'The installation’s VAPID public key, for `pushManager.subscribe({ applicationServerKey })`',
        security: [],
        response: { 200: z.object({ publicKey: z.string() }) },
      },
    },
    async () => ({ publicKey: services.pushSubscriptions.vapidPublicKey }),
  );
}

/** `/api/v1/me/push-subscriptions`: the browsers the person behind a personal token gets web push on. */
export function pushSubscriptionRoutes(app: ApiApp, services: Services): void {
  const push = services.pushSubscriptions;

  app.post(
    '/api/v1/me/push-subscriptions',
    {
      schema: {
        tags: ['push'],
        summary: 'Save this browser’s push subscription (`PushSubscription.toJSON()`)',
        body: pushSubscriptionInputSchema,
        response: { 201: subscription },
      },
    },
    async (request, reply) => {
      const userId = inboxOwner(principalOf(request));
      const agent = request.headers['user-agent'] ?? null;
      return reply.code(201).send(await push.subscribe(userId, request.body, agent));
    },
  );

  app.get(
    '/api/v1/me/push-subscriptions',
    {
      schema: {
        tags: ['push'],
        summary: 'Browsers receiving web push',
        response: { 200: z.object({ data: z.array(subscription) }) },
      },
    },
    async (request) => ({ data: await push.list(inboxOwner(principalOf(request))) }),
  );

  app.delete(
    '/api/v1/me/push-subscriptions/:id',
    {
      schema: {
        tags: ['push'],
        summary: 'Stop pushing to a browser',
        params: z.object({ id: z.string().max(64) }),
      },
    },
    async (request, reply) => {
      await push.remove(inboxOwner(principalOf(request)), request.params.id);
      return reply.code(204).send();
    },
  );
}
