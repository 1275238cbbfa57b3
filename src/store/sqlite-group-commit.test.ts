import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GroupCommitOptions, groupCommitDialect } from './sqlite-group-commit.js';

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

  function open(options?: GroupCommitOptions): Kysely<Db> {
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    const prepare = database.prepare.bind(database);
    // Counts the real COMMITs this connection makes.
    database.prepare = ((text: string) => {
      if (text === 'commit') commits++;
      return prepare(text);
    }) as typeof database.prepare;
    return new Kysely<Db>({ dialect: groupCommitDialect(database, options) });
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
    // COMMITs every turn: a group waiting for the spacing holds the write lock until then (tested below).
    await db.destroy();
    db = open({ commitSpacingMs: 0 });
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

  describe('spacing of COMMITs', () => {
    const SPACING_MS = 50;
    const write = (on: Kysely<Db>, text: string) => on.insertInto('notes').values({ text }).execute();

    it('writes that keep coming share COMMITs instead of each paying for one', async () => {
      const spaced = open({ commitSpacingMs: SPACING_MS });
      try {
        await write(spaced, 'first');
        const before = commits;
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          writes.push(write(spaced, `n${i}`));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await Promise.all(writes);
        // A turn of its own each, committed every turn, they made 20 COMMITs.
        expect(commits - before).toBeLessThanOrEqual(5);
        expect(visibleOutside()).toHaveLength(21);
      } finally {
        await spaced.destroy();
      }
    });

    it('a lone client writing one thing after another is rarely held', async () => {
      const held: boolean[] = [];
      const lone = open({ commitSpacingMs: SPACING_MS, onCommit: (_units, waited) => held.push(waited) });
      try {
        for (let i = 0; i < 30; i++) await write(lone, `n${i}`);
        // Each wait gathered nothing, so twice as many groups as before commit at once after it:
        // the 2nd, 4th, 7th, 12th and 21st writes waited.
        expect(held).toHaveLength(30);
        expect(held.filter(Boolean).length).toBeLessThanOrEqual(5);
      } finally {
        await lone.destroy();
      }
    });

    it('does not wait while the caller says no', async () => {
      const held: boolean[] = [];
      const busy = open({
        commitSpacingMs: 60_000,
        mayWait: () => false,
        onCommit: (_units, waited) => held.push(waited),
      });
      try {
        // A wait of a minute would time the test out.
        for (let i = 0; i < 5; i++) await write(busy, `n${i}`);
        expect(held).toEqual([false, false, false, false, false]);
      } finally {
        await busy.destroy();
      }
    });

    it('commits a group at once when it has changed many rows, without waiting out the spacing', async () => {
      const spaced = open({ commitSpacingMs: 60_000 });
      try {
        await write(spaced, 'first');
        // Within the spacing of that COMMIT, and a wait of a minute would time the test out.
        await spaced.transaction().execute(async (trx) => {
          for (let i = 0; i < 200; i++) await write(trx, `n${i}`);
        });
        expect(visibleOutside()).toHaveLength(201);
      } finally {
        await spaced.destroy();
      }
    });

    it('a group that waits is committed once the spacing has passed, and frees the write lock', async () => {
      const spaced = open({ commitSpacingMs: SPACING_MS });
      try {
        await write(spaced, 'first');
        const second = write(spaced, 'second');
        await new Promise((resolve) => setImmediate(resolve));
        // Not committed yet: waiting for the spacing.
        expect(visibleOutside()).toEqual(['first']);
        await second;
        expect(visibleOutside()).toEqual(['first', 'second']);
        outside.prepare("insert into notes (text) values ('from outside')").run();
        expect(visibleOutside()).toEqual(['first', 'second', 'from outside']);
      } finally {
        await spaced.destroy();
      }
    });
  });
});
