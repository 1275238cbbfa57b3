import { z } from 'zod';
import { inhibitRuleFields } from '../../rules/inhibit-rules.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';
import { matcherView, mutedView, silenceScope } from './silences.js';

/** An inhibit rule as answered. */
const inhibitRule = z.object({
  id: z.string(),
  sourceMatchers: z.array(matcherView),
  targetMatchers: z.array(matcherView),
  equal: z.array(z.string()),
  comment: z.string(),
  createdAt: z.string(),
  ...mutedView,
});

const projectParams = orgParams.extend({ project: slug });
const ruleParams = projectParams.extend({ id: z.string().min(1).max(64) });

/**
 * `/api/v1/projects/{org}/{project}/inhibit-rules`, `/{id}`: Alertmanager's `inhibit_rules` for a
 * project. While an unresolved issue whose latest event matches a rule's source matchers exists, the
 * events that match its target matchers and have the same values of its `equal` labels fire no alert
 * rule. Members read them; owners and admins (and org API keys) manage them, as they manage rules.
 */
export function inhibitRuleRoutes(app: ApiApp, services: Services): void {
  const scope = silenceScope(services);

  app.get(
    '/api/v1/projects/:org/:project/inhibit-rules',
    {
      schema: {
        tags: ['silences'],
        summary: 'Inhibit rules of a project, newest first',
        params: projectParams,
        response: { 200: z.object({ data: z.array(inhibitRule) }) },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return { data: await services.inhibitRules.list(projectId) };
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/inhibit-rules',
    {
      schema: {
        tags: ['silences'],
        summary:
          'Inhibit the events matching targetMatchers while an unresolved issue matching sourceMatchers, with the same values of the equal labels, fires: they fire no alert rule; they are still stored and grouped',
        params: projectParams,
        body: z.object(inhibitRuleFields).strict(),
        response: { 201: inhibitRule },
      },
    },
    async (request, reply) => {
      const target = await scope(principalOf(request), request.params);
      return reply.code(201).send(await services.inhibitRules.create(target, request.body));
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/inhibit-rules/:id',
    { schema: { tags: ['silences'], params: ruleParams, response: { 200: inhibitRule } } },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return services.inhibitRules.get(projectId, request.params.id);
    },
  );

  app.delete(
    '/api/v1/projects/:org/:project/inhibit-rules/:id',
    {
      schema: {
        tags: ['silences'],
        summary: 'Delete an inhibit rule: it inhibits nothing from now on',
        params: ruleParams,
      },
    },
    async (request, reply) => {
      const { projectId } = await scope(principalOf(request), request.params);
      await services.inhibitRules.delete(projectId, request.params.id);
      return reply.code(204).send();
    },
  );
}
