import type { ChannelLimit, RecipientLimiter } from './limiter.js';
import { MILLI } from './limiter.js';

/**
 * The same bucket as `takeToken`, in one Lua call so workers in several processes share it atomically.
 * The time comes from Herald's clock (ARGV[4]), not Redis's, so windows follow the injected clock.
 */
const TAKE = `
local capacity = tonumber(ARGV[1]) * ${MILLI}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = capacity; at = now end
if now > at then
  local refill = math.floor((now - at) * limit / window)
  tokens = math.min(capacity, tokens + refill)
  if tokens == capacity then at = now else at = at + math.floor(refill * window / limit) end
end
local taken = 0
if tokens >= ${MILLI} then tokens = tokens - ${MILLI}; taken = 1 end
redis.call('HSET', KEYS[1], 't', tokens, 'u', at)
redis.call('PEXPIRE', KEYS[1], window * 2000)
return taken
`;

/** The one ioredis method the limiter calls, so a test can hand in its own client. */
export interface RedisEval {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of the Redis-backed limiter (cluster profile). */
export interface RedisLimiterOptions {
  /** The connection; its owner (the engine) opens and closes it. */
  readonly client: RedisEval;
  /** Prefix of every key, shared with the rest of the installation. Default `herald`. */
  readonly prefix?: string;
}

/** Token buckets in Redis, for several worker processes; outside the database transaction. */
export function redisLimiter(options: RedisLimiterOptions): RecipientLimiter {
  const { client } = options;
  const prefix = `${options.prefix ?? 'herald'}:throttle:`;
  return {
    async take(_db, key: string, limit: ChannelLimit, now: number): Promise<boolean> {
      const taken = await client.eval(TAKE, 1, prefix + key, limit.limit, limit.windowSeconds, now);
      return Number(taken) === 1;
    },
  };
}
