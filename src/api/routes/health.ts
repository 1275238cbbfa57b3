import type { Store } from '../../store/store.js';
import type { ApiApp } from '../server.js';

/** `/healthz` (the process runs) and `/readyz` (the database answers). */
export function healthRoutes(app: ApiApp, store: Store): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: the database answers' } },
    async (_request, reply) => {
      const database = await store.ping();
      return reply
        .code(database ? 200 : 503)
        .send({ status: database ? 'ready' : 'unavailable', checks: { database } });
    },
  );
}
