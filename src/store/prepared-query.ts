import type { Compilable, Kysely, QueryResult } from 'kysely';

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
    return on.executeQuery<R>({ ...query, parameters });
  };
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
