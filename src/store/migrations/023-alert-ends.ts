import type { Kysely, Migration } from 'kysely';

/**
 * When each Alertmanager alert of a project ends unless it is sent again (its `endsAt`, or the resolve
 * timeout after it was sent without one), and when Herald last resolved its issue because that time
 * passed. An alert is a label set (its fingerprint); its issue is the one its firings were grouped into.
 * The sweeper reads the due ones by `alert_ends_due`; an issue's deletion takes its alerts with it.
 */
export const alertEnds: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('alert_ends')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('ends_at', 'bigint')
      .addColumn('expired_at', 'bigint')
      .addPrimaryKeyConstraint('alert_ends_pk', ['project_id', 'fingerprint'])
      .execute();
    await db.schema.createIndex('alert_ends_due').on('alert_ends').column('ends_at').execute();
    await db.schema.createIndex('alert_ends_issue').on('alert_ends').column('issue_id').execute();
  },
};
