import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { PROFILE, SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

/** What the server holds: the statements the pipeline repeats are parsed once per connection. */
describe.skipIf(PROFILE !== 'postgres' || SKIP_PROFILE)('named statements on PostgreSQL', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await database.open({ poolSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('a parameterized statement run again becomes a prepared statement of the connection', async () => {
    const prepared = await store.db.connection().execute(async (db) => {
      const kinds = ['deliver', 'notify', 'deliver'];
      for (const kind of kinds)
        await sql`select count(*) as n from jobs where kind = ${kind} and run_at <= ${Date.now()}`.execute(
          db,
        );
      // A one-off text stays unnamed, and a statement without parameters is never named.
      await sql`select count(*) as n from jobs where id = ${'job_once'}`.execute(db);
      return (
        await sql<{
          name: string;
          statement: string;
        }>`select name, statement from pg_prepared_statements`.execute(db)
      ).rows;
    });
    // Migrations ran on this connection too: only the statements of this test are looked at.
    const ours = prepared.filter((p) => p.statement.includes('from jobs where'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.name).toMatch(/^herald_/);
    expect(ours[0]!.statement).toContain('from jobs where kind = $1');
  });

  it('a failing named statement fails alone; the connection goes on with it', async () => {
    await store.db.connection().execute(async (db) => {
      const insert = (id: string) =>
        sql`insert into jobs (id, kind, payload, run_at, created_at) values (${id}, 'sweep', '{}', 0, 0)`.execute(
          db,
        );
      await insert('job_a');
      await insert('job_b');
      await expect(insert('job_a')).rejects.toThrow(/duplicate key/);
      await insert('job_c');
    });
    const ids = await store.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'sweep')
      .orderBy('id')
      .execute();
    expect(ids.map((r) => r.id)).toEqual(['job_a', 'job_b', 'job_c']);
  });
});
