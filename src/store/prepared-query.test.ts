import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from './prepared-query.js';
import type { Database, OrganizationTable } from './schema.js';
import { openStore, type Store } from './store.js';

describe('prepared queries', () => {
  let store: Store;
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
  });
  afterAll(() => store.close());

  it('run with the values of each call, fixed parts kept, in a transaction too', async () => {
    const db = store.db;
    const insert = preparedQuery<Database, OrganizationTable, never>(
      db,
      ['id', 'slug', 'name', 'options', 'created_at', 'updated_at'],
      (db, p) => db.insertInto('organizations').values(p),
    );
    const rename = preparedQuery(db, ['id', 'name'], (db, p: { id: string; name: string }) =>
      db
        .updateTable('organizations')
        .set({ name: p.name, options: '{"renamed":true}' })
        .where('id', '=', p.id)
        .returning(['id', 'name', 'options']),
    );
    for (const id of ['org_a', 'org_b'])
      await insert(db, { id, slug: id, name: id, options: '{}', created_at: 1, updated_at: 1 });
    expect((await rename(db, { id: 'org_a', name: 'Alpha' })).rows).toEqual([
      { id: 'org_a', name: 'Alpha', options: '{"renamed":true}' },
    ]);
    await db.transaction().execute(async (trx) => {
      expect((await rename(trx, { id: 'org_b', name: 'Beta' })).rows).toHaveLength(1);
    });
    expect((await rename(db, { id: 'org_none', name: 'x' })).rows).toEqual([]);
    const names = await db.selectFrom('organizations').select(['id', 'name']).orderBy('id').execute();
    expect(names).toEqual([
      { id: 'org_a', name: 'Alpha' },
      { id: 'org_b', name: 'Beta' },
    ]);
  });

  it('refuses a builder that leaves a named value out', () => {
    expect(() =>
      preparedQuery(store.db, ['id', 'slug'], (db, p: { id: string; slug: string }) =>
        db.selectFrom('organizations').select('id').where('id', '=', p.id),
      ),
    ).toThrow(/does not bind slug/);
  });
});
