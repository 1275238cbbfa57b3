import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { INBOX_STATUSES } from '../../inbox/inbox-store.js';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { cursorOf } from '../schemas.js';
import type { ApiApp } from '../server.js';

/** An inbox message as the API and the live stream show it. */
export const inboxMessageSchema = z
  .object({
    id: z.string(),
    orgId: z.string().nullable(),
    notificationId: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    url: z.string(),
    readAt: z.string().nullable(),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'InboxMessage' });

/**
 * The person behind a personal token. The inbox is personal: the admin token and org keys have none,
 * and get 404 like every other `/me` path.
 */
export function inboxOwner(principal: Principal): string {
  if (principal.kind !== 'user') throw new NotFoundError('User');
  return principal.userId;
}

const idParams = z.object({ id: z.string().min(1).max(64) });

/** `/api/v1/me/inbox`: the in-app inbox of the person behind a personal token. */
export function inboxRoutes(app: ApiApp, services: Services): void {
  const inbox = services.inbox;

  app.get(
    '/api/v1/me/inbox',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Inbox messages, newest first, with the unread count',
        description:
          '`status=all` (default) is the inbox, read and unread; archived messages are listed only with `status=archived`.',
        querystring: z
          .object({
            status: z.enum(INBOX_STATUSES).default('all'),
            cursor: cursorOf('msg').optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: {
          200: z.object({
            data: z.array(inboxMessageSchema),
            nextCursor: z.string().nullable(),
            unreadCount: z.number().int(),
          }),
        },
      },
    },
    async (request) => inbox.list(inboxOwner(principalOf(request)), request.query),
  );

  const actions = [
    ['read', 'Mark a message read', (userId: string, id: string) => inbox.markRead(userId, id)],
    ['unread', 'Mark a message unread', (userId: string, id: string) => inbox.markUnread(userId, id)],
    ['archive', 'Move a message out of the inbox', (userId: string, id: string) => inbox.archive(userId, id)],
  ] as const;
  for (const [action, summary, apply] of actions) {
    app.post(
      `/api/v1/me/inbox/:id/${action}`,
      { schema: { tags: ['inbox'], summary, params: idParams, response: { 200: inboxMessageSchema } } },
      async (request) => apply(inboxOwner(principalOf(request)), request.params.id),
    );
  }

  app.post(
    '/api/v1/me/inbox/read-all',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Mark every unread message read',
        response: { 200: z.object({ updated: z.number().int(), unreadCount: z.number().int() }) },
      },
    },
    async (request) => {
      const userId = inboxOwner(principalOf(request));
      const updated = await inbox.markAllRead(userId);
      return { updated, unreadCount: await inbox.unreadCount(userId) };
    },
  );
}
