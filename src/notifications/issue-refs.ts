import type { Kysely } from 'kysely';
import type { Database, IssueTable } from '../store/schema.js';
import type { IssueAlertPayload } from './types/issue-alert.js';

/** The organization, project and issue as every issue notification names them. */
export type IssueRefs = Pick<IssueAlertPayload, 'organization' | 'project' | 'issue'>;

/**
 * Reads the references of an issue notification; null when the issue is gone. `issue` is the issue's
 * row or its id (then read here).
 */
export async function issueRefs(
  db: Kysely<Database>,
  issueOrId: IssueTable | string,
  baseUrl: string,
): Promise<IssueRefs | null> {
  const issue =
    typeof issueOrId === 'string'
      ? await db.selectFrom('issues').selectAll().where('id', '=', issueOrId).executeTakeFirst()
      : issueOrId;
  if (!issue) return null;
  const [organization, project] = await Promise.all([
    db
      .selectFrom('organizations')
      .select(['id', 'slug', 'name'])
      .where('id', '=', issue.org_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('projects')
      .select(['id', 'slug', 'name'])
      .where('id', '=', issue.project_id)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    organization,
    project,
    issue: {
      id: issue.id,
      title: issue.title,
      culprit: issue.culprit,
      level: issue.level as IssueRefs['issue']['level'],
      status: issue.status as IssueRefs['issue']['status'],
      category: issue.category as IssueRefs['issue']['category'],
      firstSeen: new Date(issue.first_seen).toISOString(),
      lastSeen: new Date(issue.last_seen).toISOString(),
      timesSeen: Number(issue.times_seen),
      usersSeen: Number(issue.users_seen),
      url: `${baseUrl}/api/v1/issues/${issue.id}`,
    },
  };
}
