import type { Kysely, Migration } from 'kysely';

/**
 * Silences: a project's matchers over event tags and a time window during which the events they match
 * fire no alert rule. The pipeline reads the silences of a project that have not ended
 * (`silences_project_ends`); the index serves the project's lists too.
 */
export const silences: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('silences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('matchers', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('silences_project_ends')
      .on('silences')
      .columns(['project_id', 'ends_at'])
      .execute();
  },
};
