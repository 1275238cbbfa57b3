import { z } from 'zod';
import { compileMatcher, type SilenceMatcher } from '../../rules/silence-matchers.js';
import { SILENCE_STATES, type Silence } from '../../rules/silences.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';
import { filterMatchers, matcherFilter, matcherView, silenceFields, silenceScope } from './silences.js';

/** How long an expired silence stays in Alertmanager's list: its default `--data.retention` (120 h). */
const EXPIRED_LISTED_MS = 120 * 3_600_000;

const PREFIX = '/api/v1/projects/:org/:project/alertmanager/api/v2';
const params = orgParams.extend({ project: slug });
const silenceParams = params.extend({ silenceID: z.string().min(1).max(64) });

/** Alertmanager's `gettableSilence`. */
const gettableSilence = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(SILENCE_STATES) }),
  updatedAt: z.string(),
  matchers: z.array(matcherView),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});

const gettable = (s: Silence): z.output<typeof gettableSilence> => ({
  id: s.id,
  status: s.status,
  updatedAt: s.updatedAt,
  matchers: s.matchers,
  startsAt: s.startsAt,
  endsAt: s.endsAt,
  createdBy: s.createdBy,
  comment: s.comment,
});

/**
 * Alertmanager's filter of silences by matchers (`filter=alertname="DiskFull"`), applied to a silence's
 * matchers as if they were labels: a silence stays when every filter matcher matches the value its own
 * matcher of that name has; a filter for the empty value passes a silence without (or, negated, with)
 * that name.
 */
function passesFilter(silence: Silence, filter: readonly SilenceMatcher[]): boolean {
  const values = new Map(silence.matchers.map((m) => [m.name, m.value]));
  return filter.every((m) => {
    const present = values.has(m.name);
    if (m.value === '' && present !== m.isEqual) return true;
    return compileMatcher(m).test(values.get(m.name) ?? '');
  });
}

/**
 * Alertmanager's v2 silence API under a project's Alertmanager path, so `amtool
 * --alertmanager.url=<herald>/api/v1/projects/{org}/{project}/alertmanager silence add|query|expire`
 * manages the project's silences (credentials as for its alerts: a bearer token, or basic auth with the
 * token as the password). Answers Alertmanager's shapes; errors keep Herald's error body.
 */
export function alertmanagerSilenceRoutes(app: ApiApp, services: Services): void {
  const scope = silenceScope(services);

  app.get(
    `${PREFIX}/silences`,
    {
      schema: {
        tags: ['silences'],
        summary:
          'Alertmanager-compatible: the silences of the project (expired ones for 120 hours), active first',
        params,
        querystring: z.object({
          filter: matcherFilter.describe(
            'Matchers such as alertname="DiskFull" or instance=~"db-.*"; repeat for more',
          ),
        }),
        response: { 200: z.array(gettableSilence) },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      const filter = filterMatchers(request.query.filter);
      const all = await services.silences.listAll(projectId, EXPIRED_LISTED_MS);
      return all.filter((s) => passesFilter(s, filter)).map(gettable);
    },
  );

  app.post(
    `${PREFIX}/silences`,
    {
      schema: {
        tags: ['silences'],
        summary:
          'Alertmanager-compatible: create a silence, or with the id of one replace it (changed in place when only its end or comment change, else expired and created anew); answers the id in force',
        params,
        body: z.object({ id: z.string().max(64).nullish(), ...silenceFields }),
        response: { 200: z.object({ silenceID: z.string() }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const target = await scope(principal, request.params);
      const author = await services.silences.authorOf(principal);
      const { id, ...input } = request.body;
      const silenceID = id
        ? await services.silences.replace(target, id, input, author)
        : (await services.silences.create(target, input, author)).id;
      return { silenceID };
    },
  );

  app.get(
    `${PREFIX}/silence/:silenceID`,
    {
      schema: {
        tags: ['silences'],
        summary: 'Alertmanager-compatible: one silence',
        params: silenceParams,
        response: { 200: gettableSilence },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return gettable(await services.silences.get(projectId, request.params.silenceID));
    },
  );

  app.delete(
    `${PREFIX}/silence/:silenceID`,
    {
      schema: {
        tags: ['silences'],
        summary:
          'Alertmanager-compatible: expire a silence now; answers 200 with no body, as Alertmanager does',
        params: silenceParams,
        response: { 200: z.literal('').describe('Expired: no body') },
      },
    },
    async (request, reply) => {
      const { projectId } = await scope(principalOf(request), request.params);
      await services.silences.expire(projectId, request.params.silenceID);
      return reply.code(200).type('text/plain').send('');
    },
  );
}
