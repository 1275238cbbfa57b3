import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { UnauthorizedError } from '../../errors.js';
import type { InboxMessage } from '../../inbox/inbox-store.js';
import { redactUrl } from '../../logger.js';
import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';
import { inboxOwner } from './inbox.js';

/** Options of {@link inboxStreamRoutes}. */
export interface InboxStreamOptions {
  /** Comment lines keep proxies and browsers from closing an idle stream. Default 15 000 ms. */
  readonly heartbeatMs?: number;
}

// Ids already written, so a message announced twice (signal and replay) is written once.
const SEEN_LIMIT = 1000;

// Ids sort by their creator's clock; a resync looks back this far so another process's skew loses nothing.
const RESYNC_SKEW_MS = 5000;

function frame(message: InboxMessage): string {
  return `id: ${message.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function bearer(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/**
 * `GET /api/v1/me/inbox/stream`: Server-Sent Events of new inbox messages. Browsers' EventSource cannot
 * set headers, so the token may come as `?token=`; the request log redacts it (`redactUrl`). It lives
 * outside the bearer-only scope for that reason and authenticates itself.
 */
export function inboxStreamRoutes(app: ApiApp, services: Services, options: InboxStreamOptions = {}): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<() => void>();
  // Open streams would hold the server's close forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/api/v1/me/inbox/stream',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Live inbox messages as Server-Sent Events (`event: message`)',
        description:
          'Authenticate with `Authorization: Bearer` or `?token=`. `Last-Event-ID` replays the messages created after that id. A comment line is sent every 15 s.',
        querystring: z.object({ token: z.string().max(256).optional() }),
        headers: z.object({ 'last-event-id': z.string().max(64).optional() }).loose(),
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const token = bearer(request.headers.authorization) ?? request.query.token;
      if (!token) throw new UnauthorizedError();
      const principal = await services.apiKeys.authenticate(token);
      if (!principal) throw new UnauthorizedError('The bearer token is not valid');
      const userId = inboxOwner(principal);
      const lastEventId = request.headers['last-event-id'];
      const inbox = services.inbox;

      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });

      const opened = performance.now();
      let closed = false;
      const seen = new Set<string>();
      // Newest creation time this stream knows of, and the messages that existed when it opened.
      let watermark = 0;
      const existing = new Set<string>();
      const write = (message: InboxMessage) => {
        if (closed || seen.has(message.id)) return;
        seen.add(message.id);
        if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);
        watermark = Math.max(watermark, Date.parse(message.createdAt));
        res.write(frame(message));
      };

      // Signals are handled one at a time, in order, after the replay that was queued first.
      let chain: Promise<void> = Promise.resolve();
      const run = (task: () => Promise<void>) => {
        chain = chain
          .then(task)
          .catch((err: unknown) => request.log.warn({ err }, 'inbox stream step failed'));
      };
      const unsubscribe = services.inboxBus.subscribe(userId, (signal) =>
        run(async () => {
          if (closed) return;
          if (signal.kind === 'message') {
            const message = signal.message ?? (await inbox.find(userId, signal.messageId));
            if (message) write(message);
            return;
          }
          // Signals may have been lost: send what was created since, allowing for other processes' clocks.
          for (const m of await inbox.createdSince(userId, watermark - RESYNC_SKEW_MS)) {
            if (!existing.has(m.id)) write(m);
          }
        }),
      );
      run(async () => {
        if (lastEventId !== undefined) for (const m of await inbox.after(userId, lastEventId)) write(m);
        const latest = await inbox.latest(userId);
        if (!latest) return;
        watermark = Math.max(watermark, Date.parse(latest.createdAt));
        for (const m of await inbox.createdSince(userId, watermark - RESYNC_SKEW_MS)) {
          if (!seen.has(m.id)) existing.add(m.id);
        }
      });
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();

      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        res.end();
        // A taken-over reply skips the server's request log; write it here, with the token redacted.
        request.log.info(
          {
            method: 'GET',
            url: redactUrl(request.url),
            status: 200,
            ms: Math.round(performance.now() - opened),
          },
          'request',
        );
      };
      open.add(end);
      // The response's close, not the request's: a request closes as soon as it is read.
      res.on('close', end);
      res.on('error', end);
      res.write('retry: 3000\n: connected\n\n');
    },
  );
}
