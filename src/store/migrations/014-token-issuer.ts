import type { Kysely, Migration } from 'kysely';

/**
 * The organization whose API key created a personal token (null when the admin token or an emailed
 * sign-in link did). Such a token holds only while its person belongs to that organization alone: a
 * person's token reaches every organization they are in, and an organization's key must not hand out a
 * way into the others (see `authenticateUserToken`).
 */
export const tokenIssuer: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('user_tokens').addColumn('issued_by_org', 'text').execute();
  },
};
