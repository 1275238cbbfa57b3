import type { Kysely, Migration } from 'kysely';

/**
 * Token buckets by when they were last taken from: retention finds the ones idle longer than any window
 * in a range of this index, instead of reading and sorting every bucket each hour (the sign-in form gives
 * every address anyone types a bucket).
 */
export const throttleBucketAge: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('throttle_buckets_updated_at')
      .on('throttle_buckets')
      .column('updated_at')
      .execute();
  },
};
