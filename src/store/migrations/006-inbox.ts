import type { Kysely, Migration } from 'kysely';

/** The in-app inbox of each person, and the browsers they receive web push on. */
export const inbox: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('inbox_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // Null when the message belongs to no organization's notification.
      .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
      .addColumn('notification_id', 'text', (c) => c.notNull())
      // Unique: a delivery retried after a lost answer still lands once.
      .addColumn('delivery_id', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('read_at', 'bigint')
      .addColumn('archived_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // Listing walks one user's messages by id (ids sort by creation time).
    await db.schema
      .createIndex('inbox_messages_user')
      .on('inbox_messages')
      .columns(['user_id', 'id'])
      .execute();

    await db.schema
      .createTable('push_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('endpoint', 'text', (c) => c.notNull().unique())
      .addColumn('p256dh', 'text', (c) => c.notNull())
      .addColumn('auth', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('push_subscriptions_user')
      .on('push_subscriptions')
      .column('user_id')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('push_subscriptions').execute();
    await db.schema.dropTable('inbox_messages').execute();
  },
};
