import type { Kysely, Migration } from 'kysely';

/**
 * When a dead delivery was last replayed. A replay numbers its attempts from one again, beside the
 * attempts recorded before it: what is known of the attempts since (whether PagerDuty answered them,
 * delivery/pagerduty-incidents.ts) is read from the attempts started after this time.
 */
export const deliveryReplays: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('deliveries').addColumn('replayed_at', 'bigint').execute();
  },
};
