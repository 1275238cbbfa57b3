import type { Kysely, Migration } from 'kysely';

/**
 * When each Alertmanager alert's current firing began: the `startsAt` it was sent with, or, sent without
 * one, when its first firing arrived. An alert sent again without `startsAt` while it fires is the same
 * firing (one event, as Alertmanager keeps its start), where each sending used to be an event of its own.
 */
export const alertStarts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('alert_ends').addColumn('started_at', 'bigint').execute();
  },
};
