import type { Kysely, Migration } from 'kysely';

/**
 * Engagement (opens, clicks, actions) and the links of each tracked message, so a click redirect can only
 * lead to a URL that was in that message; plus the indexes the personal history and retention scan by.
 */
export const analytics: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('engagement_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
      // open | click | action
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('link_index', 'integer')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('engagement_events_delivery')
      .on('engagement_events')
      .columns(['delivery_id', 'at'])
      .execute();

    await db.schema
      .createTable('delivery_links')
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('delivery_links_pk', ['delivery_id', 'position'])
      .execute();

    await db.schema
      .createIndex('deliveries_recipient')
      .on('deliveries')
      .columns(['recipient_type', 'recipient_id'])
      .execute();
    await db.schema
      .createIndex('deliveries_notification')
      .on('deliveries')
      .column('notification_id')
      .execute();
    await db.schema.createIndex('events_received').on('events').column('received_at').execute();
    await db.schema.createIndex('notifications_created').on('notifications').column('created_at').execute();
    await db.schema
      .createIndex('idempotency_keys_created')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
};
