import type { Kysely, Migration } from 'kysely';

/** Alert rules, their snoozes, the per-issue firing state, notifications and deliveries. */
export const rules: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('environment', 'text')
      .addColumn('action_match', 'text', (c) => c.notNull())
      .addColumn('filter_match', 'text', (c) => c.notNull())
      .addColumn('frequency', 'integer', (c) => c.notNull())
      .addColumn('conditions', 'text', (c) => c.notNull())
      .addColumn('filters', 'text', (c) => c.notNull())
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rules_project').on('rules').column('project_id').execute();

    await db.schema
      .createTable('rule_snoozes')
      .addColumn('rule_id', 'text', (c) => c.notNull().references('rules.id').onDelete('cascade'))
      // A user id, or '*' for everyone.
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('until', 'bigint')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rule_snoozes_pk', ['rule_id', 'target'])
      .execute();

    await db.schema
      .createTable('rule_fire_state')
      .addColumn('rule_id', 'text', (c) => c.notNull().references('rules.id').onDelete('cascade'))
      .addColumn('issue_id', 'text', (c) => c.notNull())
      .addColumn('last_fired', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rule_fire_state_pk', ['rule_id', 'issue_id'])
      .execute();

    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('issue_id', 'text')
      .addColumn('event_id', 'text')
      .addColumn('rule_ids', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
      // What made it: a second firing for the same cause finds this row instead of making another.
      .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('notifications_org_created')
      .on('notifications')
      .columns(['org_id', 'id'])
      .execute();
    await db.schema.createIndex('notifications_issue').on('notifications').column('issue_id').execute();

    await db.schema
      .createTable('notification_rules')
      .addColumn('notification_id', 'text', (c) =>
        c.notNull().references('notifications.id').onDelete('cascade'),
      )
      .addColumn('rule_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_rules_pk', ['notification_id', 'rule_id'])
      .execute();
    await db.schema
      .createIndex('notification_rules_rule')
      .on('notification_rules')
      .column('rule_id')
      .execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('notification_id', 'text', (c) =>
        c.notNull().references('notifications.id').onDelete('cascade'),
      )
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('recipient_type', 'text', (c) => c.notNull())
      .addColumn('recipient_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('integration_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('provider_message_id', 'text')
      .addColumn('digest_id', 'text')
      .addColumn('fallback_of', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      // One (notification, recipient, channel): a second send is impossible by construction.
      .addUniqueConstraint('deliveries_once', [
        'notification_id',
        'recipient_type',
        'recipient_id',
        'channel',
      ])
      .execute();
    await db.schema
      .createIndex('deliveries_org_status')
      .on('deliveries')
      .columns(['org_id', 'status'])
      .execute();
  },
};
