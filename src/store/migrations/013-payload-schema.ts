import type { Kysely, Migration } from 'kysely';

/**
 * The schema a notification's payload was known valid against when it was written (a fingerprint of
 * its type's payload schema; null when unknown). A delivery that reads the payload back skips validating
 * it again while the type's schema is still the same (see `trustedPayload` in notifications/registry.ts).
 */
export const payloadSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('notifications').addColumn('payload_schema', 'text').execute();
  },
};
