import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';
import type { ChannelState } from './channel.js';

/** Channel state kept in the database, so every worker finds the Slack thread of an issue. */
export function channelStateStore(db: Kysely<Database>, clock: Clock): ChannelState {
  return {
    async get(key) {
      const row = await db
        .selectFrom('channel_state')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      const updated_at = clock.now();
      await db
        .insertInto('channel_state')
        .values({ key, value, updated_at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at }))
        .execute();
    },
  };
}
