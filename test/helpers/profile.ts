import pg from 'pg';

/** The database profile a test run uses: `sqlite` (default) or `postgres` (HERALD_TEST_PROFILE). */
export const PROFILE = process.env.HERALD_TEST_PROFILE === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL server tests use. */
export const TEST_DATABASE_URL =
  process.env.HERALD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The Redis server tests use. */
export const TEST_REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether suites of this profile must be skipped: only when PostgreSQL is unreachable outside CI. In CI
 * (`CI=true`) an unreachable server fails the run instead.
 */
export const SKIP_PROFILE: boolean = await (async () => {
  if (PROFILE !== 'postgres') return false;
  const problem = await probePostgres();
  if (problem === null) return false;
  if (process.env.CI === 'true')
    throw new Error(`PostgreSQL is required in CI but ${TEST_DATABASE_URL} failed: ${problem}`);
  process.stderr.write(
    `\nPostgreSQL at ${TEST_DATABASE_URL} is not reachable (${problem}): PostgreSQL suites are skipped.\n`,
  );
  return true;
})();

/**
 * Whether a test that needs PostgreSQL whatever the run's profile (real processes of the cluster profile)
 * must be skipped: only when it is unreachable outside CI; in CI that fails the run instead.
 */
export async function skipWithoutPostgres(what: string): Promise<boolean> {
  const problem = await probePostgres();
  if (problem === null) return false;
  if (process.env.CI === 'true')
    throw new Error(`PostgreSQL is required in CI but ${TEST_DATABASE_URL} failed: ${problem}`);
  process.stderr.write(
    `\nPostgreSQL at ${TEST_DATABASE_URL} is not reachable (${problem}): ${what} is skipped.\n`,
  );
  return true;
}
