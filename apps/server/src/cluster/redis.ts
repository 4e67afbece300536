import { Redis } from 'ioredis';

/**
 * Connections to the Redis a cluster shares (cluster.redis_url), through
 * ioredis: it reconnects by itself and subscribes again after a
 * reconnection, keeps commands issued while disconnected until the link is
 * back, pipelines commands issued together, and runs our Lua scripts by
 * their hash (loading them again after a Redis restart).
 *
 * The first connection must succeed at once, or the node does not start:
 * a wrong address or password is a configuration error, said in one line
 * that names the option and never shows the password.
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** host:port of a Redis URL, without credentials, for messages and logs. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an unreadable address';
  }
}

/** Why a connection failed, in words an operator can act on. */
export function explainRedisError(url: string, error: Error | undefined): string {
  const target = redisTarget(url);
  const message = error?.message ?? '';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) return `Redis at ${target} refused the password in cluster.redis_url (CONEXIZAN_REDIS_URL)`;
  if (/NOAUTH/.test(message)) return `Redis at ${target} needs a password: give it in cluster.redis_url as redis://:PASSWORD@${target}`;
  if (code === 'ECONNREFUSED') return `cannot reach Redis at ${target}: connection refused (cluster.redis_url, CONEXIZAN_REDIS_URL)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach Redis at ${target}: no such host (cluster.redis_url, CONEXIZAN_REDIS_URL)`;
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) return `cannot reach Redis at ${target}: no answer in time (cluster.redis_url, CONEXIZAN_REDIS_URL)`;
  return `cannot use Redis at ${target}: ${message || 'the connection closed'} (cluster.redis_url, CONEXIZAN_REDIS_URL)`;
}

export interface RedisOptions {
  /** shown in Redis's CLIENT LIST, e.g. conexizan:node-1:commands */
  name: string;
  connectTimeoutMs?: number;
}

/**
 * Opens a connection and waits until it is usable (authenticated, PING
 * answered). After that first success it reconnects on its own for ever,
 * backing off to 2 s between attempts; until then a failure is final.
 */
export async function connectRedis(url: string, options: RedisOptions): Promise<Redis> {
  let established = false;
  let lastError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // Commands wait for a reconnection rather than fail after a fixed number of attempts:
    // what must not wait has its own deadline (cluster/node.ts).
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => (established ? Math.min(100 * attempt, 2000) : null),
  });
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(explainRedisError(url, lastError ?? (error as Error)));
  }
  established = true;
  return redis;
}
