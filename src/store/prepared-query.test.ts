import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from './prepared-query.js';
import { preparedRows } from './prepared-rows.js';
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

  it('refuse a transaction that ended, and run one after another inside one', async () => {
    const db = store.db;
    const byId = preparedQuery(db, ['id'], (db, p: { id: string }) =>
      db.selectFrom('organizations').select('id').where('id', '=', p.id),
    );
    const insert = preparedRows<OrganizationTable>(
      ['id', 'slug', 'name', 'options', 'created_at', 'updated_at'],
      (rows, db) => db.insertInto('organizations').values(rows),
    );
    let ended: Transaction<Database> | undefined;
    await db.transaction().execute(async (trx) => {
      ended = trx;
      // Started together, they still run one at a time on the transaction's connection.
      await Promise.all([
        insert(trx, [{ id: 'org_c', slug: 'org_c', name: 'c', options: '{}', created_at: 1, updated_at: 1 }]),
        byId(trx, { id: 'org_c' }).then((found) => expect(found.rows).toEqual([{ id: 'org_c' }])),
      ]);
    });
    const row = { id: 'org_d', slug: 'org_d', name: 'd', options: '{}', created_at: 1, updated_at: 1 };
    await expect(byId(ended!, { id: 'org_c' })).rejects.toThrow(/committed/);
    await expect(insert(ended!, [row])).rejects.toThrow(/committed/);
    await expect(
      db.transaction().execute(async (trx) => {
        ended = trx;
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await expect(byId(ended!, { id: 'org_c' })).rejects.toThrow(/rolled back/);
    expect((await byId(db, { id: 'org_d' })).rows).toEqual([]);
  });
});
