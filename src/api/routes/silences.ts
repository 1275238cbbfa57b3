import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { matchersSchema, parseMatcherText, type SilenceMatcher } from '../../rules/silence-matchers.js';
import { MAX_COMMENT, MAX_CREATED_BY, SILENCE_STATES } from '../../rules/silences.js';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

/** A time as the silence APIs take it: RFC 3339 with a zone (Alertmanager's clients send `Z`). */
export const silenceTime = z.iso.datetime({ offset: true });

/** A silence's matcher as answered. */
export const matcherView = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean(),
});

/** What a silence or an inhibit rule has muted, as answered (Herald's API only, not Alertmanager's). */
export const mutedView = {
  mutedEvents: z
    .number()
    .int()
    .describe(
      'Events it kept from the alert rules; counted as they are evaluated and written within a second or so',
    ),
  lastMutedAt: z.string().nullable().describe('When it last muted an event; null until it has'),
};

/** A silence as answered. */
export const silence = z.object({
  id: z.string(),
  matchers: z.array(matcherView),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  status: z.object({ state: z.enum(SILENCE_STATES) }),
  createdAt: z.string(),
  updatedAt: z.string(),
  ...mutedView,
});

/** What a silence is made of, in both APIs. */
export const silenceFields = {
  matchers: matchersSchema.describe(
    'Every matcher must match for an event to be silenced; an event without the tag reads as the empty string',
  ),
  startsAt: silenceTime.nullish().describe('Omitted, null or past: now'),
  endsAt: silenceTime.describe(`After startsAt and now, at most a year ahead`),
  comment: z.string().trim().min(1).max(MAX_COMMENT),
  createdBy: z.string().trim().min(1).max(MAX_CREATED_BY).nullish().describe("Omitted: the caller's name"),
};

const projectParams = orgParams.extend({ project: slug });
const silenceParams = projectParams.extend({ id: z.string().min(1).max(64) });
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The organization and project of a project path, as the caller may see them (404 otherwise). */
/** Alertmanager's `filter` query parameter: matcher strings as amtool sends them, repeated for more. */
export const matcherFilter = z
  .union([z.string().max(2000), z.array(z.string().max(2000)).max(50)])
  .optional();

/** The matchers of a `filter` parameter; a 400 names the one that is not a matcher. */
export function filterMatchers(filter: string | readonly string[] | undefined): SilenceMatcher[] {
  return [filter ?? []].flat().map((text, i) => {
    const matcher = parseMatcherText(text);
    if (!matcher) throw ValidationError.field(`query.filter.${i}`, `is not a matcher: ${text}`);
    return matcher;
  });
}

export function silenceScope(services: Services) {
  return async (principal: Principal, params: { org: string; project: string }) => {
    const org = await services.organizations.resolve(principal, params.org);
    const project = await services.projects.get(org.id, params.project);
    return { orgId: org.id, projectId: project.id };
  };
}

/**
 * `/api/v1/projects/{org}/{project}/silences`, `/{id}`: mute the events whose tags match, from a start
 * until an end, for every alert rule of the project. Members read them; owners and admins (and org API
 * keys) manage them, as they manage rules.
 */
export function silenceRoutes(app: ApiApp, services: Services): void {
  const scope = silenceScope(services);

  app.get(
    '/api/v1/projects/:org/:project/silences',
    {
      schema: {
        tags: ['silences'],
        summary: 'Silences of a project, newest first; `state` keeps those pending, active or expired now',
        params: projectParams,
        querystring: z
          .object({
            state: z.enum(SILENCE_STATES).optional(),
            cursor: z
              .string()
              .regex(uuid, 'is not a cursor of this list: pass nextCursor as it came')
              .optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ data: z.array(silence), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      const { state, cursor, limit } = request.query;
      return services.silences.list(projectId, { state }, { cursor, limit });
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/silences',
    {
      schema: {
        tags: ['silences'],
        summary:
          'Silence the events whose tags match (Alertmanager labels are tags): while active, they fire no alert rule; they are still stored and grouped',
        params: projectParams,
        body: z.object(silenceFields).strict(),
        response: { 201: silence },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const target = await scope(principal, request.params);
      const author = await services.silences.authorOf(principal);
      return reply.code(201).send(await services.silences.create(target, request.body, author));
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/silences/:id',
    { schema: { tags: ['silences'], params: silenceParams, response: { 200: silence } } },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return services.silences.get(projectId, request.params.id);
    },
  );

  app.delete(
    '/api/v1/projects/:org/:project/silences/:id',
    {
      schema: {
        tags: ['silences'],
        summary: 'Expire a silence now: it stays listed, as expired (an expired one is left as it is)',
        params: silenceParams,
      },
    },
    async (request, reply) => {
      const { projectId } = await scope(principalOf(request), request.params);
      await services.silences.expire(projectId, request.params.id);
      return reply.code(204).send();
    },
  );
}
