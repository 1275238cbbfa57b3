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
  checks: z.object({ database: z.boolean() }),
  queue: kindHealth
    .extend({ kinds: z.record(z.string(), kindHealth).describe('The same figures by job kind') })
    .nullable()
    .describe('The job queue; null when it could not be read'),
});

/**
 * `/healthz` (the process runs) and `/readyz` (the database answers, with the queue's depth and lag).
 * A queue that lags is reported, not "unready": taking the process out of service would not drain it.
 */
export function healthRoutes(app: ApiApp, store: Store, clock: Clock): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: "Readiness: the database answers; the queue's depth and oldest due job are reported",
        response: { 200: readiness, 503: readiness },
      },
    },
    async (request, reply) => {
      const database = await store.ping();
      const queue = database
        ? await readQueueHealth(store.db, clock.now()).catch((error: unknown) => {
            request.log.warn({ err: error }, 'could not read the queue for readiness');
            return null;
          })
        : null;
      return reply
        .code(database ? 200 : 503)
        .send({ status: database ? 'ready' : 'unavailable', checks: { database }, queue });
    },
  );
}
