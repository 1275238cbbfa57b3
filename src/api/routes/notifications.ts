import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { notificationType } from '../../notifications/registry.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { channelKind, cursorOf, deliveryStatus, orgParams } from '../schemas.js';
import type { ApiApp } from '../server.js';

const delivery = z.object({
  id: z.string(),
  recipient: z.object({ type: z.string(), id: z.string() }),
  channel: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  attempts: z.number(),
  integrationId: z.string().nullable(),
  digestId: z.string().nullable(),
  fallbackOf: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  lastError: z.string().nullable(),
});

const notification = z.object({
  id: z.string(),
  type: z.string(),
  projectId: z.string().nullable(),
  issueId: z.string().nullable(),
  eventId: z.string().nullable(),
  ruleIds: z.array(z.string()),
  createdAt: z.string(),
  deliveries: z.array(delivery),
});

const timelineDelivery = delivery.extend({
  decision: z.string(),
  sendAttempts: z.array(
    z.object({
      attempt: z.number(),
      startedAt: z.string(),
      durationMs: z.number(),
      outcome: z.string(),
      code: z.string().nullable(),
      answer: z.string().nullable(),
    }),
  ),
  engagement: z.array(
    z.object({ kind: z.string(), at: z.string(), link: z.number().nullable(), url: z.string().nullable() }),
  ),
});

const timeline = notification.extend({
  event: z
    .object({
      id: z.string(),
      eventId: z.string(),
      message: z.string(),
      level: z.string(),
      receivedAt: z.string(),
    })
    .nullable(),
  rules: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  deliveries: z.array(timelineDelivery),
  timeline: z.array(
    z.object({ at: z.string(), kind: z.string(), deliveryId: z.string().nullable(), detail: z.string() }),
  ),
});

const isoTime = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

const page = z.object({ data: z.array(notification), nextCursor: z.string().nullable() });

const mineQuery = z
  .object({
    type: z
      .string()
      .max(64)
      .refine((id) => notificationType(id) !== undefined, 'is not a notification type')
      .optional(),
    channel: channelKind.optional(),
    status: deliveryStatus.optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    cursor: cursorOf('ntf').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/**
 * `GET /api/v1/orgs/{org}/notifications`, `…/{id}` (the timeline) and `GET /api/v1/me/notifications`: what
 * was sent, to whom, and why (not).
 */
export function notificationRoutes(app: ApiApp, services: Services): void {
  app.get(
    '/api/v1/orgs/:org/notifications',
    {
      schema: {
        tags: ['history'],
        summary: 'Notifications with their deliveries, statuses and reasons, newest first',
        params: orgParams,
        querystring: mineQuery.extend({
          project: z.string().max(64).optional(),
          issue: z.string().max(64).optional(),
          rule: z.string().max(64).optional(),
          recipient: z.string().max(200).optional(),
        }),
        response: { 200: page },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const q = request.query;
      let projectId: string | undefined;
      if (q.project) projectId = (await services.projects.get(org.id, q.project)).id;
      return services.history.list(
        org.id,
        {
          projectId,
          issueId: q.issue,
          ruleId: q.rule,
          type: q.type,
          recipientId: q.recipient,
          channel: q.channel,
          status: q.status,
          from: q.from,
          to: q.to,
        },
        { cursor: q.cursor, limit: q.limit },
      );
    },
  );

  app.get(
    '/api/v1/orgs/:org/notifications/:id',
    {
      schema: {
        tags: ['history'],
        summary: 'One notification as a timeline: event, rules, every decision, attempt and engagement',
        params: orgParams.extend({ id: z.string().max(64) }),
        response: { 200: timeline },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const found = await services.history.timeline(org.id, request.params.id);
      if (!found) throw new NotFoundError('Notification');
      return found;
    },
  );

  app.get(
    '/api/v1/me/notifications',
    {
      schema: {
        tags: ['history'],
        summary: 'What was sent to me (personal token), in every organization, newest first',
        querystring: mineQuery,
        response: { 200: page },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // Only a person has a "me"; the admin token and org keys see the organization history instead.
      if (principal.kind !== 'user') throw new NotFoundError('User');
      const q = request.query;
      return services.history.mine(
        principal.userId,
        { type: q.type, channel: q.channel, status: q.status, from: q.from, to: q.to },
        { cursor: q.cursor, limit: q.limit },
      );
    },
  );
}
