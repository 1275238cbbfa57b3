import { type Compilable, CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import { runCompiled } from './prepared-query.js';
import type { Database } from './schema.js';

/** Where a prepared statement runs: the database or one of its transactions. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Most rows one statement carries; longer lists are cut into several statements. */
export const MAX_ROWS = 256;

/** A compiled statement: its SQL, and for each parameter the slot of a row value or a constant. */
interface Template {
  readonly sql: string;
  /** A number `row * columns + column`, or a constant wrapped in an object. */
  readonly slots: readonly (number | { readonly value: unknown })[];
}

/**
 * A statement over a list of rows, built with Kysely once per row count and afterwards only re-bound.
 * Building and compiling a query costs more than SQLite takes to run it; ingest runs the same few shapes
 * thousands of times a second. `build` receives rows whose values are markers, so it must pass values
 * through to Kysely untouched (no branching on them); `columns` names every value it may use. Lists
 * longer than {@link MAX_ROWS} run as several statements, their result rows concatenated. `build` also
 * gets the database or transaction the statement first runs on, for its SQL dialect: templates are kept
 * per dialect, so one statement serves SQLite and PostgreSQL.
 */
export function preparedRows<Row extends object, R = unknown>(
  columns: readonly (keyof Row & string)[],
  build: (rows: readonly Row[], db: Executor) => Compilable<R>,
): (db: Executor, rows: readonly Row[]) => Promise<R[]> {
  const run = preparedChunks(columns, build);
  return async (db, rows) => {
    const results = await run(db, rows);
    return results.length === 1 ? results[0]!.rows : results.flatMap((result) => result.rows);
  };
}

/**
 * {@link preparedRows} for a write whose caller needs only how many rows it changed (an insert that skips
 * conflicting rows, without RETURNING: on SQLite that costs about as much again as the insert).
 */
export function preparedWrites<Row extends object>(
  columns: readonly (keyof Row & string)[],
  build: (rows: readonly Row[], db: Executor) => Compilable<unknown>,
): (db: Executor, rows: readonly Row[]) => Promise<number> {
  const run = preparedChunks(columns, build);
  return async (db, rows) =>
    (await run(db, rows)).reduce((sum, result) => sum + Number(result.numAffectedRows ?? 0), 0);
}

/** The statements of {@link preparedRows}, one result per chunk of at most {@link MAX_ROWS} rows. */
function preparedChunks<Row extends object, R>(
  columns: readonly (keyof Row & string)[],
  build: (rows: readonly Row[], db: Executor) => Compilable<R>,
): (db: Executor, rows: readonly Row[]) => Promise<QueryResult<R>[]> {
  const byDialect = new WeakMap<object, Map<number, Template>>();

  function template(db: Executor, count: number): Template {
    const dialect = db.getExecutor().adapter;
    let templates = byDialect.get(dialect);
    if (!templates) {
      templates = new Map();
      byDialect.set(dialect, templates);
    }
    let found = templates.get(count);
    if (found) return found;
    const markers = new Map<string, number>();
    const rows: Row[] = [];
    for (let r = 0; r < count; r++) {
      const row: Record<string, string> = {};
      for (const [c, column] of columns.entries()) {
        const marker = `\u0000${r}:${c}`;
        markers.set(marker, r * columns.length + c);
        row[column] = marker;
      }
      rows.push(row as Row);
    }
    const compiled = build(rows, db).compile();
    // A marker written into the SQL text instead of bound would silently bind nothing: refuse such a build.
    if (compiled.sql.includes('\u0000'))
      throw new Error('preparedRows: a row value was inlined into the SQL');
    found = {
      sql: compiled.sql,
      slots: compiled.parameters.map((p) => {
        const slot = typeof p === 'string' ? markers.get(p) : undefined;
        return slot ?? { value: p };
      }),
    };
    templates.set(count, found);
    return found;
  }

  function runChunk(db: Executor, rows: readonly Row[]): Promise<QueryResult<R>> {
    const { sql, slots } = template(db, rows.length);
    const width = columns.length;
    const parameters = slots.map((slot) => {
      if (typeof slot !== 'number') return slot.value;
      const row = rows[Math.floor(slot / width)] as Record<string, unknown>;
      return row[columns[slot % width]!];
    });
    return runCompiled<Database, R>(db, CompiledQuery.raw(sql, parameters));
  }

  return async (db, rows) => {
    if (rows.length === 0) return [];
    if (rows.length <= MAX_ROWS) return [await runChunk(db, rows)];
    const out: QueryResult<R>[] = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS) out.push(await runChunk(db, rows.slice(i, i + MAX_ROWS)));
    return out;
  };
}
