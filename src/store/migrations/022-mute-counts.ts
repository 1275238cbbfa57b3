import type { Kysely, Migration } from 'kysely';

/**
 * What each silence and inhibit rule muted: how many events, and when it last did (epoch ms, null
 * until it mutes one). Counted in memory and added here by each process (rules/mute-counts.ts).
 */
export const muteCounts: Migration = {
  async up(db: Kysely<unknown>) {
    for (const table of ['silences', 'inhibit_rules']) {
      await db.schema
        .alterTable(table)
        .addColumn('muted_events', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable(table).addColumn('last_muted_at', 'bigint').execute();
    }
  },
};
