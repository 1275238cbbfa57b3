import { z } from 'zod';
import { ISSUE_STATUSES } from '../../events/event.js';
import { PRIORITIES } from '../../events/issue-state.js';
import type { IssueDetail } from '../../events/issues.js';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';
import { silence } from './silences.js';

const assignee = z.object({ type: z.enum(['user', 'team']), id: z.string().min(1).max(64) }).strict();

const issue = z.object({
  id: z.string(),
  projectId: z.string(),
  title: z.string(),
  culprit: z.string(),
  level: z.string(),
  category: z.string(),
  status: z.enum(ISSUE_STATUSES),
  priority: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  timesSeen: z.number(),
  usersSeen: z.number(),
  assignee: assignee
    .extend({ name: z.string().describe("The member's name (or email) or the team's name") })
    .nullable(),
  resolvedAt: z.string().nullable(),
  ignoreUntil: z.string().nullable(),
  ignoreCount: z.number().nullable(),
  ignoreUserCount: z.number().nullable(),
});

const issueDetail = issue.extend({
  environments: z.array(z.object({ name: z.string(), firstSeen: z.string() })),
  latestEvent: z.record(z.string(), z.unknown()).nullable(),
  alertEndsAt: z
    .string()
    .nullable()
    .describe(
      'When the Prometheus alert of the issue ends unless sent again, which then resolves it; null for other issues',
    ),
  subscription: z
    .object({ subscribed: z.boolean(), reason: z.string() })
    .nullable()
    .optional()
    .describe('Only with a personal token: whether you follow the issue and why; null when never decided'),
  silencedBy: z
    .array(silence)
    .describe(
      "The active silences its latest event matches: while they last, the issue's alerts fire no rule",
    ),
  inhibitedBy: z
    .array(z.string())
    .describe("Ids of the firing issues whose inhibit rules mute its alerts now (Alertmanager's inhibition)"),
});

const idParams = z.object({ id: z.string().min(1).max(64) });

/** `/api/v1/projects/{org}/{project}/issues` and `/api/v1/issues/{id}`: list, read, resolve, ignore, assign. */
export function issueRoutes(app: ApiApp, services: Services): void {
  /** The issue as read by `principal`; a person also reads whether they follow it. */
  const detail = async (principal: Principal, found: IssueDetail) => {
    // What keeps its alerts quiet now, judged by its latest event as the pipeline judges each event.
    const latest = await services.issues.latestEvent(found.id);
    const issue = {
      ...found,
      silencedBy: latest ? await services.silences.silencing(latest.projectId, latest.event) : [],
      inhibitedBy: latest
        ? [...(await services.inhibitRules.inhibiting(latest.projectId, found.id, latest.event))]
        : [],
    };
    if (principal.kind !== 'user') return issue;
    const { subscribed, reason } = await services.subscriptions.get(issue.id, principal.userId);
    return { ...issue, subscription: reason === 'none' ? null : { subscribed, reason } };
  };

  app.get(
    '/api/v1/projects/:org/:project/issues',
    {
      schema: {
        tags: ['issues'],
        summary: 'Issues of a project, most recently seen first (members of the organization read them too)',
        params: orgParams.extend({ project: slug }),
        querystring: z
          .object({
            status: z.enum(ISSUE_STATUSES).optional(),
            query: z.string().max(200).optional(),
            environment: z.string().max(64).optional(),
            cursor: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(100).optional(),
          })
          .strict(),
        response: { 200: z.object({ data: z.array(issue), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { org, project } = request.params;
      // Resolving the organization admits its members (404 for anyone else), as for its other reads.
      const organization = await services.organizations.resolve(principalOf(request), org);
      const target = await services.projects.get(organization.id, project);
      return services.issues.list(target.id, request.query);
    },
  );

  app.get(
    '/api/v1/issues/:id',
    { schema: { tags: ['issues'], params: idParams, response: { 200: issueDetail } } },
    async (request) => {
      const principal = principalOf(request);
      return detail(principal, await services.issues.get(principal, request.params.id));
    },
  );

  app.patch(
    '/api/v1/issues/:id',
    {
      schema: {
        tags: ['issues'],
        summary: 'Resolve, ignore (forever, until a time, or until N more events or users), assign',
        params: idParams,
        body: z
          .object({
            status: z.enum(ISSUE_STATUSES).optional(),
            ignoreUntil: z.iso.datetime({ offset: true }).optional(),
            ignoreCount: z.number().int().min(1).max(1_000_000_000).optional(),
            ignoreUserCount: z.number().int().min(1).max(1_000_000_000).optional(),
            assignee: assignee.nullable().optional(),
            priority: z.enum(PRIORITIES).optional(),
          })
          .strict(),
        response: { 200: issueDetail },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return detail(principal, await services.issues.update(principal, request.params.id, request.body));
    },
  );
}
