import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DeployInfo } from '../people/releases.js';
import type { Recipients } from '../recipients/resolve.js';
import type { Database } from '../store/schema.js';
import type { NotificationStore } from './notification-store.js';
import { raiseNotification } from './raise.js';
import type { DeployPayload } from './types/deploy.js';
import { PERSONAL_CHANNELS } from './workflow.js';

/**
 * Deploy notifications: members whose deploy setting is `always`, and with `committed_only` (the default)
 * the authors of the release's commits, matched by email.
 */
export function deployNotifications(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly notifications: NotificationStore;
  readonly recipients: Recipients;
  readonly publicUrl: () => string;
  readonly onJobsCommitted: (ids: string[]) => void;
}) {
  const { db } = deps;
  return async function deployed(info: DeployInfo): Promise<void> {
    const [organization, project, commits, people] = await Promise.all([
      db
        .selectFrom('organizations')
        .select(['id', 'slug', 'name'])
        .where('id', '=', info.orgId)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('projects')
        .select(['id', 'slug', 'name'])
        .where('id', '=', info.projectId)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('release_commits')
        .select(['commit_id', 'message', 'author_email', 'author_name'])
        .where('release_id', '=', info.releaseId)
        .orderBy('position')
        .limit(1000)
        .execute(),
      deps.recipients.deployRecipients(info.releaseId),
    ]);
    const payload: DeployPayload = {
      organization,
      project,
      release: {
        version: info.version,
        // The release's page in the dashboard (what a person opens); programs read the API's list.
        url: `${deps.publicUrl()}/orgs/${organization.slug}/projects/${project.slug}/releases/${encodeURIComponent(info.version)}`,
        apiUrl: `${deps.publicUrl()}/api/v1/projects/${organization.slug}/${project.slug}/releases`,
        commits: commits.map((c) => ({
          id: c.commit_id,
          message: c.message ?? '',
          authorEmail: c.author_email,
          authorName: c.author_name,
        })),
      },
      deploy: { environment: info.environment },
    };
    await raiseNotification(deps, {
      orgId: info.orgId,
      projectId: info.projectId,
      type: 'deploy',
      payload,
      dedupeKey: `deploy:${info.deployId}`,
      targets: [
        {
          kind: 'people',
          userIds: people.map((p) => p.id),
          channels: [...PERSONAL_CHANNELS],
          committedUserIds: people.filter((p) => p.committed).map((p) => p.id),
        },
      ],
    });
  };
}
