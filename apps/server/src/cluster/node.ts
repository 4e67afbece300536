import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { Element } from '@conexizan/protocol';
import type { Cluster, ClusterHealth } from '../core/cluster.ts';
import type { Logger } from '../core/log.ts';
import type { Origin } from '../core/router.ts';
import { ClusterKeys } from './keys.ts';
import { Outbox } from './outbox.ts';
import type { RedisPlacement } from './placement.ts';

/**
 * This process as a node of a cluster: its membership (a lease renewed by
 * a heartbeat; a node whose lease runs out is dead, and one other node
 * cleans up after it), its Redis pub/sub channel (what other nodes send
 * it: stanzas for its sessions, stanzas to route, requests and answers),
 * and the channel every node hears (cache invalidations, registry changes).
 *
 * What is sent to one node goes through an Outbox: when Redis says nobody
 * listens on that node's channel (it died, or its link is being
 * re-established), what was sent waits and is tried again until the node
 * answers or its lease runs out; then each item's `undelivered` runs, so a
 * stanza for a dead node is delivered elsewhere instead of vanishing.
 */
type Envelope = { t: string; f: string } & Record<string, unknown>;
type ChannelHandler = (envelope: Envelope) => void;

const REQUEST_TIMEOUT_MS = 5000;
/** the request broadcastAndWait sends each live node */
const BROADCAST_REQUEST = 'cluster/broadcast';
/** what carries a stanza (for the count of stanzas routed between nodes) */
const STANZA_TYPES = new Set(['deliver', 'route']);

const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[3]) == 1 then return {'dead', now} end
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if holder and holder ~= ARGV[2] then
  local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if score and tonumber(score) >= now then return {'taken', now} end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return {'ok', now, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}`;

/** Who holds a node id now: {holder incarnation or false, lease end or false, now}. */
const HOLDER = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {redis.call('HGET', KEYS[2], ARGV[1]), redis.call('ZSCORE', KEYS[1], ARGV[1]), now}`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cnxHeartbeat(nodes: string, incarnations: string, tomb: string, node: string, incarnation: string, leaseMs: number): Result<unknown[], Context>;
    cnxHolder(nodes: string, incarnations: string, node: string): Result<[string | null, string | null, number], Context>;
  }
}

export interface ClusterNodeOptions {
  nodeId: string;
  domain: string;
  /** a node that has not renewed its lease for this long is dead */
  leaseMs: number;
  log: Logger;
}

export interface NodeEvents {
  /** a node's lease ran out: `cleanUp` says whether this node won the right to clean up after it */
  nodeDied(node: string, cleanUp: boolean): Promise<void>;
  /** this node came back after being declared dead: its clients must reconnect */
  declaredDead(): Promise<void>;
  /** the link to Redis came back (or this node found itself forgotten): write local state again, reload the rest */
  resync(): Promise<void>;
}

export class ClusterNode implements Cluster {
  readonly nodeId: string;
  readonly tag: string;
  readonly keys: ClusterKeys;
  readonly leaseMs: number;
  readonly redis: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  readonly #incarnation = randomBytes(12).toString('base64url');
  /** node → when its lease ends, as of the last heartbeat (Redis's clock) */
  #leases = new Map<string, number>();
  /** Redis's clock minus ours, so leases are compared on one clock */
  #clockOffset = 0;
  readonly #dying = new Set<string>();
  readonly #channelHandlers = new Map<string, ChannelHandler>();
  readonly #topics = new Map<string, ((message: string | null) => void)[]>();
  readonly #requestHandlers = new Map<string, (payload: unknown, from: string) => Promise<unknown>>();
  readonly #pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  readonly #outboxes = new Map<string, Outbox>();
  #events: NodeEvents | null = null;
  #placement: RedisPlacement | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  #linkLost = false;
  #stopped = false;
  /** stanzas sent to and received from other nodes (metrics) */
  readonly traffic = { sent: 0, received: 0 };

  constructor(redis: Redis, subscriber: Redis, options: ClusterNodeOptions) {
    this.redis = redis;
    this.#subscriber = subscriber;
    this.nodeId = options.nodeId;
    this.tag = nodeTag(options.nodeId);
    this.keys = new ClusterKeys(options.domain);
    this.leaseMs = options.leaseMs;
    this.#log = options.log;
    redis.defineCommand('cnxHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT });
    redis.defineCommand('cnxHolder', { numberOfKeys: 2, lua: HOLDER });
    this.onChannel('request', (envelope) => void this.#answer(envelope));
    this.onChannel('answer', (envelope) => this.#settle(envelope));
    this.onRequest(BROADCAST_REQUEST, async (payload) => {
      const { t, m } = payload as { t: string; m: string };
      this.#runTopic(t, m);
      return true;
    });
  }

  get placement(): RedisPlacement {
    if (!this.#placement) throw new Error('the cluster has no placement yet');
    return this.#placement;
  }

  setPlacement(placement: RedisPlacement): void {
    this.#placement = placement;
  }

  /** Whether the node held its lease at the last heartbeat (this node always is). */
  isAlive(node: string): boolean {
    if (node === this.nodeId) return true;
    const until = this.#leases.get(node);
    return until !== undefined && until >= Date.now() + this.#clockOffset;
  }

  /** the live nodes, as of the last heartbeat */
  aliveNodes(): string[] {
    return [...this.#leases.keys()].filter((node) => this.isAlive(node));
  }

  get redisReady(): boolean {
    return this.redis.status === 'ready' && this.#subscriber.status === 'ready';
  }

  nodeTagged(tag: string): string | null {
    if (tag === this.tag) return this.nodeId;
    for (const node of this.#leases.keys()) if (nodeTag(node) === tag && this.isAlive(node)) return node;
    return null;
  }

  /**
   * Joins the cluster: waits until no other live process uses this node id
   * (a previous run killed moments ago lets go within one lease), and
   * refuses to start if one does.
   */
  async join(events: NodeEvents): Promise<{ leftovers: boolean }> {
    this.#events = events;
    const deadline = Date.now() + 2 * this.leaseMs + 1000;
    let leftovers = false;
    for (;;) {
      const [holder, lease, now] = await this.redis.cnxHolder(this.keys.nodes, this.keys.incarnations, this.nodeId);
      if (!holder || holder === this.#incarnation) break;
      leftovers = true;
      if (lease === null || Number(lease) < now) break;
      if (Date.now() > deadline) {
        throw new Error(`cluster.node_id "${this.nodeId}" is in use by another running node: give every node its own (CONEXIZAN_NODE_ID)`);
      }
      await delay(Math.min(Number(lease) - now + 100, 1000));
    }
    leftovers ||= (await this.redis.scard(this.keys.nodeSessions(this.nodeId))) > 0;
    await this.redis.del(this.keys.tomb(this.nodeId));
    return { leftovers };
  }

  /** Subscribes to this node's channel and the one every node hears (once the handlers are in place). */
  async listen(): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    await this.#subscriber.subscribe(this.keys.nodeChannel(this.nodeId), this.keys.everyone);
  }

  /** Starts the heartbeat and watches the links; call once the registry is loaded. */
  start(): void {
    const interval = Math.max(200, Math.floor(this.leaseMs / 5));
    this.#heartbeatTimer = setInterval(() => void this.heartbeat(), interval);
    this.#heartbeatTimer.unref();
    for (const connection of [this.redis, this.#subscriber]) {
      connection.on('close', () => {
        if (!this.#stopped && !this.#linkLost) this.#log.warn('lost the link to Redis; reconnecting');
        this.#linkLost = true;
      });
      connection.on('ready', () => {
        if (this.#linkLost && this.redisReady) {
          this.#linkLost = false;
          this.#log.info('the link to Redis is back');
          void this.#resync();
        }
      });
    }
  }

  /** Renews this node's lease and learns who else is alive (and who died). */
  heartbeat(): Promise<void> {
    // Never rejects: it runs from a timer, and a failed beat is retried by the next one.
    this.#beating ??= this.#beat()
      .catch((error: unknown) => this.#log.warn({ err: error }, 'cluster heartbeat failed'))
      .finally(() => (this.#beating = null));
    return this.#beating;
  }

  async #beat(): Promise<void> {
    if (this.#stopped || this.redis.status !== 'ready') return;
    let result: unknown[];
    try {
      result = await this.redis.cnxHeartbeat(this.keys.nodes, this.keys.incarnations, this.keys.tomb(this.nodeId), this.nodeId, this.#incarnation, this.leaseMs);
    } catch (error) {
      this.#log.warn({ err: error }, 'cluster heartbeat failed');
      return;
    }
    const [status, now] = result as [string, number, string[]];
    this.#clockOffset = Number(now) - Date.now();
    if (status === 'dead' || status === 'taken') {
      this.#log.warn({ node: this.nodeId, status }, status === 'dead'
        ? 'this node was cut off longer than cluster.node_timeout_seconds and the others cleaned up after it: its clients reconnect'
        : `another process uses cluster.node_id "${this.nodeId}": this node's clients reconnect elsewhere`);
      await this.#events?.declaredDead();
      if (status === 'dead') await this.redis.del(this.keys.tomb(this.nodeId));
      return;
    }
    const members = result[2] as string[];
    const leases = new Map<string, number>();
    for (let i = 0; i + 1 < members.length; i += 2) leases.set(members[i]!, Number(members[i + 1]));
    this.#leases = leases;
    await this.#placement?.renew();
    for (const [node, until] of leases) {
      if (node === this.nodeId || until >= Number(now) || this.#dying.has(node)) continue;
      this.#dying.add(node);
      void this.#buryNode(node)
        .catch((error: unknown) => this.#log.error({ err: error, dead: node }, 'could not clean up after a dead node'))
        .finally(() => this.#dying.delete(node));
    }
    for (const [node, outbox] of this.#outboxes) if (!this.isAlive(node)) outbox.fail();
  }

  /** A node's lease ran out: the first node to take its tomb cleans up after it. */
  async #buryNode(node: string): Promise<void> {
    const won = (await this.redis.set(this.keys.tomb(node), this.nodeId, 'EX', 600, 'NX')) === 'OK';
    this.#log.warn({ dead: node, cleaningUp: won }, 'a node of the cluster stopped renewing its lease: it is taken for dead');
    for (const outbox of [this.#outboxes.get(node)]) outbox?.fail();
    try {
      await this.#events?.nodeDied(node, won);
    } finally {
      if (won) {
        await this.redis.multi().zrem(this.keys.nodes, node).hdel(this.keys.incarnations, node).del(this.keys.nodeSessions(node)).exec();
      }
    }
  }

  async #resync(): Promise<void> {
    await this.heartbeat();
    try {
      await this.#events?.resync();
    } catch (error) {
      this.#log.warn({ err: error }, 'could not write this node\'s state to Redis again');
    }
    for (const topic of [...this.#topics.keys()]) this.#runTopic(topic, null);
  }

  /** What arrives on this node's channel with type `type`. */
  onChannel(type: string, handler: ChannelHandler): void {
    this.#channelHandlers.set(type, handler);
  }

  /** Sends to one node's channel; `undelivered` runs if that node is gone before it took it. */
  send(node: string, type: string, fields: Record<string, unknown>, undelivered: () => void): void {
    let outbox = this.#outboxes.get(node);
    if (!outbox) {
      outbox = new Outbox(this.redis, this.keys.nodeChannel(node), () => this.isAlive(node), () => this.#outboxes.delete(node));
      this.#outboxes.set(node, outbox);
    }
    if (STANZA_TYPES.has(type)) this.traffic.sent++;
    outbox.send(JSON.stringify({ t: type, f: this.nodeId, ...fields }), undelivered);
  }

  #onMessage(channel: string, message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.f === this.nodeId) return;
    if (channel === this.keys.everyone) {
      this.#runTopic(envelope.t, String(envelope.m));
      return;
    }
    if (STANZA_TYPES.has(envelope.t)) this.traffic.received++;
    try {
      this.#channelHandlers.get(envelope.t)?.(envelope);
    } catch (error) {
      this.#log.error({ err: error, type: envelope.t }, 'a message from another node failed');
    }
  }

  broadcast(topic: string, message: string): void {
    this.redis.publish(this.keys.everyone, JSON.stringify({ t: topic, f: this.nodeId, m: message })).catch((error: unknown) => {
      this.#log.warn({ err: error, topic }, 'could not tell the other nodes');
    });
  }

  async broadcastAndWait(topic: string, message: string): Promise<void> {
    // The publish reaches a node that joined since the last heartbeat; the requests are what is waited for.
    this.broadcast(topic, message);
    const others = this.aliveNodes().filter((node) => node !== this.nodeId);
    const outcomes = await Promise.allSettled(others.map((node) => this.request(node, BROADCAST_REQUEST, { t: topic, m: message })));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') this.#log.warn({ err: outcome.reason, node: others[i], topic }, 'a node did not confirm a change in time');
    });
  }

  #runTopic(topic: string, message: string | null): void {
    for (const handler of [...(this.#topics.get(topic) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        this.#log.error({ err: error, topic }, 'a broadcast handler failed');
      }
    }
  }

  onBroadcast(topic: string, handler: (message: string | null) => void): void {
    const list = this.#topics.get(topic) ?? [];
    list.push(handler);
    this.#topics.set(topic, list);
  }

  forward(node: string, stanza: Element, origin: Origin, undelivered: () => void): void {
    this.send(node, 'route', { x: stanza.toString(), o: originToJson(origin) }, undelivered);
  }

  request(node: string, method: string, payload: unknown): Promise<unknown> {
    if (!this.isAlive(node)) return Promise.reject(new Error(`node ${node} is not alive`));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`node ${node} did not answer ${method} in time`));
      }, REQUEST_TIMEOUT_MS);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      this.send(node, 'request', { id, m: method, p: payload }, () => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new Error(`node ${node} is gone`));
      });
    });
  }

  onRequest(method: string, handler: (payload: unknown, from: string) => Promise<unknown>): void {
    this.#requestHandlers.set(method, handler);
  }

  async #answer(envelope: Envelope): Promise<void> {
    const handler = this.#requestHandlers.get(String(envelope.m));
    let answer: Record<string, unknown>;
    try {
      if (!handler) throw new Error(`no handler for ${String(envelope.m)}`);
      answer = { id: envelope.id, ok: true, p: await handler(envelope.p, envelope.f) };
    } catch (error) {
      answer = { id: envelope.id, ok: false, e: (error as Error).message };
    }
    this.send(envelope.f, 'answer', answer, () => undefined);
  }

  #settle(envelope: Envelope): void {
    const pending = this.#pending.get(String(envelope.id));
    if (!pending) return;
    this.#pending.delete(String(envelope.id));
    clearTimeout(pending.timer);
    if (envelope.ok) pending.resolve(envelope.p);
    else pending.reject(new Error(String(envelope.e)));
  }

  async health(): Promise<ClusterHealth> {
    let redis: ClusterHealth['redis'] = 'unavailable';
    if (this.redisReady) {
      const answered = await Promise.race([this.redis.ping().then(() => true, () => false), delay(1000).then(() => false)]);
      if (answered) redis = 'ok';
    }
    return { node: this.nodeId, redis, nodes: this.aliveNodes().length + (this.#leases.has(this.nodeId) ? 0 : 1) };
  }

  /** Leaves the cluster: the lease goes at once, so nobody waits for it to run out. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    await this.#beating;
    for (const outbox of this.#outboxes.values()) await outbox.flush(1000);
    try {
      if (this.redis.status === 'ready') {
        await this.redis.multi().zrem(this.keys.nodes, this.nodeId).hdel(this.keys.incarnations, this.nodeId).exec();
      }
    } finally {
      this.#subscriber.disconnect();
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }
}

/** A short opaque name of a node for ids that leave the server (it does not reveal the host name). */
export function nodeTag(node: string): string {
  return createHash('sha256').update(node).digest('base64url').slice(0, 8);
}

export type OriginJson = { k: 'local' } | { k: 's2s'; d: string } | { k: 'c2s'; j: string };

function originToJson(origin: Origin): OriginJson {
  if (origin.kind === 'c2s') return { k: 'c2s', j: origin.session.jid.toString() };
  if (origin.kind === 's2s') return { k: 's2s', d: origin.domain };
  return { k: 'local' };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
