import type { Kysely, Migration } from 'kysely';

/**
 * A person's deliveries in the order of their notifications: `deliveries_recipient` (recipient type and
 * id) gains the notification id, so "what was sent to me", newest first, reads that person's entries from
 * the newest down and stops at a page, where it read every notification of the installation to find the
 * few sent to them. Every lookup by recipient still finds the same prefix; the index has as many entries.
 */
export const recipientHistory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('deliveries_recipient').ifExists().execute();
    await db.schema
      .createIndex('deliveries_recipient')
      .on('deliveries')
      .columns(['recipient_type', 'recipient_id', 'notification_id'])
      .execute();
  },
};
