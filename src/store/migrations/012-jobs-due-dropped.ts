import type { Kysely, Migration } from 'kysely';

/**
 * Drops the index of jobs by due time alone: every query on due jobs names their kinds and uses
 * `jobs_kind_due`, and each job row is written three times (enqueued, claimed, deleted), so an index
 * nobody reads was a tax on every stage of the pipeline.
 */
export const jobsDueDropped: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('jobs_due').ifExists().execute();
  },
};
