import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './profile.js';

async function probeRedis(): Promise<string | null> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

/**
 * Whether suites that need Redis must be skipped: only when Redis is unreachable outside CI. In CI
 * (`CI=true`) an unreachable server fails the run instead.
 */
export const SKIP_REDIS: boolean = await (async () => {
  const problem = await probeRedis();
  if (problem === null) return false;
  if (process.env.CI === 'true')
    throw new Error(`Redis is required in CI but ${TEST_REDIS_URL} failed: ${problem}`);
  process.stderr.write(
    `\nRedis at ${TEST_REDIS_URL} is not reachable (${problem}): Redis suites are skipped.\n`,
  );
  return true;
})();

/** A Redis key prefix of its own, so test files running at once never see each other's jobs. */
export function freshRedisPrefix(): string {
  return `herald-test-${randomBytes(5).toString('hex')}`;
}

/** Removes every key under `prefix`. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A loopback port nothing listens on (a Redis that is down): taken from the system, then given back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
