import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { ValidationError } from '../../errors.js';
import {
  alertFingerprint,
  alertToEvent,
  type FiringAlert,
  firingAlerts,
  firingStart,
  isResolved,
  issuesToResolve,
  MAX_ALERTS,
  MAX_LISTED_ALERTS,
  type PostableAlert,
  postableAlertsSchema,
  type TakenAlerts,
  takeAlerts,
  takeWebhookAlerts,
  webhookMessageSchema,
} from '../../events/alertmanager.js';
import type { EventProject } from '../../events/event-projects.js';
import { allMatch, compileMatcher } from '../../rules/silence-matchers.js';
import type { Services } from '../../services.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, serviceValidatesBody, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';
import { filterMatchers, matcherFilter, silenceScope } from './silences.js';

const params = orgParams.extend({ project: slug });

/** Alertmanager's `gettableAlert`. */
const gettableAlert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  fingerprint: z.string(),
  receivers: z.array(z.object({ name: z.string() })),
  status: z.object({
    state: z.enum(['active', 'suppressed', 'unprocessed']),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
  }),
  generatorURL: z.string().optional(),
});

/** Alertmanager's boolean query parameters, `true` unless `false`. */
const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(description);

/**
 * `/api/v1/projects/{org}/{project}/alertmanager/api/v2/alerts`: Alertmanager's v2 alert API, so
 * Prometheus can point at a project (`path_prefix: /api/v1/projects/{org}/{project}/alertmanager`,
 * `authorization.credentials: <api key>`). Firing alerts are ingested as events in one transaction;
 * resolved ones resolve their issue. Answers 200 with no body, as Alertmanager does. GET lists the
 * firing ones and the silences and inhibit rules that suppress them, for `amtool alert query` and
 * dashboards such as karma; members of the organization may read it. An inhibited alert's `inhibitedBy`
 * holds the ids of the issues that inhibit it (`GET /api/v1/issues/{id}`), not alert fingerprints: a
 * source may be any event of the project.
 */
export function alertmanagerRoutes(
  app: ApiApp,
  services: Services,
  deps: { readonly db: Kysely<Database>; readonly clock: Clock },
): void {
  app.post(
    '/api/v1/projects/:org/:project/alertmanager/api/v2/alerts',
    {
      schema: {
        tags: ['events'],
        summary: `Alertmanager-compatible ingest: up to ${MAX_ALERTS} alerts; firing ones become events grouped by label set, resolved ones resolve their issue`,
        params,
        body: postableAlertsSchema,
      },
      // Each alert is checked on its own: the valid ones of a batch are taken (see takeAlerts).
      validatorCompiler: serviceValidatesBody,
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const principal = principalOf(request);
      const target = await services.eventProjects.bySlug(principal, org, project);
      const taken = takeAlerts(request.body);
      const { alerts } = taken;
      const now = deps.clock.now();
      await take(principal, target, {
        firing: alerts.filter((alert) => !isResolved(alert, now)),
        resolved: alerts.filter((alert) => isResolved(alert, now)),
        now,
        endOf: (alert) => services.alertEnds.endOf(alert, now),
      });
      refuse(taken, alerts.length);
      return reply.code(200).send();
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/alertmanager/webhook',
    {
      schema: {
        tags: ['events'],
        summary:
          "An Alertmanager's webhook receiver (`webhook_configs`, `send_resolved: true`), or a Grafana webhook contact point (the same body): firing alerts become events grouped by label set and stay firing until they are sent resolved, which resolves their issue",
        params,
        body: webhookMessageSchema,
      },
      validatorCompiler: serviceValidatesBody,
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const principal = principalOf(request);
      const target = await services.eventProjects.bySlug(principal, org, project);
      const now = deps.clock.now();
      const taken = takeWebhookAlerts(request.body, now);
      const { firing, resolved } = taken.alerts;
      // Alertmanager keeps each alert's end itself and says when it resolved: none is kept here.
      await take(principal, target, { firing, resolved, now, endOf: () => null });
      refuse(taken, firing.length + resolved.length);
      return reply.code(200).send();
    },
  );

  /**
   * Ingests firing alerts as events in one transaction, each moving its alert's end (`endOf`, null for
   * none: see alert-ends.ts), and resolves the issues of resolved ones.
   */
  async function take(
    principal: Principal,
    target: EventProject,
    batch: {
      readonly firing: readonly PostableAlert[];
      readonly resolved: readonly PostableAlert[];
      readonly now: number;
      readonly endOf: (alert: PostableAlert) => number | null;
    },
  ): Promise<void> {
    const { firing, resolved, now } = batch;
    if (firing.length > 0) {
      const { alertEnds } = services;
      const fingerprints = firing.map((alert) => alertFingerprint(alert.labels));
      const known = await alertEnds.known(target.projectId, fingerprints, now);
      const events = firing.map((alert, i) =>
        alertToEvent(alert, now, { fingerprint: fingerprints[i]!, ...known.get(fingerprints[i]!) }),
      );
      // Each firing moves its alert's end, in the transaction that stores it (see alert-ends.ts).
      await services.ingest.ingestAlerts(target, events, (trx, results) =>
        alertEnds.firing(
          trx,
          target.projectId,
          results.map((result, i) => ({
            fingerprint: fingerprints[i]!,
            issueId: result.issueId,
            startedAt: firingStart(firing[i]!, now, known.get(fingerprints[i]!)?.startedAt),
            endsAt: batch.endOf(firing[i]!),
          })),
          now,
        ),
      );
    }
    // An ended alert is not an event: re-sent resolutions must not count, nor reopen a resolved issue.
    // Resolving stops the alert's end from resolving the issue again (see issues.update).
    for (const issueId of await issuesToResolve(deps.db, target.projectId, resolved, now))
      await services.issues.update(principal, issueId, { status: 'resolved' });
  }

  /** As Alertmanager answers: 400 naming what was refused, once the `taken` others are in. */
  function refuse({ problems, refused }: TakenAlerts<unknown>, taken: number): void {
    if (problems.length === 0) return;
    throw new ValidationError(
      problems,
      taken === 0
        ? undefined
        : `${refused} of ${refused + taken} alerts refused (the others were taken): ${problems
            .map((p) => `${p.path} ${p.message}`)
            .join('; ')}`,
    );
  }

  const scope = silenceScope(services);
  const query = z.object({
    filter: matcherFilter.describe(
      'Matchers on labels such as alertname="DiskFull" or instance=~"db-.*"; repeat for more',
    ),
    silenced: flag('false leaves out the alerts a silence suppresses'),
    active: flag('false leaves out the alerts nothing suppresses'),
    inhibited: flag('false leaves out the alerts an inhibit rule suppresses'),
    unprocessed: flag('Accepted; Herald has no unprocessed alerts'),
    receiver: z.string().max(2000).optional().describe('Accepted and ignored: every alert has one receiver'),
  });

  /** The project's firing alerts the query keeps, in Alertmanager's shape. */
  async function listed(
    principal: Principal,
    at: z.output<typeof params>,
    q: z.output<typeof query>,
  ): Promise<GettableAlert[]> {
    const { projectId } = await scope(principal, at);
    const filter = filterMatchers(q.filter).map(compileMatcher);
    const now = deps.clock.now();
    // Alertmanager's filters: each of silenced and inhibited leaves out what it names, active what
    // neither suppresses.
    const keep = (alert: FiringAlert) =>
      (alert.silencedBy.length > 0 || alert.inhibitedBy.length > 0 || q.active) &&
      (q.silenced || alert.silencedBy.length === 0) &&
      (q.inhibited || alert.inhibitedBy.length === 0) &&
      allMatch(filter, (name) => alert.labels[name] ?? '');
    const alerts = await firingAlerts(deps.db, projectId, now, {
      silencedBy: (event) => services.silences.matching(projectId, event, now),
      inhibitedBy: (issueId, event) => services.inhibitRules.inhibiting(projectId, issueId, event),
      keep,
    });
    const receivers = [projectReceiver(at.project)];
    return alerts.map(({ silencedBy, inhibitedBy, ...alert }) => ({
      ...alert,
      receivers,
      status: {
        state:
          silencedBy.length > 0 || inhibitedBy.length > 0 ? ('suppressed' as const) : ('active' as const),
        silencedBy: [...silencedBy],
        inhibitedBy: [...inhibitedBy],
      },
    }));
  }

  app.get(
    '/api/v1/projects/:org/:project/alertmanager/api/v2/alerts',
    {
      schema: {
        tags: ['events'],
        summary: `Alertmanager-compatible: the project's firing alerts (unresolved issues of Alertmanager alerts), most recently seen first, at most ${MAX_LISTED_ALERTS}; those silenced or inhibited now are suppressed (inhibitedBy: ids of the inhibiting issues)`,
        params,
        querystring: query,
        response: { 200: z.array(gettableAlert) },
      },
    },
    (request) => listed(principalOf(request), request.params, request.query),
  );

  app.get(
    '/api/v1/projects/:org/:project/alertmanager/api/v2/alerts/groups',
    {
      schema: {
        tags: ['events'],
        summary: `Alertmanager-compatible: the firing alerts of GET …/alerts grouped by alertname (the project's route groups by it, as GET …/status says), groups in the order of their most recent alert, for dashboards such as karma`,
        params,
        querystring: query,
        response: {
          200: z.array(
            z.object({
              labels: z.record(z.string(), z.string()),
              receiver: z.object({ name: z.string() }),
              alerts: z.array(gettableAlert),
            }),
          ),
        },
      },
    },
    async (request) => {
      const groups = new Map<string, GettableAlert[]>();
      for (const alert of await listed(principalOf(request), request.params, request.query)) {
        const name = alert.labels[GROUP_BY] ?? '';
        groups.set(name, [...(groups.get(name) ?? []), alert]);
      }
      const receiver = projectReceiver(request.params.project);
      return [...groups].map(([name, alerts]) => ({
        labels: (name === '' ? {} : { [GROUP_BY]: name }) as Record<string, string>,
        receiver,
        alerts,
      }));
    },
  );
}

/** The label the project's one route groups alerts by. */
export const GROUP_BY = 'alertname';

/**
 * A project's one receiver, named after it: Herald routes an alert through every rule of the project,
 * which are conditions on events rather than Alertmanager's receivers.
 */
export function projectReceiver(project: string): { name: string } {
  return { name: project };
}

type GettableAlert = z.output<typeof gettableAlert>;
