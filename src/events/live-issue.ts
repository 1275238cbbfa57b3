import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * The issue `id` joined to its project, unless the project was deleted: an issue of a deleted project
 * is gone with it, though the project's purge may not have reached it yet. Callers select what they read.
 */
export function liveIssue(db: Kysely<Database> | Transaction<Database>, id: string) {
  return db
    .selectFrom('issues')
    .innerJoin('projects', 'projects.id', 'issues.project_id')
    .where('issues.id', '=', id)
    .where('projects.deleted_at', 'is', null);
}
