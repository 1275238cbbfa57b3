import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';

/** `GET /metrics`: this engine's Prometheus metrics in the text exposition format. */
export function metricsRoutes(app: ApiApp, services: Services): void {
  const { metrics } = services.analytics;
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) =>
      reply.header('content-type', metrics.registry.contentType).send(await metrics.text()),
  );
}
