import type { CompiledQuery, DatabaseConnection, Kysely } from 'kysely';

/** `target` with some of its methods replaced, the others bound to it (they may use private fields). */
function replacing<T extends object>(target: T, replaced: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && property in replaced) return replaced[property];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/**
 * The database, telling `seen` every statement run on it outside a transaction, whether it goes through
 * `executeQuery` or runs on the connection the executor provides (prepared statements).
 */
export function countingDb<DB>(db: Kysely<DB>, seen: (query: CompiledQuery) => void): Kysely<DB> {
  return replacing(db, {
    executeQuery: (query: CompiledQuery) => {
      seen(query);
      return db.executeQuery(query);
    },
    getExecutor: () => {
      const executor = db.getExecutor();
      return replacing(executor, {
        provideConnection: (consume: (connection: DatabaseConnection) => Promise<unknown>) =>
          executor.provideConnection((connection) =>
            consume(
              replacing(connection, {
                executeQuery: (query: CompiledQuery) => {
                  seen(query);
                  return connection.executeQuery(query);
                },
              }),
            ),
          ),
      });
    },
  });
}
