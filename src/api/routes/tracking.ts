import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';

// A transparent 1×1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * `GET /t/o/{token}.gif` (open pixel) and `GET /t/c/{token}` (click redirect). No bearer token: the
 * signed token is the credential. A redirect leads only to a link stored for that message, never to a URL
 * taken from the request; a forged, foreign or unknown token gets 404 and no redirect.
 */
export function trackingRoutes(app: ApiApp, services: Services): void {
  const analytics = services.analytics;

  app.get(
    '/t/o/:file',
    { schema: { hide: true, params: z.object({ file: z.string().max(256) }) } },
    async (request, reply) => {
      const { file } = request.params;
      const claim = file.endsWith('.gif') ? analytics.verify(file.slice(0, -4), 'open') : null;
      const records = claim === null ? null : await analytics.records(claim.deliveryId, 'open');
      if (claim === null || records === null) throw new NotFoundError('Tracking link');
      if (records) await analytics.engagement.record(claim.deliveryId, 'open');
      return reply
        .header('content-type', 'image/gif')
        .header('cache-control', 'no-store, no-cache, must-revalidate, private')
        .send(PIXEL);
    },
  );

  app.get(
    '/t/c/:token',
    { schema: { hide: true, params: z.object({ token: z.string().max(256) }) } },
    async (request, reply) => {
      const claim = analytics.verify(request.params.token, 'click');
      if (claim === null || claim.kind !== 'click') throw new NotFoundError('Tracking link');
      const url = await analytics.linkOf(claim.deliveryId, claim.link);
      if (url === null || !/^https?:\/\//i.test(url)) throw new NotFoundError('Tracking link');
      if (await analytics.records(claim.deliveryId, 'click')) {
        await analytics.engagement.record(claim.deliveryId, 'click', claim.link);
      }
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(url, 302);
    },
  );
}
