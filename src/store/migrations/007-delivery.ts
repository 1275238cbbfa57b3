import type { Kysely, Migration } from 'kysely';

/** Every send attempt of a delivery with the provider's answer, and channels' small state (threads). */
export const delivery: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('delivery_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      // sent | transient | permanent
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('message', 'text')
      .execute();
    await db.schema
      .createIndex('delivery_attempts_delivery')
      .on('delivery_attempts')
      .column('delivery_id')
      .execute();

    // The channels still to try, in order, when this delivery ends dead or unroutable.
    await db.schema.alterTable('deliveries').addColumn('fallback_channels', 'text').execute();

    await db.schema
      .createTable('channel_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
