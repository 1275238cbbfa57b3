import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
import { writeSubscription } from '../recipients/subscriptions.js';
import type { Database, IssueTable } from '../store/schema.js';
import type { Principal } from '../tenancy/context.js';
import { actsForOrg, iso } from '../tenancy/context.js';
import type { IssueStatus } from './event.js';
import { latestStoredEvent, type StoredEvent, storedEvent } from './event-records.js';
import type { Priority } from './issue-state.js';
import { liveIssue } from './live-issue.js';

/** An issue as the API shows it. */
export interface Issue {
  readonly id: string;
  readonly projectId: string;
  readonly title: string;
  readonly culprit: string;
  readonly level: string;
  readonly category: string;
  readonly status: IssueStatus;
  readonly priority: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly timesSeen: number;
  readonly usersSeen: number;
  /** Who owns the issue, named as people read it: a member's name (their email when unnamed), a team's name. */
  readonly assignee: { type: 'user' | 'team'; id: string; name: string } | null;
  readonly resolvedAt: string | null;
  readonly ignoreUntil: string | null;
  readonly ignoreCount: number | null;
  readonly ignoreUserCount: number | null;
}

/** An issue with its environments and latest event. */
export interface IssueDetail extends Issue {
  readonly environments: { name: string; firstSeen: string }[];
  readonly latestEvent: Record<string, unknown> | null;
  /**
   * When the Alertmanager alert grouped into it ends unless it is sent again (see alert-ends.ts); null
   * for an issue of no such alert, or one whose alert ended.
   */
  readonly alertEndsAt: string | null;
}

/** Filters of the issue list. */
export interface IssueQuery {
  readonly status?: IssueStatus | undefined;
  /** Words looked for in title and culprit, case-insensitively. */
  readonly query?: string | undefined;
  readonly environment?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

/** A change to an issue: status (with ignore conditions), assignee, priority. */
export interface IssuePatch {
  readonly status?: IssueStatus | undefined;
  readonly ignoreUntil?: string | undefined;
  readonly ignoreCount?: number | undefined;
  readonly ignoreUserCount?: number | undefined;
  readonly assignee?: { type: 'user' | 'team'; id: string } | null | undefined;
  readonly priority?: Priority | undefined;
}

/** Issues of a project: list, read, resolve, ignore, assign. Every read is scoped by organization. */
export function issuesService(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Told the ids of workflow jobs an update committed. */
  readonly onJobsCommitted?: (ids: string[]) => void;
  /** Told of an unresolved issue that an update resolved or ignored (it inhibits nothing from then on). */
  readonly onSettled?: (projectId: string, issueId: string) => void;
}) {
  const { db, clock } = deps;

  /**
   * The issue, when the caller acts for its org or is a member of it (people triage their issues); one
   * of a deleted project is gone with it, though its purge may not have reached it yet.
   */
  async function row(principal: Principal, id: string): Promise<IssueTable> {
    const found = await liveIssue(db, id).selectAll('issues').executeTakeFirst();
    if (!found) throw new NotFoundError('Issue');
    if (actsForOrg(principal, found.org_id)) return found;
    if (principal.kind === 'user') {
      const member = await db
        .selectFrom('members')
        .select('user_id')
        .where('org_id', '=', found.org_id)
        .where('user_id', '=', principal.userId)
        .executeTakeFirst();
      if (member) return found;
    }
    throw new NotFoundError('Issue');
  }

  return {
    /** Newest `last_seen` first; `nextCursor` is null on the last page. */
    async list(projectId: string, q: IssueQuery): Promise<{ data: Issue[]; nextCursor: string | null }> {
      const limit = q.limit ?? 25;
      const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
      let query = db.selectFrom('issues').selectAll().where('project_id', '=', projectId);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.query) {
        const pattern = `%${q.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(
          (eb) =>
            sql<boolean>`(lower(${eb.ref('title')}) like ${pattern} escape '\\' or lower(${eb.ref('culprit')}) like ${pattern} escape '\\')`,
        );
      }
      if (q.environment !== undefined) {
        const environment = q.environment;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('issue_environments')
              .select('issue_environments.issue_id')
              .whereRef('issue_environments.issue_id', '=', 'issues.id')
              .where('issue_environments.environment', '=', environment),
          ),
        );
      }
      if (cursor) {
        query = query.where((eb) =>
          eb.or([
            eb('last_seen', '<', cursor.lastSeen),
            eb.and([eb('last_seen', '=', cursor.lastSeen), eb('id', '<', cursor.id)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('last_seen', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const names = await assigneeNames(db, page);
      return {
        data: page.map((r) => toIssue(r, names)),
        nextCursor: rows.length > limit && last ? encodeCursor(last.last_seen, last.id) : null,
      };
    },

    /** One issue with its environments and latest event; 404 for another organization's. */
    async get(principal: Principal, id: string): Promise<IssueDetail> {
      const issue = await row(principal, id);
      const environments = await db
        .selectFrom('issue_environments')
        .select(['environment', 'first_seen'])
        .where('issue_id', '=', id)
        .orderBy('first_seen')
        .orderBy('environment')
        .execute();
      const latest = issue.last_event_id
        ? await db.selectFrom('events').selectAll().where('id', '=', issue.last_event_id).executeTakeFirst()
        : undefined;
      const alert = await db
        .selectFrom('alert_ends')
        .select((eb) => eb.fn.max('ends_at').as('ends_at'))
        .where('issue_id', '=', id)
        .executeTakeFirst();
      return {
        ...toIssue(issue, await assigneeNames(db, [issue])),
        environments: environments
          .filter((e) => e.environment !== '')
          .map((e) => ({ name: e.environment, firstSeen: iso(e.first_seen) })),
        latestEvent: latest ? apiEvent(latest) : null,
        alertEndsAt: alert?.ends_at == null ? null : iso(Number(alert.ends_at)),
      };
    },

    /** The issue's latest event as the pipeline reads it; null when it has none. No access check. */
    latestEvent(id: string): Promise<StoredEvent | null> {
      return latestStoredEvent(db, id);
    },

    /**
     * Applies a status, assignee or priority change; ignore conditions need `status: ignored`. A status
     * change applies to the status it was decided from: when another change (a person, Prometheus's
     * resolution, an alert's end) came first, it is decided again, so one resolution is told once.
     */
    async update(principal: Principal, id: string, patch: IssuePatch): Promise<IssueDetail> {
      for (let attempt = 1; ; attempt++) {
        const issue = await row(principal, id);
        const problems = ['ignoreUntil', 'ignoreCount', 'ignoreUserCount']
          .filter((field) => patch[field as keyof IssuePatch] !== undefined && patch.status !== 'ignored')
          .map((path) => ({ path, message: 'applies only with status ignored' }));
        if (patch.assignee) problems.push(...(await assigneeProblems(db, issue.org_id, patch.assignee)));
        if (problems.length > 0) throw new ValidationError(problems);

        const now = clock.now();
        const changes: Partial<IssueTable> = { updated_at: now };
        if (patch.status !== undefined) Object.assign(changes, statusChange(issue, patch, now));
        if (patch.assignee !== undefined) {
          changes.assignee_type = patch.assignee?.type ?? null;
          changes.assignee_id = patch.assignee?.id ?? null;
        }
        if (patch.priority !== undefined) changes.priority = patch.priority;
        const actorId = principal.kind === 'user' ? principal.userId : null;
        const activities: JobInput[] = [];
        if (patch.status === 'resolved' && issue.status !== 'resolved')
          activities.push(resolvedActivity(id, actorId, now));
        if (
          patch.assignee &&
          (patch.assignee.type !== issue.assignee_type || patch.assignee.id !== issue.assignee_id)
        ) {
          activities.push({
            id: `workflow_assigned_${id}_${now}`,
            kind: 'workflow',
            payload: { activity: 'assigned', issueId: id, actorId, assignee: patch.assignee, cause: now },
          });
        }
        // The activity's notification job commits with the change it reports (transactional outbox).
        const jobIds = await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('issues')
            .set(changes)
            .where('id', '=', id)
            .$if(patch.status !== undefined, (q) => q.where('status', '=', issue.status))
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) return null;
          // A person's own status change ends the issue's alerts' timing: reopened by hand, it is not
          // resolved again because an alert's end passed.
          if (patch.status !== undefined) await alertsStopped(trx, id);
          // A person the issue is assigned to follows it from the same commit (so the answer says so).
          if (patch.assignee?.type === 'user')
            await writeSubscription(trx, id, patch.assignee.id, 'assigned', now);
          return enqueueJobs(trx, activities, now);
        });
        // Its status changed in between (a row of a deleted issue is not found again): decide again.
        if (jobIds === null) {
          if (attempt < STATUS_RACES) continue;
          throw new Error(`issue ${id} kept changing status`);
        }
        if (jobIds.length > 0) deps.onJobsCommitted?.(jobIds);
        if (issue.status === 'unresolved' && changes.status !== undefined && changes.status !== 'unresolved')
          deps.onSettled?.(issue.project_id, id);
        return this.get(principal, id);
      }
    },
  };
}

/** Times a status change is decided again when another one came first. */
const STATUS_RACES = 5;

/** The workflow job that tells an issue's followers it was resolved, by a person or (actor null) by Herald. */
export function resolvedActivity(issueId: string, actorId: string | null, now: number): JobInput {
  return {
    id: `workflow_resolved_${issueId}_${now}`,
    kind: 'workflow',
    payload: { activity: 'resolved', issueId, actorId, cause: now },
  };
}

/**
 * Resolves an unresolved issue in `trx` on Herald's behalf (an alert that ended), with the activity that
 * tells its followers; answers the activity's job ids, or null when the issue was no longer unresolved.
 */
export async function resolveUnresolved(
  trx: Transaction<Database>,
  issue: IssueTable,
  now: number,
  resolvedAt = now,
): Promise<string[] | null> {
  const updated = await trx
    .updateTable('issues')
    .set({ ...statusChange(issue, { status: 'resolved' }, resolvedAt), updated_at: now })
    .where('id', '=', issue.id)
    .where('status', '=', 'unresolved')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return null;
  return enqueueJobs(trx, [resolvedActivity(issue.id, null, now)], now);
}

/** Stops timing the issue's alerts: none of them resolves it when its end passes. */
function alertsStopped(trx: Transaction<Database>, issueId: string) {
  return trx.updateTable('alert_ends').set({ ends_at: null }).where('issue_id', '=', issueId).execute();
}

/** The issues service. */
export type IssuesService = ReturnType<typeof issuesService>;

function statusChange(issue: IssueTable, patch: IssuePatch, now: number): Partial<IssueTable> {
  const cleared = {
    resolved_at: null,
    ignore_until: null,
    ignore_count: null,
    ignore_times_seen: null,
    ignore_user_count: null,
    ignore_users_seen: null,
  };
  // Resolving a resolved issue again (a second click, a second person) keeps when it was resolved.
  if (patch.status === 'resolved')
    return {
      ...cleared,
      status: 'resolved',
      resolved_at: issue.status === 'resolved' ? issue.resolved_at : now,
    };
  if (patch.status === 'unresolved') return { ...cleared, status: 'unresolved' };
  // Counts are "N more": measured from where the issue stands when it is ignored.
  return {
    ...cleared,
    status: 'ignored',
    ignore_until: patch.ignoreUntil === undefined ? null : Date.parse(patch.ignoreUntil),
    ignore_count: patch.ignoreCount ?? null,
    ignore_times_seen: patch.ignoreCount === undefined ? null : issue.times_seen,
    ignore_user_count: patch.ignoreUserCount ?? null,
    ignore_users_seen: patch.ignoreUserCount === undefined ? null : issue.users_seen,
  };
}

async function assigneeProblems(
  db: Kysely<Database>,
  orgId: string,
  assignee: { type: 'user' | 'team'; id: string },
) {
  const found =
    assignee.type === 'user'
      ? await db
          .selectFrom('members')
          .select('user_id as id')
          .where('org_id', '=', orgId)
          .where('user_id', '=', assignee.id)
          .executeTakeFirst()
      : await db
          .selectFrom('teams')
          .select('id')
          .where('org_id', '=', orgId)
          .where('id', '=', assignee.id)
          .executeTakeFirst();
  if (found) return [];
  const what = assignee.type === 'user' ? 'a member' : 'a team';
  return [{ path: 'assignee.id', message: `is not ${what} of this organization` }];
}

/** The names of the issues' assignees, by `type:id`: at most one read of members and one of teams. */
async function assigneeNames(db: Kysely<Database>, rows: IssueTable[]): Promise<Map<string, string>> {
  const ids = (type: string) => [
    ...new Set(rows.filter((r) => r.assignee_type === type).map((r) => r.assignee_id as string)),
  ];
  const users = ids('user');
  const teams = ids('team');
  const names = new Map<string, string>();
  if (users.length > 0) {
    const found = await db
      .selectFrom('users')
      .select(['id', 'name', 'email'])
      .where('id', 'in', users)
      .execute();
    for (const u of found) names.set(`user:${u.id}`, u.name || u.email);
  }
  if (teams.length > 0) {
    const found = await db
      .selectFrom('teams')
      .select(['id', 'name', 'slug'])
      .where('id', 'in', teams)
      .execute();
    for (const t of found) names.set(`team:${t.id}`, t.name || t.slug);
  }
  return names;
}

function toIssue(row: IssueTable, names: ReadonlyMap<string, string>): Issue {
  return {
    id: row.id,
    projectId: row.project_id,
    title: row.title,
    culprit: row.culprit,
    level: row.level,
    category: row.category,
    status: row.status as IssueStatus,
    priority: row.priority,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    timesSeen: row.times_seen,
    usersSeen: row.users_seen,
    assignee:
      row.assignee_type && row.assignee_id
        ? {
            type: row.assignee_type as 'user' | 'team',
            id: row.assignee_id,
            // A member or team removed since keeps the id it was assigned by.
            name: names.get(`${row.assignee_type}:${row.assignee_id}`) ?? row.assignee_id,
          }
        : null,
    resolvedAt: iso(row.resolved_at),
    ignoreUntil: iso(row.ignore_until),
    ignoreCount: row.ignore_count,
    ignoreUserCount: row.ignore_user_count,
  };
}

function apiEvent(row: Parameters<typeof storedEvent>[0]): Record<string, unknown> {
  const { event } = storedEvent(row);
  return {
    id: row.id,
    eventId: event.eventId,
    timestamp: iso(event.timestamp),
    receivedAt: iso(row.received_at),
    level: event.level,
    message: event.message,
    platform: event.platform,
    environment: event.environment,
    release: event.release,
    type: event.type,
    tags: event.tags,
    user: event.user,
    exception: event.exception,
    request: event.request,
    sdk: event.sdk,
  };
}

function encodeCursor(lastSeen: number, id: string): string {
  return Buffer.from(`${lastSeen}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { lastSeen: number; id: string } {
  const [lastSeen, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const ms = Number(lastSeen);
  if (!id || !Number.isInteger(ms))
    throw ValidationError.field('query.cursor', 'is not a cursor of this list');
  return { lastSeen: ms, id };
}
