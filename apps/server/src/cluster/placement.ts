import type { Redis, Result } from 'ioredis';
import type { Placement } from '../core/cluster.ts';
import type { Logger } from '../core/log.ts';
import type { ClusterNode } from './node.ts';

/**
 * Which node holds a name (a group chat room), as a Redis key with a lease:
 * the first node that needs the name takes it, renews it with its
 * heartbeat, and the others forward there. When the holder dies its lease
 * runs out (or, as soon as this node has seen its node lease run out, the
 * name is taken from it at once) and the next node that needs the name
 * takes it over. A holder cut off from Redis longer than the lease finds
 * the name taken when it is back, and lets go (onLost).
 */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if not holder or holder == ARGV[1] or (ARGV[3] ~= '' and holder == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return holder`;

const RENEW = `
local lost = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if not holder or holder == ARGV[1] then redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  else table.insert(lost, i) end
end
return lost`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cnxPlaceClaim(key: string, node: string, leaseMs: number, deadHolder: string): Result<string, Context>;
    cnxPlaceRelease(key: string, node: string): Result<number, Context>;
  }
}

export class RedisPlacement implements Placement {
  readonly #node: ClusterNode;
  readonly #redis: Redis;
  readonly #log: Logger;
  readonly #held = new Set<string>();
  readonly #lostHandlers: ((name: string) => void)[] = [];

  constructor(node: ClusterNode, log: Logger) {
    this.#node = node;
    this.#redis = node.redis;
    this.#log = log;
    this.#redis.defineCommand('cnxPlaceClaim', { numberOfKeys: 1, lua: CLAIM });
    this.#redis.defineCommand('cnxPlaceRelease', { numberOfKeys: 1, lua: RELEASE });
  }

  async locate(name: string): Promise<{ node: string; local: boolean }> {
    const me = this.#node.nodeId;
    if (this.#held.has(name)) return { node: me, local: true };
    const key = this.#node.keys.place(name);
    let holder = await this.#redis.cnxPlaceClaim(key, me, this.#node.leaseMs, '');
    if (holder !== me && !this.#node.isAlive(holder)) {
      // Its node's lease ran out: take the name over now rather than when the name's lease does.
      holder = await this.#redis.cnxPlaceClaim(key, me, this.#node.leaseMs, holder);
    }
    if (holder !== me) return { node: holder, local: false };
    this.#held.add(name);
    return { node: me, local: true };
  }

  async holder(name: string): Promise<string | null> {
    if (this.#held.has(name)) return this.#node.nodeId;
    const holder = await this.#redis.get(this.#node.keys.place(name));
    return holder && this.#node.isAlive(holder) ? holder : null;
  }

  async release(name: string): Promise<void> {
    if (!this.#held.delete(name)) return;
    await this.#redis.cnxPlaceRelease(this.#node.keys.place(name), this.#node.nodeId).catch(() => undefined);
  }

  onLost(handler: (name: string) => void): void {
    this.#lostHandlers.push(handler);
  }

  /** With every heartbeat: keeps the names this node holds, and lets go of those another node took. */
  async renew(): Promise<void> {
    const names = [...this.#held];
    if (names.length === 0) return;
    let lost: number[];
    try {
      const keys = names.map((name) => this.#node.keys.place(name));
      lost = await this.#redis.eval(RENEW, keys.length, ...keys, this.#node.nodeId, this.#node.leaseMs) as number[];
    } catch (error) {
      this.#log.warn({ err: error }, 'could not renew what this node holds');
      return;
    }
    for (const index of lost) {
      const name = names[index - 1]!;
      this.#held.delete(name);
      // Not the name: it is a room's address.
      this.#log.warn('another node took over a room or component this node held');
      for (const handler of this.#lostHandlers) handler(name);
    }
  }

  /** At shutdown: every name goes at once, so the next node need not wait for its lease. */
  async releaseAll(): Promise<void> {
    for (const name of [...this.#held]) await this.release(name);
  }
}
