import type SQLite from 'better-sqlite3';

/**
 * Tables every event, notification or delivery writes, with small rows and a text or composite primary
 * key. SQLite stores an ordinary table by a hidden integer rowid and such a key in an index beside it,
 * so each row written changed two B-trees before any index of its own, and a lookup by key went down
 * both. Stored WITHOUT ROWID, the table is the key's B-tree: one write and one descent fewer. That
 * matters most at COMMIT, which writes every page a group changed to the WAL (two system calls a page):
 * the pages an event dirties across these tables were most of its commit's cost.
 *
 * `events` and `notifications` stay as they are: their rows carry whole payloads (often several KB),
 * which a WITHOUT ROWID table would move to overflow pages beyond about 1 KB (SQLite advises the layout
 * for small rows).
 */
export const CLUSTERED_TABLES = [
  'jobs',
  'issues',
  'issue_environments',
  'issue_users',
  'issue_counts',
  'issue_user_buckets',
  'rule_fire_state',
  'notification_rules',
  'deliveries',
  'delivery_attempts',
] as const;

const CREATE_TABLE = /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"[^"]+"|\w+)/i;

/**
 * Rebuilds the tables (default {@link CLUSTERED_TABLES}) not yet stored WITHOUT ROWID, in one transaction, as
 * SQLite documents for schema changes ALTER TABLE cannot make: with foreign keys off (dropping a parent
 * table would otherwise delete the rows that reference it), each table is created again under a new
 * name with the same definition, filled, dropped and renamed back, and its indexes made again; foreign
 * keys are checked before the commit. Runs on the connection itself, outside any transaction (foreign
 * keys cannot be turned off inside one): call it once the migrations ended and before any other work.
 * Returns the tables it rebuilt; a database already rebuilt is left as it is.
 */
export function clusterTables(
  database: SQLite.Database,
  tables: readonly string[] = CLUSTERED_TABLES,
): string[] {
  if (database.inTransaction) throw new Error('clusterTables needs the connection outside a transaction');
  const definition = database.prepare<[string], { sql: string }>(
    "select sql from sqlite_schema where type = 'table' and name = ?",
  );
  const indexes = database.prepare<[string], { sql: string }>(
    "select sql from sqlite_schema where type = 'index' and tbl_name = ? and sql is not null",
  );
  const pending: { table: string; create: string }[] = [];
  for (const table of tables) {
    const found = definition.get(table);
    if (found !== undefined && !/\bwithout\s+rowid\s*$/i.test(found.sql))
      pending.push({ table, create: found.sql });
  }
  if (pending.length === 0) return [];
  const names = pending.map(({ table }) => table);
  const foreignKeys = database.pragma('foreign_keys', { simple: true }) === 1;
  database.pragma('foreign_keys = OFF');
  try {
    database.transaction(() => {
      for (const { table, create } of pending) {
        if (!CREATE_TABLE.test(create)) throw new Error(`unexpected definition of ${table}: ${create}`);
        const rebuilt = `${table}__clustered`;
        const madeIndexes = indexes.all(table).map((index) => index.sql);
        database.exec(`${create.replace(CREATE_TABLE, `CREATE TABLE "${rebuilt}"`)} WITHOUT ROWID`);
        database.exec(`INSERT INTO "${rebuilt}" SELECT * FROM "${table}"`);
        database.exec(`DROP TABLE "${table}"`);
        database.exec(`ALTER TABLE "${rebuilt}" RENAME TO "${table}"`);
        for (const index of madeIndexes) database.exec(index);
      }
      const broken = database.pragma('foreign_key_check') as unknown[];
      if (foreignKeys && broken.length > 0)
        throw new Error(`rebuilding ${names.join(', ')} broke ${broken.length} foreign keys`);
    })();
  } finally {
    if (foreignKeys) database.pragma('foreign_keys = ON');
  }
  return names;
}
