import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { enqueueJobs, type Job, type JobInput } from '../queue/queue.js';
import type { Database, ProjectTable } from '../store/schema.js';
import { WAITING_STATUSES } from './members.js';

/** The reason of a delivery that was not sent because its project was deleted. */
export const PROJECT_DELETED = 'project_deleted';

/**
 * How long after a deletion its purge starts. Other processes keep a found project for a few seconds
 * (ingest 5 s, the pipeline's references 2 s): what they accept meanwhile still finds the row, and is
 * purged with the rest instead of failing on a missing parent.
 */
export const PROJECT_PURGE_DELAY_MS = 60_000;

/** Rows per purge statement, each its own short transaction (as retention deletes). */
const BATCH = 1_000;
/** Issues whose rows are purged together, before the issues themselves. */
const ISSUE_CHUNK = 200;

/** Tables of an issue's rows, with their keys: purged in batches before the issue. */
const ISSUE_ROWS: readonly (readonly [string, readonly string[]])[] = [
  ['issue_environments', ['issue_id', 'environment']],
  ['issue_users', ['issue_id', 'user_hash']],
  ['issue_counts', ['issue_id', 'resolution', 'bucket_start']],
  ['issue_user_buckets', ['issue_id', 'resolution', 'bucket_start', 'user_hash']],
  ['issue_subscriptions', ['issue_id', 'user_id']],
];

/** The job that purges a deleted project's data and then its row. */
export function purgeJob(projectId: string, runAt: number): JobInput {
  return { id: `purge_${projectId}`, kind: 'purge-project', payload: { projectId }, runAt };
}

/**
 * Suppresses what still waits to be sent about the project (queued, retrying, held for quiet hours or
 * in a digest): the history says `project_deleted`, and their jobs find nothing to send.
 */
async function suppressWaiting(
  trx: Kysely<Database> | Transaction<Database>,
  projectId: string,
  now: number,
): Promise<void> {
  await trx
    .updateTable('deliveries')
    .set({ status: 'suppressed', reason: PROJECT_DELETED, next_attempt_at: null, updated_at: now })
    .where(
      'notification_id',
      'in',
      trx.selectFrom('notifications').select('id').where('project_id', '=', projectId),
    )
    .where('status', 'in', [...WAITING_STATUSES])
    .execute();
}

/**
 * Deletes a live project in the caller's transaction; what is gone at once:
 * - the project from every lookup (`deleted_at`), its slug freed for a new project (the row keeps a
 *   slug no live project can have, `<id>~<slug>`), so its DSN, ingest and Alertmanager paths answer as
 *   for an unknown project;
 * - its configuration people see elsewhere: team links, ownership rules, project-scoped settings;
 * - what waits to be sent about it: its deliveries are suppressed (`project_deleted`), its open digests
 *   dropped, its evaluations not yet started removed. Its rules fire no more: an evaluation under way
 *   finds the project gone and notifies nobody.
 * Its data (events, issues, rules, silences, inhibit rules, releases, digests) is removed later by the purge job written
 * here. The history of what was sent about it stays, as any history, until retention removes it. 404 when
 * another deletion got there first.
 */
export async function deleteProject(
  trx: Transaction<Database>,
  project: ProjectTable,
  now: number,
): Promise<string[]> {
  const marked = await trx
    .updateTable('projects')
    .set({ deleted_at: now, slug: `${project.id}~${project.slug}` })
    .where('id', '=', project.id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) throw new NotFoundError(`Project "${project.slug}"`);
  await trx.deleteFrom('project_teams').where('project_id', '=', project.id).execute();
  await trx.deleteFrom('ownership_rules').where('project_id', '=', project.id).execute();
  await trx.deleteFrom('ownership_texts').where('project_id', '=', project.id).execute();
  await trx
    .deleteFrom('notification_settings')
    .where('scope_type', '=', 'project')
    .where('scope_id', '=', project.id)
    .execute();
  // Keys, then digests, then deliveries: the order a digest's close takes them in, so the two never wait
  // on each other in a cycle on PostgreSQL.
  const open = await trx
    .selectFrom('digests')
    .select(['id', 'key'])
    .where('org_id', '=', project.org_id)
    .where('project_id', '=', project.id)
    .where('status', '=', 'open')
    .execute();
  if (open.length > 0) {
    await trx
      .updateTable('digest_keys')
      .set({ open_digest_id: null, updated_at: now })
      .where(
        'key',
        'in',
        open.map((d) => d.key),
      )
      .execute();
    await trx
      .updateTable('digests')
      .set({ status: 'dropped', closed_at: now })
      .where(
        'id',
        'in',
        open.map((d) => d.id),
      )
      .where('status', '=', 'open')
      .execute();
  }
  await suppressWaiting(trx, project.id, now);
  await trx.deleteFrom('jobs').where(evaluationsOf(project.id)).execute();
  return enqueueJobs(trx, [purgeJob(project.id, now + PROJECT_PURGE_DELAY_MS)], now);
}

/**
 * The project's evaluations no worker has taken yet. Their payload is JSON naming the project (ids hold
 * no character LIKE treats specially but `_`, which matches itself too).
 */
function evaluationsOf(projectId: string) {
  return sql<boolean>`kind = 'evaluate-event' and locked_by is null and payload like ${`%"projectId":${JSON.stringify(projectId)}%`}`;
}

/** What the purge job needs. */
export interface ProjectPurgeDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The `purge-project` job: removes a deleted project's data in batches of short transactions (a project
 * may hold millions of events; one transaction deleting them all would hold every other writer of the
 * SQLite file for its whole length), then the row itself, whose foreign keys take whatever arrived
 * meanwhile. A purge that fails resumes where it stopped when its job runs again. What was sent about the
 * project stays in the history (notifications and deliveries name it by id only, with its name as it
 * was) until retention removes it.
 */
export function projectPurge(deps: ProjectPurgeDeps) {
  const { db, clock, logger } = deps;
  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** Deletes the rows of `table` matching `where`, `batch` at a time by their key; answers how many. */
  async function deleteBatches(
    table: string,
    keys: readonly string[],
    where: RawBuilder<unknown>,
    batch = BATCH,
  ): Promise<number> {
    const columns = sql.join(keys.map((key) => sql.ref(key)));
    let total = 0;
    for (;;) {
      const result = await sql`delete from ${sql.table(table)} where (${columns}) in
        (select ${columns} from ${sql.table(table)} where ${where} limit ${batch})`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      if (deleted < batch) return total;
      await pause();
    }
  }

  /** Issues a chunk at a time: their rows first (a busy issue has many), then the issues. */
  async function purgeIssues(projectId: string): Promise<number> {
    const rules = sql`rule_id in (select id from rules where project_id = ${projectId})`;
    let total = 0;
    for (;;) {
      const ids = (
        await db
          .selectFrom('issues')
          .select('id')
          .where('project_id', '=', projectId)
          .orderBy('id')
          .limit(ISSUE_CHUNK)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return total;
      const chunk = sql`issue_id in (${sql.join(ids)})`;
      for (const [table, keys] of ISSUE_ROWS) await deleteBatches(table, keys, chunk);
      await deleteBatches('rule_fire_state', ['rule_id', 'issue_id'], sql`${rules} and ${chunk}`);
      await db.deleteFrom('issues').where('id', 'in', ids).execute();
      total += ids.length;
      await pause();
    }
  }

  return async function purgeProject(job: Job): Promise<void> {
    const projectId = String(job.payload.projectId);
    const project = await db
      .selectFrom('projects')
      .select(['id', 'org_id', 'slug', 'deleted_at'])
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (project?.deleted_at == null) return;
    const ofProject = sql`project_id = ${projectId}`;
    // Digest keys start with the project's id (see digestKey in throttle/digest-store.ts).
    const prefix = `${projectId}:`;
    const key = sql.ref('key');
    const keys = sql`substr(${key}, 1, ${sql.lit(prefix.length)}) = ${prefix}`;
    const counts = {
      jobs: await deleteBatches('jobs', ['id'], evaluationsOf(projectId)),
      events: await deleteBatches('events', ['id'], ofProject),
      issues: await purgeIssues(projectId),
      // Their snoozes and action intervals go with them (foreign keys).
      rules: await deleteBatches('rules', ['id'], ofProject),
      silences: await deleteBatches('silences', ['id'], ofProject),
      inhibitRules: await deleteBatches('inhibit_rules', ['id'], ofProject),
      // Their commits and deploys go with them: fewer at a time.
      releases: await deleteBatches('releases', ['id'], ofProject, 100),
      digests: await deleteBatches(
        'digests',
        ['id'],
        sql`org_id = ${project.org_id} and project_id = ${projectId}`,
      ),
      digestSeenIssues: await deleteBatches(
        'digest_seen_issues',
        ['key', 'issue_id'],
        sql`${key} in (select ${key} from digest_keys where ${keys})`,
      ),
      digestKeys: await deleteBatches('digest_keys', ['key'], keys),
    };
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      // A send that was under way in another process when the project was deleted may have left a retry.
      await suppressWaiting(trx, projectId, now);
      await trx
        .deleteFrom('notification_settings')
        .where('scope_type', '=', 'project')
        .where('scope_id', '=', projectId)
        .execute();
      await trx.deleteFrom('projects').where('id', '=', projectId).execute();
    });
    logger.info({ projectId, slug: project.slug, purged: counts }, 'deleted project purged');
  };
}
