import type { Redis, Result } from 'ioredis';
import type { Bucket, ThrottleStore } from '../core/throttle-store.ts';
import type { ClusterKeys } from './keys.ts';

/**
 * The login throttle's and the registration limit's counters in Redis, so
 * that every node of a cluster counts the same attempts: an address that
 * used up its budget on one node finds it used up on the others. A token
 * bucket is one Lua script on Redis's clock; a slot (attempts at once) a
 * counter whose expiry frees it should the node holding it die; a mark a
 * key with a time to live. Everything expires by itself: nothing is kept
 * longer than it matters, and a Redis restart only starts the counts again.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity, refill = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if state[1] then tokens = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) / refill) end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * refill) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * refill) + 1000)
return wait`;

const REFUND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity, refill = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
if not state[1] then return 0 end
local tokens = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) / refill + 1)
if tokens >= capacity then return redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * refill) + 1000)
return 1`;

const ACQUIRE = `
local taken = redis.call('INCR', KEYS[1])
if taken > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
local left = redis.call('DECR', KEYS[1])
if left <= 0 then redis.call('DEL', KEYS[1]) end
return left`;

/** A slot is freed after this even if its node never released it (it died mid-login). */
const SLOT_MS = 60_000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cnxThrottleTake(key: string, capacity: number, refillMs: number): Result<number, Context>;
    cnxThrottleRefund(key: string, capacity: number, refillMs: number): Result<number, Context>;
    cnxThrottleAcquire(key: string, limit: number, expiresMs: number): Result<number, Context>;
    cnxThrottleRelease(key: string): Result<number, Context>;
  }
}

export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;

  constructor(redis: Redis, keys: ClusterKeys) {
    this.#redis = redis;
    this.#keys = keys;
    redis.defineCommand('cnxThrottleTake', { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand('cnxThrottleRefund', { numberOfKeys: 1, lua: REFUND });
    redis.defineCommand('cnxThrottleAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('cnxThrottleRelease', { numberOfKeys: 1, lua: RELEASE });
  }

  async take(key: string, bucket: Bucket): Promise<number> {
    return Number(await this.#redis.cnxThrottleTake(this.#keys.throttle(key), bucket.capacity, bucket.refillMs));
  }

  async refund(key: string, bucket: Bucket): Promise<void> {
    await this.#redis.cnxThrottleRefund(this.#keys.throttle(key), bucket.capacity, bucket.refillMs);
  }

  async acquire(key: string, limit: number): Promise<boolean> {
    return (await this.#redis.cnxThrottleAcquire(this.#keys.throttle(key), limit, SLOT_MS)) === 1;
  }

  async release(key: string): Promise<void> {
    await this.#redis.cnxThrottleRelease(this.#keys.throttle(key));
  }

  async mark(key: string, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#keys.throttle(key), '1', 'PX', ttlMs);
  }

  async marked(key: string): Promise<boolean> {
    return (await this.#redis.exists(this.#keys.throttle(key))) === 1;
  }
}
