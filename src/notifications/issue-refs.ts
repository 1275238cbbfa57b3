import type { Kysely } from 'kysely';
import { alertOfEvent } from '../events/alertmanager.js';
import type { HeraldEvent } from '../events/event.js';
import type { EvaluatedIssue } from '../events/event-records.js';
import type { Database } from '../store/schema.js';
import { type References, referenceReader } from '../tenancy/reference-cache.js';
import type { IssueAlertPayload } from './types/issue-alert.js';

/** The Prometheus alert as a notification's payload carries it. */
export type AlertRef = NonNullable<IssueAlertPayload['event']['alert']>;

/** The entries within bounds: the record itself when they all are (the rule: ingest bounds them). */
function clipped(entries: Record<string, string>, keyMax: number, valueMax: number): Record<string, string> {
  for (const key in entries) {
    if (key.length > keyMax || entries[key]!.length > valueMax)
      return Object.fromEntries(
        Object.entries(entries).map(([k, v]) => [k.slice(0, keyMax), v.slice(0, valueMax)]),
      );
  }
  return entries;
}

/**
 * `{ alert }` for an event that came from a Prometheus alert, within the payload schema's bounds (a
 * generator URL too long to keep whole is left out rather than cut); `{}` for any other event.
 */
export function alertRef(event: HeraldEvent): { alert: AlertRef } | Record<string, never> {
  const sent = alertOfEvent(event);
  if (!sent) return {};
  return {
    alert: {
      fingerprint: sent.fingerprint.slice(0, 64),
      labels: clipped(sent.labels, 1000, 10_000),
      annotations: clipped(sent.annotations, 1000, 100_000),
      startsAt: sent.startsAt,
      endsAt: sent.endsAt,
      generatorURL: sent.generatorURL !== null && sent.generatorURL.length <= 4000 ? sent.generatorURL : null,
    },
  };
}

/** The organization, project and issue as every issue notification names them. */
export type IssueRefs = Pick<IssueAlertPayload, 'organization' | 'project' | 'issue'>;

/**
 * Reads the references of an issue notification; null when the issue or its project is gone (a deleted
 * project's issues notify nobody, whatever was under way for them). `issue` is the issue's
 * row or its id (then read here). The organization and project come from `references` (a cache in the
 * pipeline), by default straight from the database.
 */
export async function issueRefs(
  db: Kysely<Database>,
  issueOrId: EvaluatedIssue | string,
  baseUrl: string,
  references: References = referenceReader(db),
): Promise<IssueRefs | null> {
  const issue =
    typeof issueOrId === 'string'
      ? await db.selectFrom('issues').selectAll().where('id', '=', issueOrId).executeTakeFirst()
      : issueOrId;
  if (!issue) return null;
  const [organization, project] = await Promise.all([
    references.organization(issue.org_id),
    references.project(issue.project_id),
  ]);
  if (!organization) throw new Error(`organization ${issue.org_id} of issue ${issue.id} not found`);
  if (!project) return null;
  return {
    organization: { id: organization.id, slug: organization.slug, name: organization.name },
    project: { id: project.id, slug: project.slug, name: project.name },
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
      // The page a person opens (the dashboard's issue page, which asks for a token when none is kept);
      // programs read the API's.
      url: `${baseUrl}/issues/${issue.id}`,
      apiUrl: `${baseUrl}/api/v1/issues/${issue.id}`,
    },
  };
}
