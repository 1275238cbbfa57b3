import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The deliveries waiting for a person's quiet hours to end, by person and channel: what their end
 * releases at once (throttle/deferred-release.ts). Partial, so only deferred rows are in it and every other
 * delivery's writes pass it by; without it the release read all of a person's deliveries.
 */
export const deferredIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('deliveries_deferred')
      .on('deliveries')
      .columns(['recipient_id', 'channel'])
      .where(sql.ref('status'), '=', sql.lit('deferred'))
      .execute();
  },
};
