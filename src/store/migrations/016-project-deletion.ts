import type { Kysely, Migration } from 'kysely';

/**
 * A deleted project: `deleted_at` hides it from every lookup at once, while the purge job removes its
 * data in batches and then the row (see tenancy/project-deletion.ts). The project's notifications are
 * found by `notifications_project`: the deletion suppresses what still waits among them, and the
 * history's project filter reads them there instead of every notification of the organization.
 */
export const projectDeletion: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('projects').addColumn('deleted_at', 'bigint').execute();
    await db.schema
      .createIndex('notifications_project')
      .on('notifications')
      .columns(['project_id', 'id'])
      .execute();
  },
};
