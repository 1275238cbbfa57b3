import type { Kysely, Migration } from 'kysely';

/**
 * The text form of a project's ownership rules as last sent, for its comments and blank lines: the rules
 * themselves stay in `ownership_rules` (owners by id), and the text is shown back with each rule's line
 * written from them (see formatOwnershipText).
 */
export const ownershipText: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ownership_texts')
      .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
