import type { Kysely, Migration } from 'kysely';

/** Issues, events, first-seen environments and the bucketed counters frequency conditions read. */
export const events: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('issues')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('culprit', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('ignore_until', 'bigint')
      .addColumn('ignore_count', 'bigint')
      .addColumn('ignore_times_seen', 'bigint')
      .addColumn('ignore_user_count', 'bigint')
      .addColumn('ignore_users_seen', 'bigint')
      .addColumn('resolved_at', 'bigint')
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addColumn('times_seen', 'bigint', (c) => c.notNull())
      .addColumn('users_seen', 'bigint', (c) => c.notNull())
      .addColumn('assignee_type', 'text')
      .addColumn('assignee_id', 'text')
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('last_event_id', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('issues_project_fingerprint', ['project_id', 'fingerprint'])
      .execute();
    await db.schema
      .createIndex('issues_project_last_seen')
      .on('issues')
      .columns(['project_id', 'last_seen', 'id'])
      .execute();
    await db.schema.createIndex('issues_org').on('issues').column('org_id').execute();

    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('environment', 'text')
      .addColumn('release', 'text')
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addUniqueConstraint('events_project_event_id', ['project_id', 'event_id'])
      .execute();
    await db.schema.createIndex('events_issue').on('events').columns(['issue_id', 'received_at']).execute();

    await db.schema
      .createTable('issue_environments')
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('issue_environments_pk', ['issue_id', 'environment'])
      .execute();

    // Exact distinct users per issue (users_seen); one row per user, never scanned on ingest.
    await db.schema
      .createTable('issue_users')
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('user_hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('issue_users_pk', ['issue_id', 'user_hash'])
      .execute();

    await db.schema
      .createTable('issue_counts')
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('resolution', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('issue_counts_pk', ['issue_id', 'resolution', 'bucket_start'])
      .execute();

    await db.schema
      .createTable('issue_user_buckets')
      .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id').onDelete('cascade'))
      .addColumn('resolution', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('user_hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('issue_user_buckets_pk', [
        'issue_id',
        'resolution',
        'bucket_start',
        'user_hash',
      ])
      .execute();
  },
};
