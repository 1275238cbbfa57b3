import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';
import { PROFILE, TEST_DATABASE_URL } from './profile.js';

/** A database of this run's profile, made for one test file and removed after it. */
export interface TestDatabase {
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Opens (and migrates) a store on it; several stores may share it, like several processes. */
  open(options?: { poolSize?: number }): Promise<Store>;
  drop(): Promise<void>;
}

/** Creates an empty SQLite file in a temp folder, or a fresh PostgreSQL schema. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-test-'));
  let databaseUrl: string | null = null;
  let schema: string | null = null;
  if (PROFILE === 'postgres') {
    schema = `t_${randomBytes(6).toString('hex')}`;
    await withPg((c) => c.query(`create schema ${schema}`));
    databaseUrl = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  return {
    databaseUrl,
    dataDir,
    async open(options = {}) {
      const store = openStore({
        databaseUrl,
        dataDir,
        ...(options.poolSize ? { poolSize: options.poolSize } : {}),
      });
      await store.migrate();
      return store;
    },
    async drop() {
      if (schema) await withPg((c) => c.query(`drop schema ${schema} cascade`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on the test server's PostgreSQL (outside any Herald schema) and answers its rows. */
export async function pgQuery<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  return withPg(async (client) => (await client.query<Row>(text, values)).rows);
}
