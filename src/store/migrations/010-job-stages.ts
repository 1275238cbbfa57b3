import type { Kysely, Migration } from 'kysely';

/**
 * Due jobs by kind, so the queue can take later pipeline stages first without sorting every due row on
 * each poll.
 */
export const jobStages: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('jobs_kind_due').on('jobs').columns(['kind', 'run_at']).execute();
  },
};
