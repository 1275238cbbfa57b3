import type { Kysely, Migration } from 'kysely';

/**
 * Inhibit rules: a project's source and target matchers over event tags and the labels they must agree
 * on; while a source fires, the targets fire no alert rule. The pipeline reads a project's rules all at
 * once (`inhibit_rules_project`), as its lists do.
 */
export const inhibitRules: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('inhibit_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('source_matchers', 'text', (c) => c.notNull())
      .addColumn('target_matchers', 'text', (c) => c.notNull())
      .addColumn('equal', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('inhibit_rules_project')
      .on('inhibit_rules')
      .columns(['project_id', 'id'])
      .execute();
  },
};
