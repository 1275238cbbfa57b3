import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLUSTERED_TABLES, clusterTables } from './sqlite-clustered-tables.js';
import { openStore } from './store.js';

const withoutRowid = (db: SQLite.Database, table: string) =>
  /without rowid$/i.test(
    (db.prepare('select sql from sqlite_schema where name = ?').get(table) as { sql: string }).sql,
  );

describe('clustered tables', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-clustered-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds tables WITHOUT ROWID with their rows, indexes and the rows that reference them', () => {
    const db = new SQLite(join(dir, 'test.db'));
    db.pragma('foreign_keys = ON');
    db.exec(`
      create table "parents" ("id" text primary key, "name" text not null);
      create index "parents_name" on "parents" ("name");
      create table "children" ("id" text primary key, "parent_id" text not null references "parents" ("id") on delete cascade);
      insert into parents values ('p1', 'one'), ('p2', 'two');
      insert into children values ('c1', 'p1'), ('c2', 'p2');
    `);
    // Only the parent: dropping it with foreign keys on would have deleted both children.
    expect(clusterTables(db, ['parents'])).toEqual(['parents']);

    expect(withoutRowid(db, 'parents')).toBe(true);
    expect(withoutRowid(db, 'children')).toBe(false);
    expect(db.prepare('select * from parents order by id').all()).toEqual([
      { id: 'p1', name: 'one' },
      { id: 'p2', name: 'two' },
    ]);
    expect(db.prepare('select id from children order by id').pluck().all()).toEqual(['c1', 'c2']);
    expect(
      db
        .prepare("select name from sqlite_schema where type = 'index' and tbl_name = 'parents'")
        .pluck()
        .all(),
    ).toContain('parents_name');
    // Foreign keys are on again and still point at the rebuilt table.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => db.prepare("insert into children values ('c3', 'nobody')").run()).toThrow(/FOREIGN KEY/);
    db.prepare("delete from parents where id = 'p1'").run();
    expect(db.prepare('select id from children').pluck().all()).toEqual(['c2']);
    // Done once.
    expect(clusterTables(db, ['parents'])).toEqual([]);
    db.close();
  });

  it('leaves nothing changed when a table cannot be rebuilt', () => {
    const db = new SQLite(join(dir, 'test.db'));
    db.exec(`
      create table "keyed" ("id" text primary key, "v" text);
      create table "unkeyed" ("v" text);
      insert into keyed values ('k', 'x');
    `);
    // A table without a primary key cannot be stored WITHOUT ROWID: the whole rebuild rolls back.
    expect(() => clusterTables(db, ['keyed', 'unkeyed'])).toThrow(/PRIMARY KEY/);
    expect(withoutRowid(db, 'keyed')).toBe(false);
    expect(db.prepare('select * from keyed').all()).toEqual([{ id: 'k', v: 'x' }]);
    db.close();
  });

  it('migrating a SQLite store clusters the hot tables, once', async () => {
    const file = join(dir, 'herald.db');
    const store = openStore({ databaseUrl: null, dataDir: dir, sqliteFile: file });
    const applied = await store.migrate();
    expect(applied.at(-1)).toBe(`clustered: ${CLUSTERED_TABLES.join(', ')}`);
    expect(await store.migrate()).toEqual([]);
    await store.close();
    const db = new SQLite(file, { readonly: true });
    for (const table of CLUSTERED_TABLES) expect(withoutRowid(db, table), table).toBe(true);
    expect(withoutRowid(db, 'events')).toBe(false);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
