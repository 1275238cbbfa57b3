import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName } from '../schemas.js';
import type { ApiApp } from '../server.js';

const userToken = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

const createdToken = userToken.extend({ token: z.string().describe('Shown once; only its hash is stored') });

const userParams = z.object({ userId: z.string().min(1).max(64) });

const me = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  locale: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
  organizations: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.string() })),
});

/** `POST/GET /api/v1/users/{userId}/tokens`, `DELETE …/tokens/{tokenId}` and `GET /api/v1/me`. */
export function userRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/users/:userId/tokens',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a personal token (admin token, or an org key of an organization the user is in)',
        params: userParams,
        body: z.object({ name: displayName.optional() }).strict().nullish(),
        response: { 201: createdToken },
      },
    },
    async (request, reply) => {
      const name = request.body?.name ?? 'Personal token';
      const token = await services.userTokens.create(principalOf(request), request.params.userId, name);
      return reply.code(201).send(token);
    },
  );

  app.get(
    '/api/v1/users/:userId/tokens',
    {
      schema: {
        tags: ['users'],
        summary:
          "A person's tokens, never their values (the person and the admin token see all; an org key those its organization created)",
        params: userParams,
        response: { 200: z.object({ data: z.array(userToken) }) },
      },
    },
    async (request) => ({
      data: await services.userTokens.list(principalOf(request), request.params.userId),
    }),
  );

  app.delete(
    '/api/v1/users/:userId/tokens/:tokenId',
    {
      schema: {
        tags: ['users'],
        summary: 'Revoke a personal token (one the tokens list shows this credential)',
        params: userParams.extend({ tokenId: z.string().min(1).max(64) }),
      },
    },
    async (request, reply) => {
      await services.userTokens.revoke(principalOf(request), request.params.userId, request.params.tokenId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    { schema: { tags: ['users'], summary: 'The user of a personal token', response: { 200: me } } },
    async (request) => services.userTokens.me(principalOf(request)),
  );
}
