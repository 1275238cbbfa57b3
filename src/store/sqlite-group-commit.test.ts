import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommitDialect } from './sqlite-group-commit.js';

interface Db {
  notes: { id: Generated<number>; text: string };
}

describe('SQLite group commit', () => {
  let dir: string;
  let file: string;
  let db: Kysely<Db>;
  /** Another connection to the same file: it sees only what is committed. */
  let outside: SQLite.Database;
  let commits: number;

  function open(): Kysely<Db> {
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    const prepare = database.prepare.bind(database);
    // Counts the real COMMITs this connection makes.
    database.prepare = ((text: string) => {
      if (text === 'commit') commits++;
      return prepare(text);
    }) as typeof database.prepare;
    return new Kysely<Db>({ dialect: groupCommitDialect(database) });
  }

  const visibleOutside = () =>
    (outside.prepare('select text from notes order by id').all() as { text: string }[]).map((r) => r.text);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-group-commit-'));
    file = join(dir, 'test.db');
    commits = 0;
    db = open();
    await sql`create table notes (id integer primary key, text text not null unique)`.execute(db);
    outside = new SQLite(file);
  });

  afterEach(async () => {
    outside.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a transaction only once it is committed, sharing one COMMIT among concurrent ones', async () => {
    const before = commits;
    const texts = Array.from({ length: 20 }, (_, i) => `note ${i}`);
    await Promise.all(
      texts.map((text) =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto('notes').values({ text }).execute();
          // Each resolved `execute` is visible to another connection: it was committed.
        }),
      ),
    );
    expect(visibleOutside()).toEqual(texts);
    expect(commits - before).toBeLessThan(5);
  });

  it('a statement outside a transaction is committed before its promise resolves', async () => {
    await db.insertInto('notes').values({ text: 'alone' }).execute();
    expect(visibleOutside()).toEqual(['alone']);
  });

  it('a transaction that fails undoes only its own work, while the rest of its group commits', async () => {
    await db.insertInto('notes').values({ text: 'taken' }).execute();
    const results = await Promise.allSettled([
      db.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ text: 'first' }).execute();
      }),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ text: 'half written' }).execute();
        await trx.insertInto('notes').values({ text: 'taken' }).execute();
      }),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ text: 'second' }).execute();
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(visibleOutside()).toEqual(['taken', 'first', 'second']);
  });

  it('a rejected statement outside a transaction leaves no transaction open behind it', async () => {
    await db.insertInto('notes').values({ text: 'taken' }).execute();
    await expect(db.insertInto('notes').values({ text: 'taken' }).execute()).rejects.toThrow(/UNIQUE/);
    await new Promise((resolve) => setImmediate(resolve));
    // Another connection can write: nothing holds the write lock.
    outside.prepare("insert into notes (text) values ('from outside')").run();
    expect(await db.selectFrom('notes').select('text').orderBy('id').execute()).toEqual([
      { text: 'taken' },
      { text: 'from outside' },
    ]);
  });

  it('two connections of one process write at the same time without waiting on each other forever', async () => {
    const second = open();
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? db : second).transaction().execute(async (trx) => {
            await trx
              .insertInto('notes')
              .values({ text: `n${i}` })
              .execute();
          }),
        ),
      );
      expect(visibleOutside()).toHaveLength(40);
    } finally {
      await second.destroy();
    }
  });

  it('reads see the group in progress and the database answers while a transaction waits', async () => {
    const pending = db.transaction().execute(async (trx) => {
      await trx.insertInto('notes').values({ text: 'in flight' }).execute();
    });
    const read = db.selectFrom('notes').select('text').execute();
    await pending;
    expect((await read).map((r) => r.text)).toEqual(['in flight']);
  });
});
