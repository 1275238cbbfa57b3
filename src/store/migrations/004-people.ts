import type { Kysely, Migration } from 'kysely';

/**
 * People and what decides who hears about what: notification settings, per-user options, ownership rules,
 * issue subscriptions, releases with their commits and deploys, and personal user tokens.
 */
export const people: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('notification_settings')
      .addColumn('owner_type', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      // '*' stands for the whole category: NULL would make every such row distinct in a unique key.
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('scope_type', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_settings_pk', [
        'owner_type',
        'owner_id',
        'type',
        'channel',
        'scope_type',
        'scope_id',
      ])
      .execute();
    await db.schema
      .createIndex('notification_settings_scope')
      .on('notification_settings')
      .columns(['scope_type', 'scope_id'])
      .execute();

    await db.schema
      .createTable('user_options')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('quiet_hours', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('snoozed_until', 'bigint')
      .addColumn('email_digests', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('self_notifications', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('ownership_rules')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('matcher_type', 'text', (c) => c.notNull())
      .addColumn('pattern', 'text', (c) => c.notNull())
      .addColumn('owners', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ownership_rules_pk', ['project_id', 'position'])
      .execute();

    await db.schema
      .createTable('issue_subscriptions')
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('subscribed', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('issue_subscriptions_pk', ['issue_id', 'user_id'])
      .execute();
    await db.schema
      .createIndex('issue_subscriptions_user')
      .on('issue_subscriptions')
      .column('user_id')
      .execute();

    await db.schema
      .createTable('releases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('releases_project_version', ['project_id', 'version'])
      .execute();
    await db.schema
      .createIndex('releases_project_created')
      .on('releases')
      .columns(['project_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('release_commits')
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('commit_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('message', 'text')
      // Lower-cased, so committers are matched to users by email without case games.
      .addColumn('author_email', 'text')
      .addColumn('author_name', 'text')
      .addPrimaryKeyConstraint('release_commits_pk', ['release_id', 'commit_id'])
      .execute();

    await db.schema
      .createTable('deploys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deploys_release').on('deploys').column('release_id').execute();

    await db.schema
      .createTable('user_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('user_tokens_user').on('user_tokens').column('user_id').execute();
  },
};
