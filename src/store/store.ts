import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, sql } from 'kysely';
import { ValidationError } from '../errors.js';
import { pgLibrary } from './cluster-libraries.js';
import { MIGRATIONS } from './migrations/index.js';
import { namedStatementsClient, statementNames } from './pg-named-statements.js';
import type { Database } from './schema.js';
import { checkpointInBackground } from './sqlite-checkpointer.js';
import { clusterTables } from './sqlite-clustered-tables.js';
import { groupCommitDialect } from './sqlite-group-commit.js';

/** The two databases Herald runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** A connected database: the Kysely instance plus what differs between the two dialects. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Runs every pending migration. */
  migrate(): Promise<string[]>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  /**
   * SQLite: tells when COMMITs may wait a moment for more work to share them (see groupCommitDialect);
   * the worker says no while its job slots are mostly full. PostgreSQL commits each transaction itself.
   */
  holdCommitsWhile?(mayWait: () => boolean): void;
  close(): Promise<void>;
}

/** Where the store lives. */
export interface StoreOptions {
  /** `postgres://…`; when null, SQLite at `<dataDir>/herald.db`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** SQLite only: `:memory:` or a file path instead of the default. */
  readonly sqliteFile?: string;
  /** PostgreSQL pool size. Default 10. */
  readonly poolSize?: number;
}

/** Opens the store of the configured profile. */
export function openStore(options: StoreOptions): Store {
  if (options.databaseUrl) return postgresStore(options.databaseUrl, options.poolSize ?? 10);
  let file = options.sqliteFile;
  if (!file) {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, 'herald.db');
  }
  return sqliteStore(file);
}

function sqliteStore(file: string): Store {
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const stopCheckpoints = file === ':memory:' ? null : checkpointInBackground(database, file);
  let mayWait = () => true;
  const dialect = groupCommitDialect(database, { mayWait: () => mayWait() });
  const db = new Kysely<Database>({ dialect });
  const store = wrap(
    db,
    'sqlite',
    async () => {
      await stopCheckpoints?.();
    },
    () => {
      // A schema change the migrations cannot make through the group-commit connection (see
      // clusterTables); every write of the migrations is committed by then.
      const rebuilt = clusterTables(database);
      keepUndoInMemory(database);
      return rebuilt.length > 0 ? [`clustered: ${rebuilt.join(', ')}`] : [];
    },
  );
  return {
    ...store,
    holdCommitsWhile(given) {
      mayWait = given;
    },
  };
}

/**
 * Every unit of work runs in a savepoint of the group's transaction, and SQLite keeps, for each page a
 * savepoint changes, the page as it was (the statement journal) to roll the unit back alone. Beyond
 * 64 KiB that journal goes to a temporary file: a file created, unlinked, written and closed again and
 * again, which at a steady 800 events/s made 115 such files in 3,000 events and a quarter of SQLite's
 * time (`npx tsx bench/pipeline.ts 12000 --rate=800`: 380–388 → 287–290 µs of SQLite a event, CPU
 * 1,437–1,469 → 1,269–1,300 µs). Kept in memory, it is bounded by the pages one unit changes (retention
 * deletes a thousand rows at a time); so are sorts too large for the page cache (a query ordering many
 * rows by a column without an index), which the API's paged reads avoid. Set once the migrations ran: an
 * index a future migration builds over a large table sorts all its rows, and that should go to disk.
 */
function keepUndoInMemory(database: SQLite.Database): void {
  database.pragma('temp_store = MEMORY');
}

function postgresStore(url: string, max: number): Store {
  const pool = new (pgLibrary().Pool)({
    connectionString: url,
    max,
    Client: namedStatementsClient(statementNames()),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return wrap(db, 'postgres');
}

/** Reads of the schemas Kysely makes again when another schema vanished under them. */
const MIGRATION_RETRIES = 3;

/** Whether a migration failed because a schema (not necessarily Herald's) was dropped while it read them. */
function schemaVanished(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';
}

function wrap(
  db: Kysely<Database>,
  dialect: Dialect,
  beforeClose?: () => Promise<void>,
  /** What the dialect does once the migrations ran; returns what it changed, for the applied list. */
  afterMigrate?: () => string[],
): Store {
  return {
    db,
    dialect,
    async migrate() {
      // Kysely looks for its bookkeeping tables in any schema; pin them to ours so databases that host
      // several Herald schemas (one per search_path) migrate independently.
      const schema = dialect === 'postgres' ? await currentSchema(db) : undefined;
      const migrator = new Migrator({
        db,
        provider: staticProvider(MIGRATIONS),
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      let { error, results } = await migrator.migrateToLatest();
      // Kysely finds its bookkeeping tables by reading every schema's tables, asking for each schema
      // whether it may be used: a schema another database user drops meanwhile fails that read with
      // "schema does not exist" (3F000). Nothing was migrated then: read again.
      for (let retry = 0; retry < MIGRATION_RETRIES && schemaVanished(error); retry++)
        ({ error, results } = await migrator.migrateToLatest());
      if (error) throw new Error('Database migration failed', { cause: error });
      const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      return [...applied, ...(afterMigrate?.() ?? [])];
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await beforeClose?.();
      await db.destroy();
    },
  };
}

/** A problem of the PostgreSQL connection, said in terms of the setting that chose the server. */
function databaseProblem(message: string, cause?: unknown): ValidationError {
  const error = new ValidationError(
    [{ path: 'HERALD_DATABASE_URL', message }],
    'The database named by HERALD_DATABASE_URL cannot be used',
  );
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
}

/**
 * The schema Herald's tables live in (the first of the connection's `search_path` that exists), read
 * first of all: a server that cannot be reached or refuses the login fails here, naming the setting
 * (pg's messages name the host and user, never the password).
 */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  let schema: string | null | undefined;
  try {
    schema = (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]
      ?.schema;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === '28P01' || code === '28000'
        ? 'the server refused the user or password'
        : code === '3D000'
          ? 'the database does not exist'
          : error instanceof Error
            ? error.message
            : String(error);
    throw databaseProblem(`cannot connect: ${reason}`, error);
  }
  if (!schema) {
    throw databaseProblem(
      'no schema of its search_path exists: create the schema first (CREATE SCHEMA …) or leave search_path unset',
    );
  }
  return schema;
}

function staticProvider(migrations: Readonly<Record<string, Migration>>): MigrationProvider {
  return { getMigrations: async () => ({ ...migrations }) };
}

/** True when `error` is a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? String(error.code) : '';
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
