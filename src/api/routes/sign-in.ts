import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1><p>${body}</p><p><a href="/">Back to Herald</a></p></body></html>`;

/** `POST /api/v1/auth/email-link` (ask for a sign-in link) and `GET /auth/link` (use it); no token needed. */
export function signInRoutes(app: ApiApp | FastifyInstance, services: Services): void {
  const api = app as ApiApp;
  api.post(
    '/api/v1/auth/email-link',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Email a one-time sign-in link (15 minutes, one use); the answer is the same for any address, member or not: 202, or 429 with Retry-After once one address was asked for 5 times (one more every 3 minutes after that); 503 with Retry-After, and nothing sent, while the count cannot be kept (Redis down in a cluster)',
        security: [],
        body: z.object({ email: z.email().max(320) }).strict(),
      },
    },
    async (request, reply) => {
      await services.signInLinks.request(request.body.email);
      return reply.code(202).send({ status: 'sent if the address belongs to a member' });
    },
  );

  api.get(
    '/auth/link',
    { schema: { hide: true, querystring: z.object({ token: z.string().min(1).max(200) }) } },
    async (request, reply) => {
      const token = await services.signInLinks.redeem(request.query.token);
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      if (!token) {
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .send(
            page(
              'This link does not work',
              'It was used already, has expired, or was never valid. Ask for a new one.',
            ),
          );
      }
      // The fragment never reaches a server or a log; the app takes the token from it and clears it.
      return reply.redirect(`/#token=${encodeURIComponent(token)}`, 302);
    },
  );
}
