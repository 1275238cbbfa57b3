import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * How SQLite will run a query: the lines of its `EXPLAIN QUERY PLAN` (`SEARCH deliveries USING INDEX …`),
 * outermost loop first. Tests hold the plans of queries whose cost must not grow with the installation.
 */
export async function queryPlan<DB>(db: Kysely<DB>, query: Compilable<unknown>): Promise<string[]> {
  const { sql, parameters } = query.compile();
  const plan = await db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
  );
  return plan.rows.map((row) => row.detail);
}
