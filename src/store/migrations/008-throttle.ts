import type { Kysely, Migration } from 'kysely';

/**
 * Throttling and batching: token buckets per recipient and channel, digests (one open per key at a
 * time), the per-key schedule state, and which issues a key has already been told about.
 */
export const throttle: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('throttle_buckets')
      .addColumn('key', 'text', (c) => c.primaryKey())
      // Thousandths of a token: the bucket refills continuously, and integers compare exactly.
      .addColumn('millitokens', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('digests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text')
      // project × recipient × channel
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('recipient_type', 'text', (c) => c.notNull())
      .addColumn('recipient_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('integration_id', 'text')
      // open | sent | dropped
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .addColumn('notification_id', 'text')
      .addColumn('delivery_id', 'text')
      .addColumn('record_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('digests_org_status').on('digests').columns(['org_id', 'status']).execute();

    await db.schema
      .createTable('digest_keys')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('open_digest_id', 'text')
      .addColumn('last_delivered_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('digest_seen_issues')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('issue_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('digest_seen_issues_pk', ['key', 'issue_id'])
      .execute();

    await db.schema.createIndex('deliveries_digest').on('deliveries').column('digest_id').execute();
  },
};
