import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams } from '../schemas.js';
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

const isoTime = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

/** `GET /api/v1/orgs/{org}/notifications` and `…/{id}`: what was sent, to whom, and why (not). */
export function notificationRoutes(app: ApiApp, services: Services): void {
  app.get(
    '/api/v1/orgs/:org/notifications',
    {
      schema: {
        tags: ['history'],
        summary: 'Notifications with their deliveries, statuses and reasons, newest first',
        params: orgParams,
        querystring: z
          .object({
            project: z.string().max(64).optional(),
            issue: z.string().max(64).optional(),
            rule: z.string().max(64).optional(),
            type: z.string().max(64).optional(),
            recipient: z.string().max(200).optional(),
            channel: z.string().max(32).optional(),
            status: z.string().max(32).optional(),
            from: isoTime.optional(),
            to: isoTime.optional(),
            cursor: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ data: z.array(notification), nextCursor: z.string().nullable() }) },
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
        summary: 'One notification with every delivery decision',
        params: orgParams.extend({ id: z.string().max(64) }),
        response: { 200: notification },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      const found = await services.history.get(org.id, request.params.id);
      if (!found) throw new NotFoundError('Notification');
      return found;
    },
  );
}
