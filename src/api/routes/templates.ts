import { z } from 'zod';
import { CHANNEL_KINDS } from '../../delivery/channel.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { locale, orgParams, timeZone } from '../schemas.js';
import type { ApiApp } from '../server.js';

const params = orgParams.extend({
  type: z.string().min(1).max(64),
  channel: z.enum(CHANNEL_KINDS),
});

const parts = z
  .record(z.string().min(1).max(32), z.string().max(65_536))
  .describe('Liquid source per part: email subject/html/text, slack text/blocks, webhook data, …');

const template = z.object({
  type: z.string(),
  channel: z.enum(CHANNEL_KINDS),
  parts: z.record(z.string(), z.string()),
  updatedAt: z.string(),
});

/** `/api/v1/orgs/{org}/templates/{type}/{channel}`: an organization's Liquid overrides, and previews. */
export function templateRoutes(app: ApiApp, services: Services): void {
  const path = '/api/v1/orgs/:org/templates/:type/:channel';

  app.get(
    '/api/v1/orgs/:org/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'Every override of the organization (the types × channels not listed render as Herald does)',
        params: orgParams,
        response: { 200: z.object({ data: z.array(template) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.templates.list(org.id) };
    },
  );

  app.get(path, { schema: { tags: ['templates'], params, response: { 200: template } } }, async (request) => {
    const { org: slug, type, channel } = request.params;
    const org = await services.organizations.resolve(principalOf(request), slug);
    return services.templates.get(org.id, type, channel);
  });

  app.put(
    path,
    {
      schema: {
        tags: ['templates'],
        summary: 'Override parts of a type’s rendering; Liquid syntax errors answer 400 with line and column',
        params,
        body: z.object({ parts }).strict(),
        response: { 200: template },
      },
    },
    async (request) => {
      const { org: slug, type, channel } = request.params;
      const org = await services.organizations.resolve(principalOf(request), slug);
      return services.templates.put(org.id, type, channel, request.body.parts);
    },
  );

  app.delete(path, { schema: { tags: ['templates'], params } }, async (request, reply) => {
    const { org: slug, type, channel } = request.params;
    const org = await services.organizations.resolve(principalOf(request), slug);
    await services.templates.remove(org.id, type, channel);
    return reply.code(204).send();
  });

  app.post(
    `${path}/preview`,
    {
      schema: {
        tags: ['templates'],
        summary: 'Render with the sample payload (or the given one) and the stored (or given) override',
        params,
        body: z
          .object({
            payload: z.record(z.string(), z.unknown()).optional(),
            parts: parts.optional(),
            locale: locale.optional(),
            timeZone: timeZone.optional(),
          })
          .strict(),
        response: { 200: z.object({ content: z.record(z.string(), z.unknown()), overridden: z.boolean() }) },
      },
    },
    async (request) => {
      const { org: slug, type, channel } = request.params;
      const org = await services.organizations.resolve(principalOf(request), slug);
      const { content, overridden } = await services.templates.preview(org.id, type, channel, request.body);
      return { content: content as Record<string, unknown>, overridden };
    },
  );
}
