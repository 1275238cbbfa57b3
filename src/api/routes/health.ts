import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { readQueueHealth } from '../../queue/queue-health.js';
import type { Store } from '../../store/store.js';
import type { ApiApp } from '../server.js';

const kindHealth = z.object({
  due: z.number().describe('Jobs due now and not finished'),
  delayed: z.number().describe('Jobs waiting for a later time: delayed work and retries in backoff'),
  oldestDueAgeMs: z.number().nullable().describe('How long the oldest due job has waited, ms'),
});

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({
    database: z.boolean().describe('The database answers'),
    redis: z
      .boolean()
      .optional()
      .describe('Redis answers a PING within a second; present only when Redis is configured (cluster)'),
  }),
  queue: kindHealth
    .extend({ kinds: z.record(z.string(), kindHealth).describe('The same figures by job kind') })
    .nullable()
    .describe('The job queue; null when it could not be read'),
});

/**
 * `/healthz` (the process runs) and `/readyz` (the database answers, and Redis when one is configured,
 * with the queue's depth and lag). A queue that lags is reported, not "unready": taking the process out
 * of service would not drain it.
 */
export function healthRoutes(
  app: ApiApp,
  store: Store,
  clock: Clock,
  redisReady?: () => Promise<boolean>,
): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary:
          "Readiness: the database (and Redis, in the cluster profile) answers; the queue's depth and oldest due job are reported",
        response: { 200: readiness, 503: readiness },
      },
    },
    async (request, reply) => {
      const [database, redis] = await Promise.all([store.ping(), redisReady?.()]);
      const queue = database
        ? await readQueueHealth(store.db, clock.now()).catch((error: unknown) => {
            request.log.warn({ err: error }, 'could not read the queue for readiness');
            return null;
          })
        : null;
      const ready = database && redis !== false;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unavailable',
        checks: { database, ...(redis === undefined ? {} : { redis }) },
        queue,
      });
    },
  );
}
