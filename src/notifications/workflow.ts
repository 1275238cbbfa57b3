import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Job } from '../queue/queue.js';
import type { Recipients } from '../recipients/resolve.js';
import type { Database } from '../store/schema.js';
import { issueRefs } from './issue-refs.js';
import type { NotificationStore } from './notification-store.js';
import { raiseNotification } from './raise.js';
import type { IntegrationTarget, PeopleTarget } from './targets.js';

/** Workflow activities that notify an issue's subscribers. */
export const WORKFLOW_ACTIVITIES = ['resolved', 'assigned', 'regression'] as const;

/** One of {@link WORKFLOW_ACTIVITIES}. */
export type WorkflowActivity = (typeof WORKFLOW_ACTIVITIES)[number];

/** Personal channels workflow and deploy messages may use; each person's settings pick among them. */
export const PERSONAL_CHANNELS = ['email', 'slack', 'inapp', 'push'] as const;

/**
 * The PagerDuty integrations with an incident open for an issue, as the delivery history tells: those
 * whose latest event sent for it opened the incident (any type but a resolution renders a trigger).
 * A resolve is sent as well when both were sent in the same millisecond: PagerDuty ignores a resolve of
 * a resolved incident, while one left open keeps paging.
 */
async function openIncidents(db: Kysely<Database>, issueId: string): Promise<IntegrationTarget[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
    .where('notifications.issue_id', '=', issueId)
    .where('deliveries.channel', '=', 'pagerduty')
    // Accepted by PagerDuty, whatever engagement moved its status to since (a click on its link).
    .where('deliveries.sent_at', 'is not', null)
    .where('deliveries.integration_id', 'is not', null)
    .select((eb) => [
      'deliveries.integration_id as integrationId',
      eb.fn
        .max(eb.case().when('notifications.type', '=', 'resolved').then(eb.ref('deliveries.sent_at')).end())
        .as('resolvedAt'),
      eb.fn
        .max(eb.case().when('notifications.type', '!=', 'resolved').then(eb.ref('deliveries.sent_at')).end())
        .as('triggeredAt'),
    ])
    .groupBy('deliveries.integration_id')
    .orderBy('deliveries.integration_id')
    .execute();
  return rows
    .filter(
      (r) =>
        r.triggeredAt !== null && (r.resolvedAt === null || Number(r.triggeredAt) >= Number(r.resolvedAt)),
    )
    .map((r) => ({ kind: 'integration', integrationId: r.integrationId!, channel: 'pagerduty' }));
}

/** What workflow notifications need. */
export interface WorkflowDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifications: NotificationStore;
  readonly recipients: Recipients;
  readonly publicUrl: () => string;
  readonly onJobsCommitted: (ids: string[]) => void;
}

/**
 * The `workflow` job: an issue was resolved, assigned or regressed. Its subscribers (and people whose
 * workflow setting is `always`) hear of it, the person who did it does not (unless they asked to), and
 * an assignee becomes a subscriber first.
 */
export function workflowNotifications(deps: WorkflowDeps) {
  const { db } = deps;

  async function userName(id: string | null): Promise<{ id: string; name: string } | null> {
    if (!id) return null;
    const user = await db.selectFrom('users').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
    return user ?? null;
  }

  return async function workflow(job: Job): Promise<void> {
    const activity = String(job.payload.activity) as WorkflowActivity;
    if (!(WORKFLOW_ACTIVITIES as readonly string[]).includes(activity)) return;
    const issueId = String(job.payload.issueId);
    const actorId = typeof job.payload.actorId === 'string' ? job.payload.actorId : null;
    const refs = await issueRefs(db, issueId, deps.publicUrl());
    if (!refs) return;

    let assignee: { type: 'user' | 'team'; id: string; name: string } | undefined;
    if (activity === 'assigned') {
      const given = job.payload.assignee as { type: 'user' | 'team'; id: string } | undefined;
      if (!given) return;
      // The assignee was subscribed with the assignment itself (issues.update).
      if (given.type === 'user') {
        assignee = { ...given, name: (await userName(given.id))?.name ?? given.id };
      } else {
        const team = await db
          .selectFrom('teams')
          .select('name')
          .where('id', '=', given.id)
          .executeTakeFirst();
        assignee = { ...given, name: team?.name ?? given.id };
      }
    }
    const people = await deps.recipients.workflowRecipients(issueId, actorId);
    const target: PeopleTarget = {
      kind: 'people',
      userIds: people.map((p) => p.id),
      channels: [...PERSONAL_CHANNELS],
      subscribedUserIds: people.filter((p) => p.subscribed).map((p) => p.id),
    };
    // A resolution also closes the PagerDuty incidents the issue's alerts opened (same dedup key).
    const incidents = activity === 'resolved' ? await openIncidents(db, issueId) : [];
    await raiseNotification(deps, {
      orgId: refs.organization.id,
      projectId: refs.project.id,
      issueId,
      type: activity,
      payload: { ...refs, actor: await userName(actorId), ...(assignee ? { assignee } : {}) },
      dedupeKey: `${activity}:${issueId}:${String(job.payload.cause ?? job.id)}`,
      targets: [target, ...incidents],
    });
  };
}
