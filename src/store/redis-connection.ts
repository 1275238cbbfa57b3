import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { ioredisLibrary } from './cluster-libraries.js';

/**
 * Least time between two log lines of one connection: ioredis reports every reconnection attempt (some
 * every 2 s, and 20 a second at first), and one line per outage and interval says as much.
 */
export const REDIS_LOG_INTERVAL_MS = 10_000;

/** Options of one of Herald's Redis connections. */
export interface RedisConnectionOptions {
  /** `redis://…`, credentials included; they never reach a log line. */
  readonly url: string;
  /** What the connection is for, named in its log lines (`limits`, `doorbell`…). */
  readonly name: string;
  readonly logger: Logger;
  /** Spaces the log lines of an outage. Default the wall clock. */
  readonly clock?: Clock;
  /** The log line's message. Default `redis unavailable`. */
  readonly message?: string;
  /** ioredis options of this connection. */
  readonly options?: RedisOptions;
}

/**
 * Opens an ioredis connection that reports its failures through Herald's logger. Without an `error`
 * listener ioredis writes each failed reconnection attempt to stderr, unstructured.
 */
export function redisConnection(options: RedisConnectionOptions): Redis {
  const client = new (ioredisLibrary().Redis)(options.url, options.options ?? {});
  client.on('error', redisErrorLog(options));
  return client;
}

/**
 * Logs a connection's errors, at most one line per {@link REDIS_LOG_INTERVAL_MS}, as fields made here:
 * an ioredis error may carry the command it failed on, and the failed command of a wrong password is the
 * AUTH (or HELLO) holding it.
 */
export function redisErrorLog(options: RedisConnectionOptions): (error: unknown) => void {
  const clock = options.clock ?? systemClock;
  const redis = redisLocation(options.url);
  const secrets = passwordsOf(options.url);
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const now = clock.now();
    if (now - last < REDIS_LOG_INTERVAL_MS) return;
    last = now;
    options.logger.error(
      { connection: options.name, redis, error: describeError(error, secrets) },
      options.message ?? 'redis unavailable',
    );
  };
}

/** A Redis URL without its user name and password, for log lines and messages. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an invalid redis URL)';
  }
}

/**
 * Whether Redis answers a PING within `timeoutMs` on `client`. While the connection is down, ioredis
 * holds the PING until it reconnects or gives up; the probe answers false at the timeout either way.
 */
export async function pingRedis(client: Pick<Redis, 'ping'>, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      client.ping().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function passwordsOf(url: string): string[] {
  try {
    const { password } = new URL(url);
    return [password, decodeURIComponent(password)].filter((value) => value.length > 0);
  } catch {
    return [];
  }
}

function describeError(error: unknown, secrets: readonly string[]): Record<string, string> {
  if (!(error instanceof Error)) return { message: scrub(String(error), secrets) };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  // Node reports a refused connection to a name with several addresses as an AggregateError, message ''.
  const message = scrub(error.message, secrets) || code || error.name;
  return { type: error.name, message, ...(code ? { code } : {}) };
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}
