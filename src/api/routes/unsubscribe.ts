import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { UnsubscribeTarget } from '../../people/unsubscribe.js';
import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';

const query = z.object({ token: z.string().max(2048).optional() });

const CATEGORY_NAMES = { alerts: 'issue alert', workflow: 'workflow', deploy: 'deploy' } as const;

/**
 * `GET /unsubscribe?token=…` shows a confirmation page (mail scanners follow links, so a GET changes
 * nothing); `POST` applies it, and is also what mail clients send for `List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click` (RFC 8058). No bearer token: the signed link is the credential.
 */
export function unsubscribeRoutes(app: ApiApp, services: Services): void {
  app.register(async (scope: ApiApp) => {
    // RFC 8058 clients post `List-Unsubscribe=One-Click` form-encoded; the body carries nothing we need.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );

    scope.get('/unsubscribe', { schema: { hide: true, querystring: query } }, async (request, reply) => {
      const target = await services.unsubscribe.check(request.query.token);
      if (target === null) return invalid(reply);
      const action = `/unsubscribe?token=${encodeURIComponent(request.query.token ?? '')}`;
      return page(
        reply,
        200,
        'Unsubscribe',
        `<p>Stop receiving ${escapeHtml(describe(target))} by email?</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Unsubscribe</button></form>`,
      );
    });

    scope.post('/unsubscribe', { schema: { hide: true, querystring: query } }, async (request, reply) => {
      const target = await services.unsubscribe.apply(request.query.token);
      if (target === null) return invalid(reply);
      return page(
        reply,
        200,
        'You are unsubscribed',
        `<p>You will no longer receive ${escapeHtml(describe(target))} by email. You can change this in your notification settings.</p>`,
      );
    });
  });
}

function describe(target: UnsubscribeTarget): string {
  const where = target.project === null ? target.organization : `${target.project} (${target.organization})`;
  return `${CATEGORY_NAMES[target.type]} notifications for ${where}`;
}

function invalid(reply: FastifyReply): FastifyReply {
  return page(
    reply,
    400,
    'Invalid link',
    '<p>This unsubscribe link is invalid. It may have been altered or cut short.</p>',
  );
}

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
