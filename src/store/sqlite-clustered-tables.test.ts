import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations/index.js';
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
  it('upgrades a database written before: every row kept, foreign keys and cascades working', async () => {
    const file = join(dir, 'herald.db');
    // The database as the migrations alone leave it, with one delivery's worth of rows.
    const before = new SQLite(file);
    before.pragma('journal_mode = WAL');
    before.pragma('foreign_keys = ON');
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: before }) });
    const provider = { getMigrations: async (): Promise<Record<string, Migration>> => ({ ...MIGRATIONS }) };
    expect((await new Migrator({ db: kysely, provider }).migrateToLatest()).error).toBeUndefined();
    before.exec(`
      insert into organizations (id, slug, name, options, created_at, updated_at) values ('org_1', 'o', 'O', '{}', 0, 0);
      insert into projects (id, org_id, slug, name, number, dsn_key, options, created_at) values ('prj_1', 'org_1', 'p', 'P', 1, 'k', '{}', 0);
      insert into issues (id, org_id, project_id, fingerprint, title, culprit, level, category, status, first_seen, last_seen, times_seen, users_seen, priority, updated_at)
        values ('iss_1', 'org_1', 'prj_1', 'f', 'T', '', 'error', 'error', 'unresolved', 0, 0, 1, 0, 'high', 0);
      insert into events (id, project_id, issue_id, event_id, timestamp, received_at, level, payload) values ('evt_1', 'prj_1', 'iss_1', 'e1', 0, 0, 'error', '{}');
      insert into issue_counts values ('iss_1', 'minute', 0, 1);
      insert into notifications (id, org_id, type, issue_id, dedupe_key, created_at) values ('ntf_1', 'org_1', 'issue_alert', 'iss_1', 'd1', 0);
      insert into notification_rules values ('ntf_1', 'rul_1');
      insert into deliveries (id, notification_id, org_id, recipient_type, recipient_id, channel, status, created_at, updated_at)
        values ('dlv_1', 'ntf_1', 'org_1', 'integration', 'int_1', 'webhook', 'sent', 0, 0);
      insert into delivery_attempts values ('att_1', 'dlv_1', 1, 0, 5, 'sent', null, null);
      insert into jobs (id, kind, payload, run_at, created_at) values ('job_1', 'deliver', '{}', 0, 0);
    `);
    const count = (db: SQLite.Database, table: string) =>
      (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
    const counts = (db: SQLite.Database) => CLUSTERED_TABLES.map((table) => count(db, table));
    const written = counts(before);
    expect(written.filter((n) => n > 0)).toHaveLength(6);
    await kysely.destroy();

    const store = openStore({ databaseUrl: null, dataDir: dir, sqliteFile: file });
    expect(await store.migrate()).toEqual([`clustered: ${CLUSTERED_TABLES.join(', ')}`]);
    await store.close();

    const after = new SQLite(file);
    after.pragma('foreign_keys = ON');
    for (const table of CLUSTERED_TABLES) expect(withoutRowid(after, table), table).toBe(true);
    expect(counts(after)).toEqual(written);
    expect(after.pragma('foreign_key_check')).toEqual([]);
    expect(() =>
      after
        .prepare("insert into delivery_attempts values ('att_2', 'dlv_none', 1, 0, 5, 'sent', null, null)")
        .run(),
    ).toThrow(/FOREIGN KEY/);
    after.prepare("delete from notifications where id = 'ntf_1'").run();
    expect([
      count(after, 'deliveries'),
      count(after, 'delivery_attempts'),
      count(after, 'notification_rules'),
    ]).toEqual([0, 0, 0]);
    after.close();
  });
});
