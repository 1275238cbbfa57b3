import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** A query compiled once; run it on the database it was prepared for, or on a transaction of it. */
export type PreparedQuery<DB, P, R> = (on: Kysely<DB>, params: P) => Promise<QueryResult<R>>;

/** What stands in for a named value while the query is compiled. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A query built and compiled once, then run with new values: for the statements run on every delivery,
 * where building and compiling a query with Kysely costs about as much as running it. `build` gets
 * stand-ins for the values named in `names` and must use each as a plain value (a comparison's right
 * side, a column's new value, an inserted value); everything else is fixed now. Kysely compiles it for
 * `db`'s dialect, so SQLite and PostgreSQL each get their own SQL text from one builder. A value given
 * as `undefined` is bound as is, where Kysely would have left the column out: pass null instead.
 */
export function preparedQuery<DB, P extends object, R>(
  db: Kysely<DB>,
  names: readonly (keyof P & string)[],
  build: (db: Kysely<DB>, params: P) => Compilable<R>,
): PreparedQuery<DB, P, R> {
  const stand = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as unknown as P;
  const query = build(db, stand).compile();
  const slots = query.parameters.map((value) => (value instanceof Slot ? value.name : null));
  const missing = names.filter((name) => !slots.includes(name));
  // A name the builder did not bind would be ignored at every run: refuse it now.
  if (missing.length > 0) throw new Error(`prepared query does not bind ${missing.join(', ')}: ${query.sql}`);
  return (on, params) => {
    const values = params as Record<string, unknown>;
    const parameters = slots.map((name, i) => (name === null ? query.parameters[i] : values[name]));
    return runCompiled<DB, R>(on, { ...query, parameters });
  };
}

/**
 * Runs a compiled query on the database or transaction given, as `executeQuery` does but with less in
 * between: Kysely's `executeQuery` makes, for every statement in a transaction, a new executor and four
 * async frames around the connection's own call (about 2.5 KB of garbage and 0.5–1 µs a statement, some
 * ten statements an event). The executor's `provideConnection` is what a transaction guards (a statement
 * on a transaction that ended throws) and what serializes its statements, so both are kept. Results pass
 * through Kysely's plugins only on `executeQuery`: with a plugin installed, that path is taken.
 */
export async function runCompiled<DB, R>(on: Kysely<DB>, query: CompiledQuery): Promise<QueryResult<R>> {
  const executor = on.getExecutor();
  if (executor.plugins.length > 0) return on.executeQuery<R>(query);
  return executor.provideConnection((connection) => connection.executeQuery<R>(query));
}

/**
 * {@link preparedQuery} for a statement that runs on whichever database or transaction it is given (a
 * free function, not a stage holding its database): compiled the first time it runs on each SQL dialect.
 */
export function preparedStatement<DB, P extends object, R>(
  names: readonly (keyof P & string)[],
  build: (db: Kysely<DB>, params: P) => Compilable<R>,
): PreparedQuery<DB, P, R> {
  const byDialect = new WeakMap<object, PreparedQuery<DB, P, R>>();
  return (on, params) => {
    const dialect = on.getExecutor().adapter;
    let query = byDialect.get(dialect);
    if (!query) {
      query = preparedQuery(on, names, build);
      byDialect.set(dialect, query);
    }
    return query(on, params);
  };
}
