import type { Kysely, Migration } from 'kysely';

/** Organizations' Liquid overrides of a notification type's rendering on one channel. */
export const templates: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('templates')
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('templates_pk', ['org_id', 'type', 'channel'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('templates').execute();
  },
};
