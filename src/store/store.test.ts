import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './store.js';

/** The temporary files SQLite holds open in this process (it names them `etilqs_…` and unlinks them). */
const openTemporaryFiles = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.includes('etilqs_') ? [target] : [];
    } catch {
      return [];
    }
  });

describe.runIf(process.platform === 'linux')('SQLite store', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-store-'));
    store = openStore({ databaseUrl: null, dataDir: dir });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the undo copies of a large unit of work in memory, not in temporary files', async () => {
    await sql`create table "wide" ("id" integer primary key, "body" text not null)`.execute(store.db);
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 400; i++)
        await sql`insert into "wide" values (${i}, ${'x'.repeat(1000)})`.execute(trx);
    });
    // Changing every row changes ~100 pages that existed before the unit: ~400 KiB of undo copies, past
    // the 64 KiB SQLite keeps in memory by default.
    const seen = await store.db.transaction().execute(async (trx) => {
      await sql`update "wide" set "body" = ${'y'.repeat(1000)}`.execute(trx);
      return openTemporaryFiles();
    });
    expect(seen).toEqual([]);
    const [row] = (
      await sql<{ n: number }>`select count(*) as n from "wide" where "body" like 'y%'`.execute(store.db)
    ).rows;
    expect(row?.n).toBe(400);
  });
});
