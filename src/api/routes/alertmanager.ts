import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import {
  alertToEvent,
  isResolved,
  issuesToResolve,
  MAX_ALERTS,
  postableAlertsSchema,
} from '../../events/alertmanager.js';
import type { Services } from '../../services.js';
import type { Database } from '../../store/schema.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const params = orgParams.extend({ project: slug });

/**
 * `/api/v1/projects/{org}/{project}/alertmanager/api/v2/alerts`: Alertmanager's v2 alert API, so
 * Prometheus can point at a project (`path_prefix: /api/v1/projects/{org}/{project}/alertmanager`,
 * `authorization.credentials: <api key>`). Firing alerts are ingested as events in one transaction;
 * resolved ones resolve their issue. Answers 200 with no body, as Alertmanager does.
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
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const principal = principalOf(request);
      const target = await services.eventProjects.bySlug(principal, org, project);
      const now = deps.clock.now();
      const firing = request.body.filter((alert) => !isResolved(alert, now));
      const resolved = request.body.filter((alert) => isResolved(alert, now));
      if (firing.length > 0)
        await services.ingest.ingestBatch(
          target,
          firing.map((alert) => alertToEvent(alert, now)),
        );
      // An ended alert is not an event: re-sent resolutions must not count, nor reopen a resolved issue.
      for (const issueId of await issuesToResolve(deps.db, target.projectId, resolved, now))
        await services.issues.update(principal, issueId, { status: 'resolved' });
      return reply.code(200).send();
    },
  );
}
