import type { Kysely, Migration } from 'kysely';

/**
 * A person's own fallback channels: a JSON array of personal channels tried in order when a message
 * cannot reach them on its own channel and the rule that sent it names none (notifications/fan-out.ts).
 */
export const personFallback: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('user_options')
      .addColumn('fallback', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  },
};
