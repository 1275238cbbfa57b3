import { z } from 'zod';
import { eventSchema, isPlainEvent } from '../../events/event-schema.js';
import type { IngestResult } from '../../events/ingest.js';
import type { Services } from '../../services.js';
import { isPlainObject, withWrittenCheck } from '../../validation.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

/** Most events one batch request may carry. */
export const MAX_BATCH = 1000;

const params = orgParams.extend({ project: slug });

/** The body of the batch ingest: `{events: [...]}`, 1 to {@link MAX_BATCH} events. */
export const eventBatchSchema = withWrittenCheck(
  z.object({ events: z.array(eventSchema).min(1).max(MAX_BATCH) }).strict(),
  isPlainBatch,
);

/** {@link eventBatchSchema}'s check written out (see withWrittenCheck): `{events}` and nothing else. */
export function isPlainBatch(value: unknown): boolean {
  if (!isPlainObject(value) || Object.keys(value).length !== 1) return false;
  const { events } = value;
  return (
    Array.isArray(events) && events.length >= 1 && events.length <= MAX_BATCH && events.every(isPlainEvent)
  );
}

const accepted = z.object({
  eventId: z.string(),
  issueId: z.string(),
  isNew: z.boolean(),
  isRegression: z.boolean(),
});

const answer = (r: IngestResult) => ({
  eventId: r.eventId,
  issueId: r.issueId,
  isNew: r.isNew,
  isRegression: r.isRegression,
});

/** `/api/v1/projects/{org}/{project}/events`: Sentry-shaped events over the bearer-authenticated API. */
export function eventRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/projects/:org/:project/events',
    {
      schema: {
        tags: ['events'],
        summary: "Ingest one event (Sentry's event payload); it is grouped into an issue and rules run on it",
        params,
        body: eventSchema,
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const target = await services.eventProjects.bySlug(principalOf(request), org, project);
      const result = await services.ingest.ingest(target, request.body);
      return reply.code(202).send(answer(result));
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/events/batch',
    {
      schema: {
        tags: ['events'],
        summary: `Ingest up to ${MAX_BATCH} events in one transaction; all are stored or none`,
        params,
        body: eventBatchSchema,
        response: { 202: z.object({ results: z.array(accepted) }) },
      },
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const target = await services.eventProjects.bySlug(principalOf(request), org, project);
      const results = await services.ingest.ingestBatch(target, request.body.events);
      return reply.code(202).send({ results: results.map(answer) });
    },
  );
}
