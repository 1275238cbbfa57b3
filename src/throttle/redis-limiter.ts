import type { ChannelLimit, TakeResult, TokenBuckets } from './limiter.js';
import { MILLI } from './limiter.js';

/**
 * The same bucket as `takeToken`, in one Lua call so workers in several processes share it atomically.
 * The time comes from Herald's clock (ARGV[3]), not Redis's, so windows follow the injected clock;
 * ARGV[4] tokens are taken at once or none. Answers {taken, milliseconds until the tokens would be there}.
 */
const TAKE = `
local capacity = tonumber(ARGV[1]) * ${MILLI}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4]) * ${MILLI}
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
local wait = 0
if tokens >= wanted then tokens = tokens - wanted; taken = 1
elseif wanted > capacity then wait = window * 1000
else wait = math.ceil((wanted - tokens) * window / limit) end
redis.call('HSET', KEYS[1], 't', tokens, 'u', at)
redis.call('PEXPIRE', KEYS[1], window * 2000)
return {taken, wait}
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
export function redisLimiter(options: RedisLimiterOptions): TokenBuckets {
  const { client } = options;
  const prefix = `${options.prefix ?? 'herald'}:throttle:`;
  async function takeMany(
    key: string,
    limit: ChannelLimit,
    tokens: number,
    now: number,
  ): Promise<TakeResult> {
    const answer = await client.eval(TAKE, 1, prefix + key, limit.limit, limit.windowSeconds, now, tokens);
    const [taken, wait] = Array.isArray(answer) ? answer : [];
    return { taken: Number(taken) === 1, waitMs: Number(wait ?? 0) };
  }
  return {
    async take(_db, key: string, limit: ChannelLimit, now: number): Promise<boolean> {
      return (await takeMany(key, limit, 1, now)).taken;
    },
    takeMany: (_db, key, limit, tokens, now) => takeMany(key, limit, tokens, now),
  };
}
