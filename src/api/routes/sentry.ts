import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, RateLimitedError } from '../../errors.js';
import { decodeBody, dsnKey, jsonObject, parseEnvelope, sentryKeyOf } from '../../events/envelope.js';
import type { EventProject } from '../../events/event-projects.js';
import type { EventPayload } from '../../events/event-schema.js';
import {
  acceptedEventId,
  isSlowTransaction,
  SLOW_TRANSACTION_MS,
  sentryEventPayload,
} from '../../events/sentry-event.js';
import type { Services } from '../../services.js';
import { toHeraldError } from '../errors.js';
import type { ApiApp } from '../server.js';

/** Envelope item types that become events; every other type (sessions, client reports, …) is accepted and ignored. */
const EVENT_ITEMS = new Set(['event', 'transaction']);

/** Options of the Sentry SDK endpoints. */
export interface SentryIngestOptions {
  /** Transactions that took longer than this (ms) become performance issues. Default {@link SLOW_TRANSACTION_MS}. */
  readonly slowTransactionMs?: number;
}

/**
 * Sentry SDK ingest: `POST /api/{projectId}/envelope/` and `POST /api/{projectId}/store/`, where
 * projectId is the project's number and the DSN key authenticates (`X-Sentry-Auth`, `sentry_key`, or the
 * envelope's `dsn`). Bodies are raw (envelope, JSON, gzip/deflate/br); answers and errors are Sentry's:
 * `{"id": …}` and `{"detail": …}`. An event with bad fields is kept without them (see
 * {@link sentryEventPayload}); an item that is not a JSON object fails the request. A transaction becomes
 * an issue only when slow; others are accepted and ignored, like sessions. Over the project's ingest
 * limit the answer is 429 with `Retry-After` and `X-Sentry-Rate-Limits`, on which SDKs back off.
 */
export function sentryRoutes(services: Services, bodyLimit: number, options: SentryIngestOptions = {}) {
  const slowMs = options.slowTransactionMs ?? SLOW_TRANSACTION_MS;
  /** Whether a payload makes an issue: Sentry makes none of a transaction, Herald one of a slow transaction. */
  const makesIssue = (raw: Record<string, unknown>) =>
    raw['type'] !== 'transaction' || isSlowTransaction(raw, slowMs);

  return async (app: ApiApp): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    app.setErrorHandler((error, request, reply) => {
      const herald = toHeraldError(error);
      if (herald.status >= 500) request.log.error({ err: error }, 'sentry ingest failed');
      const causes = herald.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
      if (herald instanceof RateLimitedError) {
        // SDKs read Sentry's own header first: every category (the empty list), for the whole project.
        reply.header('retry-after', String(herald.retryAfterSeconds));
        reply.header('x-sentry-rate-limits', `${herald.retryAfterSeconds}::project`);
      }
      return reply.code(herald.status).send({ detail: herald.message, ...(causes.length ? { causes } : {}) });
    });
    // Browser SDKs post from other origins.
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'x-sentry-error, x-sentry-rate-limits, retry-after');
      return payload;
    });

    async function authorize(request: FastifyRequest, number: string, fallbackKey: string | null) {
      const key = sentryKeyOf(request.headers, request.query) ?? fallbackKey;
      if (!key) throw new HeraldError('unauthorized', 401, 'missing authorization information');
      const project = /^\d{1,15}$/.test(number)
        ? await services.eventProjects.byNumber(Number(number))
        : undefined;
      // Relay's answer for a project it does not know.
      if (!project)
        throw new HeraldError('forbidden', 403, 'event submission rejected with_reason: ProjectId');
      if (!sameKey(project.dsnKey, key)) throw new HeraldError('unauthorized', 401, 'invalid DSN key');
      return project;
    }

    async function envelope(request: FastifyRequest<{ Params: { projectId: string } }>, reply: FastifyReply) {
      const parsed = parseEnvelope(body(request, bodyLimit));
      const project = await authorize(request, request.params.projectId, dsnKey(parsed.header['dsn']));
      const headerId = typeof parsed.header['event_id'] === 'string' ? parsed.header['event_id'] : undefined;
      const payloads: EventPayload[] = [];
      parsed.items.forEach((item, index) => {
        if (!EVENT_ITEMS.has(item.type)) return;
        const raw = jsonObject(item.payload, `item ${index}`);
        if (raw['event_id'] === undefined && headerId) raw['event_id'] = headerId;
        if (item.type === 'transaction' && raw['type'] === undefined) raw['type'] = 'transaction';
        if (makesIssue(raw)) payloads.push(sentryEventPayload(raw, `items.${index}`));
      });
      const results = await ingest(project, payloads);
      const id = results[0]?.eventId ?? headerId;
      return reply.code(200).send(id ? { id } : {});
    }

    async function store(request: FastifyRequest<{ Params: { projectId: string } }>, reply: FastifyReply) {
      const raw = jsonObject(body(request, bodyLimit), 'body');
      const project = await authorize(request, request.params.projectId, null);
      if (!makesIssue(raw)) return reply.code(200).send({ id: acceptedEventId(raw) });
      const [result] = await ingest(project, [sentryEventPayload(raw)]);
      return reply.code(200).send({ id: result?.eventId });
    }

    const ingest = (project: EventProject, payloads: EventPayload[]) =>
      services.ingest.ingestBatch(project, payloads);

    // Documented once, as SDKs call them (with the final slash); raw bodies, DSN-key auth.
    const documented = (suffix: string, summary: string) =>
      suffix === '/'
        ? {
            tags: ['sentry'],
            summary,
            description:
              'For Sentry SDKs: authenticated by the project DSN\'s key (X-Sentry-Auth, sentry_key, or the envelope\'s dsn), not a bearer token; the body may be gzip, deflate or br. Answers {"id": …}.',
            security: [],
          }
        : { hide: true };
    for (const suffix of ['', '/']) {
      app.post(
        `/api/:projectId/envelope${suffix}`,
        { schema: documented(suffix, 'Sentry SDK envelope (events, transactions; other items ignored)') },
        envelope,
      );
      app.post(
        `/api/:projectId/store${suffix}`,
        { schema: documented(suffix, 'Sentry SDK event, the older store endpoint') },
        store,
      );
      for (const kind of ['envelope', 'store']) {
        app.options(`/api/:projectId/${kind}${suffix}`, { schema: { hide: true } }, async (_request, reply) =>
          reply
            .code(200)
            .header('access-control-allow-methods', 'POST, OPTIONS')
            .header(
              'access-control-allow-headers',
              'content-type, content-encoding, x-sentry-auth, authorization',
            )
            .header('access-control-max-age', '3600')
            .send(),
        );
      }
    }
  };
}

function body(request: FastifyRequest, limit: number): Buffer {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0)
    throw new HeraldError('invalid_input', 400, 'empty request body');
  const encoding = request.headers['content-encoding'];
  return decodeBody(raw, typeof encoding === 'string' ? encoding : undefined, limit);
}

function sameKey(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
