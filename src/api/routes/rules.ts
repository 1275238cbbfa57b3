import { z } from 'zod';
import { HISTORY_DAYS } from '../../rules/rule-history.js';
import { PREVIEW_DAYS, previewBodySchema } from '../../rules/rule-preview.js';
import { actionSchema, conditionSchema, filterSchema, ruleBodySchema } from '../../rules/rule-schema.js';
import { SNOOZE_TARGETS } from '../../rules/rule-snoozes.js';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, serviceValidatesBody, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const snooze = z.object({
  target: z.enum(['everyone', 'user']),
  userId: z.string().nullable(),
  until: z.string().nullable(),
  createdAt: z.string(),
});

const rule = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  environment: z.string().nullable(),
  actionMatch: ruleBodySchema.shape.actionMatch.unwrap(),
  filterMatch: ruleBodySchema.shape.filterMatch.unwrap(),
  frequency: z.number(),
  conditions: z.array(conditionSchema),
  filters: z.array(filterSchema),
  actions: z.array(actionSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  snoozes: z.array(snooze).describe('Snoozes in force now'),
});

const preview = z.object({
  data: z.array(z.object({ issueId: z.string(), title: z.string(), fired: z.number() })),
  totalFired: z.number(),
  eventsScanned: z.number(),
});

const history = z.object({
  start: z.string(),
  end: z.string(),
  data: z.array(
    z.object({
      issueId: z.string(),
      title: z.string(),
      status: z.string(),
      count: z.number().describe('Notifications the rule raised for the issue over the period'),
      lastTriggered: z.string(),
      quietUntil: z
        .string()
        .nullable()
        .describe('Until when the action interval keeps the rule quiet about the issue; null: not now'),
    }),
  ),
});

const projectParams = orgParams.extend({ project: slug });
const ruleParams = projectParams.extend({ id: z.string().max(64) });
const userId = z.string().min(1).max(64);

/** The calling user, for credentials that carry one; the admin token and org API keys do not. */
function callingUser(principal: Principal): string | null {
  return 'userId' in principal && typeof principal.userId === 'string' ? principal.userId : null;
}

/** `/api/v1/projects/{org}/{project}/rules`, `/preview`, `/{id}`, `/{id}/snooze`. */
export function ruleRoutes(app: ApiApp, services: Services): void {
  const scope = async (principal: Principal, params: { org: string; project: string }) => {
    const org = await services.organizations.resolve(principal, params.org);
    const project = await services.projects.get(org.id, params.project);
    return { orgId: org.id, projectId: project.id };
  };

  app.get(
    '/api/v1/projects/:org/:project/rules',
    {
      schema: {
        tags: ['rules'],
        params: projectParams,
        response: { 200: z.object({ data: z.array(rule) }) },
      },
    },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return { data: await services.rules.list(orgId, projectId) };
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/rules',
    {
      schema: {
        tags: ['rules'],
        summary:
          'Create an alert rule; every integration, member and team it names must be of this organization',
        params: projectParams,
        body: ruleBodySchema,
        response: { 201: rule },
      },
      validatorCompiler: serviceValidatesBody,
    },
    async (request, reply) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return reply.code(201).send(await services.rules.create(orgId, projectId, request.body));
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/rules/preview',
    {
      schema: {
        tags: ['rules'],
        summary: `What an unsaved rule would have fired on over the last \`days\` days (default ${PREVIEW_DAYS.default}, at most ${PREVIEW_DAYS.max}); nothing is sent or written`,
        params: projectParams,
        body: previewBodySchema,
        response: { 200: preview },
      },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return services.rulePreview.preview(projectId, request.body);
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/rules/:id',
    { schema: { tags: ['rules'], params: ruleParams, response: { 200: rule } } },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return services.rules.get(orgId, projectId, request.params.id);
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/rules/:id/history',
    {
      schema: {
        tags: ['rules'],
        summary:
          'The issues the rule fired for over the last days (default 7), most recent first, and until when its action interval keeps it quiet about each',
        params: ruleParams,
        querystring: z
          .object({ days: z.coerce.number().int().min(1).max(HISTORY_DAYS.max).optional() })
          .strict(),
        response: { 200: history },
      },
    },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      const days = request.query.days ?? HISTORY_DAYS.default;
      return services.rules.history(orgId, projectId, request.params.id, days);
    },
  );

  app.put(
    '/api/v1/projects/:org/:project/rules/:id',
    {
      schema: {
        tags: ['rules'],
        summary: 'Replace an alert rule; fields left out take their defaults',
        params: ruleParams,
        body: ruleBodySchema,
        response: { 200: rule },
      },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return services.rules.replace(orgId, projectId, request.params.id, request.body);
    },
  );

  app.delete(
    '/api/v1/projects/:org/:project/rules/:id',
    { schema: { tags: ['rules'], params: ruleParams } },
    async (request, reply) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      await services.rules.remove(orgId, projectId, request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/rules/:id/snooze',
    {
      schema: {
        tags: ['rules'],
        summary: 'Mute a rule for one person ("me", or userId with an admin credential) or for everyone',
        params: ruleParams,
        body: z
          .object({
            target: z.enum(SNOOZE_TARGETS),
            until: z.iso
              .datetime({ offset: true })
              .nullable()
              .optional()
              .describe('Omitted or null: forever'),
            userId: userId.optional().describe('Whom "me" means when the credential is not a user'),
          })
          .strict(),
        response: { 201: snooze },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { orgId, projectId } = await scope(principal, request.params);
      const created = await services.ruleSnoozes.snooze(
        orgId,
        projectId,
        request.params.id,
        request.body,
        callingUser(principal),
      );
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/api/v1/projects/:org/:project/rules/:id/snooze',
    {
      schema: {
        tags: ['rules'],
        summary: 'Lift a snooze',
        params: ruleParams,
        querystring: z.object({ target: z.enum(SNOOZE_TARGETS), userId: userId.optional() }).strict(),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { orgId, projectId } = await scope(principal, request.params);
      await services.ruleSnoozes.unsnooze(
        orgId,
        projectId,
        request.params.id,
        request.query,
        callingUser(principal),
      );
      return reply.code(204).send();
    },
  );
}
