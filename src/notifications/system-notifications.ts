import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { RuleSavedEvent } from '../rules/rule-store.js';
import type { Database } from '../store/schema.js';
import type { NotificationStore } from './notification-store.js';
import { type Raise, raiseNotification } from './raise.js';
import type { IntegrationDisabledPayload } from './types/integration-disabled.js';
import type { RuleSavedPayload } from './types/rule-saved.js';

/** What the notifications Herald raises about itself need. */
export interface SystemNotificationDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly notifications: NotificationStore;
  readonly publicUrl: () => string;
  readonly onJobsCommitted: (ids: string[]) => void;
}

/** Notifications Herald raises about its own configuration: rule saved, integration disabled. */
export function systemNotifications(deps: SystemNotificationDeps) {
  const { db, clock } = deps;

  const raise = (input: Raise) => raiseNotification(deps, input);

  async function orgRef(orgId: string) {
    return db
      .selectFrom('organizations')
      .select(['id', 'slug', 'name'])
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
  }

  return {
    /** "Alert rule created/updated" with the list of changes, to every Slack channel the rule posts to. */
    async ruleSaved(event: RuleSavedEvent): Promise<void> {
      const [organization, project] = await Promise.all([
        orgRef(event.orgId),
        db
          .selectFrom('projects')
          .select(['id', 'slug', 'name'])
          .where('id', '=', event.projectId)
          .executeTakeFirstOrThrow(),
      ]);
      const payload: RuleSavedPayload = {
        organization,
        project,
        rule: {
          id: event.rule.id,
          name: event.rule.name,
          // The rule opened in the dashboard's editor (what a person in the channel clicks); programs
          // read the API's address.
          url: `${deps.publicUrl()}/rules?${new URLSearchParams({ org: organization.slug, project: project.slug, rule: event.rule.id })}`,
          apiUrl: `${deps.publicUrl()}/api/v1/projects/${organization.slug}/${project.slug}/rules/${event.rule.id}`,
        },
        created: event.created,
        changes: event.changes.slice(0, 500),
        actor: null,
      };
      await raise({
        orgId: event.orgId,
        projectId: event.projectId,
        type: 'rule_saved',
        payload,
        dedupeKey: `rule_saved:${event.rule.id}:${clock.now()}:${event.changes.length}`,
        targets: event.slackActions.map((a) => ({
          kind: 'integration' as const,
          integrationId: a.integration,
          channel: 'slack' as const,
          address: a.channel,
        })),
      });
    },

    /** Tells the organization's owners that an integration was disabled and why. */
    async integrationDisabled(orgId: string, integrationId: string, reason: string): Promise<void> {
      const [organization, integration, owners] = await Promise.all([
        orgRef(orgId),
        db
          .selectFrom('integrations')
          .select(['id', 'name', 'provider', 'updated_at'])
          .where('id', '=', integrationId)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('members')
          .select('user_id')
          .where('org_id', '=', orgId)
          .where('role', '=', 'owner')
          .execute(),
      ]);
      const payload: IntegrationDisabledPayload = {
        organization,
        integration: { id: integration.id, name: integration.name, provider: integration.provider },
        reason,
      };
      await raise({
        orgId,
        projectId: null,
        type: 'integration_disabled',
        payload,
        dedupeKey: `integration_disabled:${integration.id}:${integration.updated_at}`,
        targets: [{ kind: 'people', userIds: owners.map((o) => o.user_id), channels: ['email', 'inapp'] }],
      });
    },
  };
}

/** The system notifications. */
export type SystemNotifications = ReturnType<typeof systemNotifications>;
