import type { Kysely, Migration } from 'kysely';

/** One-time sign-in links sent by email: only the token's hash is kept. */
export const signInLinks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sign_in_links')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sign_in_links_user')
      .on('sign_in_links')
      .columns(['user_id', 'created_at'])
      .execute();
  },
};
