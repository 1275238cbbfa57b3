import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ChannelKind } from '../delivery/channel.js';
import { incidentOpen, incidentStates } from '../delivery/pagerduty-incidents.js';
import { latestStoredEvent } from '../events/event-records.js';
import type { Job } from '../queue/queue.js';
import type { Recipients } from '../recipients/resolve.js';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';
import { alertRef, issueRefs } from './issue-refs.js';
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
 * The PagerDuty integrations a resolution sends a resolve to: those whose incident for the issue may be
 * open (their latest accepted event was a trigger, or PagerDuty may have taken one left unanswered), and
 * those with a trigger still on its way (pending, being sent, or failed with a retry due). A trigger being sent when the issue was resolved may be
 * accepted after this is read: its resolve is written now and waits for it at send time (see
 * incidentGate), rather than raised by the trigger's own outcome, so the delivery stage raises no
 * notification and the resolve stays one delivery, sent once, written with the resolution's fan-out. A
 * trigger still waiting for its turn is suppressed when it comes (the issue is resolved by then), and so
 * is its resolve, which finds no incident open: the history says why of both.
 */
async function openIncidents(db: Kysely<Database>, issueId: string): Promise<IntegrationTarget[]> {
  return (await incidentStates(db, issueId))
    .filter((state) => state.unsettled || incidentOpen(state))
    .map((state) => ({ kind: 'integration', integrationId: state.integrationId, channel: 'pagerduty' }));
}

/**
 * The webhooks and Slack channels a resolution is sent to: those that accepted an alert of the issue
 * after the last resolution they accepted. Alertmanager's webhook receivers hear of an alert's end
 * (`send_resolved` is on for webhooks by default): a receiver that opened a ticket or a page from the
 * alert can close it. A Slack channel gets it as a reply in the issue's thread, as Sentry marks its Slack
 * alert resolved, so whoever looks at the alert sees it is over without a new message in the channel.
 * One that never heard of the issue hears nothing of its end; Teams and Discord channels (no threads)
 * are left out, as Alertmanager leaves chat receivers by default.
 */
async function integrationsToldOf(db: Kysely<Database>, issueId: string): Promise<IntegrationTarget[]> {
  const rows = (await toldOfQuery(db, issueId).execute()).filter(
    (r) => r.alertedAt !== null && (r.resolvedAt === null || Number(r.alertedAt) >= Number(r.resolvedAt)),
  );
  const quiet = await withoutResolutions(
    db,
    rows.filter((r) => r.channel === 'webhook').map((r) => r.integrationId!),
  );
  return rows
    .filter((r) => !quiet.has(r.integrationId!))
    .map((r) => ({
      kind: 'integration',
      integrationId: r.integrationId!,
      channel: r.channel as ChannelKind,
      // A Slack channel is the delivery's recipient; a webhook is its integration.
      ...(r.recipientId === r.integrationId ? {} : { address: r.recipientId }),
    }));
}

/** Of these webhooks, those told not to send resolutions (`config.sendResolved` false, as Alertmanager's `send_resolved`). */
async function withoutResolutions(db: Kysely<Database>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const hooks = await db.selectFrom('integrations').select(['id', 'config']).where('id', 'in', ids).execute();
  return new Set(
    hooks.filter((hook) => parseJsonObject(hook.config)['sendResolved'] === false).map((h) => h.id),
  );
}

/**
 * The query of {@link integrationsToldOf}: per webhook and Slack channel, when it last accepted an alert
 * of the issue and when it last accepted its resolution. The issue's notifications first, then their
 * deliveries (a cross join is a nested loop in this order on SQLite): planned from `deliveries`, SQLite
 * read every webhook and channel delivery of the installation for each resolution (17 ms with 12,000 of
 * them, against 0.06 ms).
 */
export function toldOfQuery(db: Kysely<Database>, issueId: string) {
  return (
    db
      .selectFrom('notifications')
      .crossJoin('deliveries')
      .whereRef('deliveries.notification_id', '=', 'notifications.id')
      .where('notifications.issue_id', '=', issueId)
      .where('deliveries.channel', 'in', ['webhook', 'slack'])
      .where('deliveries.recipient_type', 'in', ['webhook', 'channel'])
      .where('deliveries.integration_id', 'is not', null)
      // Accepted by the receiver, whatever engagement moved its status to since.
      .where('deliveries.sent_at', 'is not', null)
      .select((eb) => [
        'deliveries.integration_id as integrationId',
        'deliveries.channel',
        'deliveries.recipient_id as recipientId',
        eb.fn
          .max(eb.case().when('notifications.type', '=', 'resolved').then(eb.ref('deliveries.sent_at')).end())
          .as('resolvedAt'),
        eb.fn
          .max(
            eb.case().when('notifications.type', '!=', 'resolved').then(eb.ref('deliveries.sent_at')).end(),
          )
          .as('alertedAt'),
      ])
      .groupBy(['deliveries.integration_id', 'deliveries.channel', 'deliveries.recipient_id'])
      .orderBy('deliveries.integration_id')
      .orderBy('deliveries.recipient_id')
  );
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

  /** `{ alert }` when the issue's latest event came from a Prometheus alert, else `{}`. */
  async function latestAlert(issueId: string): Promise<ReturnType<typeof alertRef>> {
    const latest = await latestStoredEvent(db, issueId);
    return latest ? alertRef(latest.event) : {};
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
    // A resolution also closes what the issue's alerts opened elsewhere: PagerDuty incidents (same dedup
    // key), whatever the webhooks that were told of it keep, the Slack threads of its alerts.
    const incidents =
      activity === 'resolved'
        ? [...(await openIncidents(db, issueId)), ...(await integrationsToldOf(db, issueId))]
        : [];
    await raiseNotification(deps, {
      orgId: refs.organization.id,
      projectId: refs.project.id,
      issueId,
      type: activity,
      payload: {
        ...refs,
        actor: await userName(actorId),
        ...(assignee ? { assignee } : {}),
        // A receiver of Alertmanager's webhook format is told which alert resolved or fired again (an
        // assignment reaches no webhook: its issue's latest event is not read for it).
        ...(activity === 'assigned' ? {} : await latestAlert(issueId)),
      },
      dedupeKey: `${activity}:${issueId}:${String(job.payload.cause ?? job.id)}`,
      targets: [target, ...incidents],
    });
  };
}
