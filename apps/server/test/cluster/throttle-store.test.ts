import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/keys.ts';
import { RedisThrottleStore } from '../../src/cluster/throttle-store.ts';
import { MemoryThrottleStore, type Bucket } from '../../src/core/throttle-store.ts';
import { startRedis, type RedisInstance } from '../support/redis.ts';

/**
 * The login throttle's counters in a real Redis behave as the in-memory ones
 * do, and two nodes (two stores on one Redis) count together.
 */
let redis: RedisInstance;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis({ address: '127.0.0.55' });
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

function node(): RedisThrottleStore {
  const client = new Redis(redis.url);
  clients.push(client);
  return new RedisThrottleStore(client, new ClusterKeys('throttle.example'));
}

const bucket: Bucket = { capacity: 3, refillMs: 60_000 };

describe('the throttle counters in Redis', () => {
  it('spend a bucket across nodes: three tokens in all, then the wait until the next', async () => {
    const one = node();
    const two = node();
    expect(await one.take('addr:a', bucket)).toBe(0);
    expect(await two.take('addr:a', bucket)).toBe(0);
    expect(await one.take('addr:a', bucket)).toBe(0);
    const wait = await two.take('addr:a', bucket);
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    // A refund on one node gives the other a token back.
    await one.refund('addr:a', bucket);
    expect(await two.take('addr:a', bucket)).toBe(0);
  });

  it('behave like the in-memory store for the same sequence', async () => {
    const shared = node();
    const memory = new MemoryThrottleStore();
    const small: Bucket = { capacity: 2, refillMs: 10_000 };
    const results: [unknown, unknown][] = [];
    for (const step of ['take', 'take', 'take', 'refund', 'take', 'take'] as const) {
      if (step === 'take') results.push([(await shared.take('k', small)) > 0, (await memory.take('k', small)) > 0]);
      else {
        await shared.refund('k', small);
        await memory.refund('k', small);
      }
    }
    for (const [inRedis, inMemory] of results) expect(inRedis).toBe(inMemory);
  });

  it('share slots between nodes and free them again', async () => {
    const one = node();
    const two = node();
    expect(await one.acquire('busy:b', 2)).toBe(true);
    expect(await two.acquire('busy:b', 2)).toBe(true);
    expect(await one.acquire('busy:b', 2)).toBe(false);
    await two.release('busy:b');
    expect(await one.acquire('busy:b', 2)).toBe(true);
  });

  it('share marks, which expire', async () => {
    const one = node();
    const two = node();
    expect(await two.marked('known:c')).toBe(false);
    await one.mark('known:c', 300);
    expect(await two.marked('known:c')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await two.marked('known:c')).toBe(false);
  });
});
