import type { Redis, Result } from 'ioredis';
import { parseJid, parseXml, type Element, type Jid, type StreamErrorCondition } from '@conexizan/protocol';
import type { HookBus } from '../core/hooks.ts';
import type { Logger } from '../core/log.ts';
import type { SessionHandle, SessionRegistry } from '../core/sessions.ts';
import type { ClusterNode } from './node.ts';
import { recordOf, RemoteSession, type RemoteLink, type SessionRecord } from './remote-session.ts';

/**
 * The session registry of a cluster (core/sessions.ts): every node's bound
 * resources, with their node, priority, availability and presence.
 *
 * Redis holds the truth: a hash from full JID to session record, written
 * only by the node that holds the session, by Lua scripts that compare the
 * session id (so a node never overwrites or removes a newer session of the
 * same full JID) and publish each change to every node in the same step.
 * Each node keeps a mirror of the whole registry in memory, loaded at start
 * and after every reconnection and kept current by those changes, so
 * routing a stanza reads memory, not Redis.
 *
 * A session on another node is a RemoteSession: sending to it publishes to
 * its node's channel; if that node is gone before it takes the stanza
 * (cluster/outbox.ts), the stanza is offered on `session/undelivered` here,
 * so a stale entry never swallows a message. Sessions of a node whose
 * lease ran out are not found any more; the node that cleans up after it
 * removes them from Redis and fires `session/closed` for each (their
 * presence goes out as unavailable, once), and every node fires
 * `session/lost`.
 */
const PUT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and ARGV[4] ~= '1' and cjson.decode(old).id ~= ARGV[5] then return old end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if old then
  local previous = cjson.decode(old)
  if ARGV[3] .. 'node-sessions:' .. previous.node ~= KEYS[2] then redis.call('SREM', ARGV[3] .. 'node-sessions:' .. previous.node, ARGV[1]) end
end
redis.call('PUBLISH', KEYS[3], cjson.encode({t = 'sessions', f = ARGV[6], m = '{"s":' .. ARGV[2] .. '}'}))
return old`;

const UPDATE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and cjson.decode(old).id ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', KEYS[3], cjson.encode({t = 'sessions', f = ARGV[4], m = '{"s":' .. ARGV[3] .. '}'}))
return 1`;

const DELETE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return false end
local record = cjson.decode(old)
if record.id ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', ARGV[3] .. 'node-sessions:' .. record.node, ARGV[1])
redis.call('PUBLISH', KEYS[2], cjson.encode({t = 'sessions', f = ARGV[4], m = cjson.encode({d = ARGV[1], i = ARGV[2], l = ARGV[5]})}))
return old`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cnxSessionPut(sessions: string, nodeSessions: string, channel: string, jid: string, record: string, prefix: string, force: '0' | '1', id: string, node: string): Result<string | null, Context>;
    cnxSessionUpdate(sessions: string, nodeSessions: string, channel: string, jid: string, id: string, record: string, node: string): Result<number, Context>;
    cnxSessionDelete(sessions: string, channel: string, jid: string, id: string, prefix: string, node: string, lost: '0' | '1'): Result<string | null, Context>;
  }
}

type RegistryEvent = { s: SessionRecord } | { d: string; i: string; l?: string };

/** How long a session handed over to another node is remembered, to pass on what still arrives for it. */
const MOVED_MS = 60_000;

export class RedisSessionRegistry implements SessionRegistry, RemoteLink {
  readonly #node: ClusterNode;
  readonly #redis: Redis;
  readonly #log: Logger;
  #hooks: HookBus | null = null;
  /** bare JID → resource → session; local sessions are the streams themselves */
  readonly #byUser = new Map<string, Map<string, SessionHandle>>();
  /** the other nodes' sessions by id (local ones are in #local) */
  readonly #byId = new Map<string, SessionHandle>();
  /** this node's sessions by id, even once a newer session of the same full JID elsewhere took their place */
  readonly #local = new Map<string, SessionHandle>();
  /** sessions handed over to another node (stream management): id → full JID, until */
  readonly #moved = new Map<string, { jid: string; until: number }>();
  /** registry events that arrive while a snapshot loads, applied after it */
  #buffered: RegistryEvent[] | null = null;

  constructor(node: ClusterNode, log: Logger) {
    this.#node = node;
    this.#redis = node.redis;
    this.#log = log;
    this.#redis.defineCommand('cnxSessionPut', { numberOfKeys: 3, lua: PUT });
    this.#redis.defineCommand('cnxSessionUpdate', { numberOfKeys: 3, lua: UPDATE });
    this.#redis.defineCommand('cnxSessionDelete', { numberOfKeys: 2, lua: DELETE });
    node.onBroadcast('sessions', (message) => {
      if (message !== null) this.#onEvent(JSON.parse(message) as RegistryEvent);
    });
    node.onChannel('deliver', (envelope) => this.#deliverHere(String(envelope.s), String(envelope.j), String(envelope.x), Number(envelope.q)));
    node.onChannel('close', (envelope) => {
      this.#local.get(String(envelope.s))?.closeWithError(envelope.c as StreamErrorCondition, envelope.m as string | undefined);
    });
  }

  /** The hooks to fire session/closed, session/lost and session/undelivered on (once the modules are set up). */
  attach(hooks: HookBus): void {
    this.#hooks = hooks;
  }

  // ——— SessionRegistry ———

  async add(session: SessionHandle): Promise<SessionHandle | null> {
    const jid = session.jid.toString();
    const previous = this.#get(jid);
    this.#put(session);
    this.#local.set(session.id, session);
    const old = await this.#write(() =>
      this.#redis.cnxSessionPut(this.#keys.sessions, this.#keys.nodeSessions(this.#node.nodeId), this.#keys.everyone, jid, JSON.stringify(recordOf(session, this.#node.nodeId)), this.#keys.prefix, '1', session.id, this.#node.nodeId),
    );
    if (previous && previous !== session) return previous;
    if (old) {
      // A session the mirror had not heard of yet (bound on another node a moment ago).
      const record = JSON.parse(old) as SessionRecord;
      if (record.id !== session.id && record.node !== this.#node.nodeId) return new RemoteSession(record, this);
    }
    return null;
  }

  async remove(session: SessionHandle): Promise<void> {
    if (this.#local.get(session.id) !== session) return;
    this.#local.delete(session.id);
    this.#drop(session);
    await this.#write(() =>
      this.#redis.cnxSessionDelete(this.#keys.sessions, this.#keys.everyone, session.jid.toString(), session.id, this.#keys.prefix, this.#node.nodeId, '0'),
    );
  }

  changed(session: SessionHandle): void {
    if (this.#local.get(session.id) !== session) return;
    void this.#write(() =>
      this.#redis.cnxSessionUpdate(this.#keys.sessions, this.#keys.nodeSessions(this.#node.nodeId), this.#keys.everyone, session.jid.toString(), session.id, JSON.stringify(recordOf(session, this.#node.nodeId)), this.#node.nodeId),
    );
  }

  async find(fullJid: Jid): Promise<SessionHandle | null> {
    const session = this.#get(fullJid.toString());
    return session && this.#reachable(session) ? session : null;
  }

  async resourcesOf(bareJid: Jid): Promise<SessionHandle[]> {
    const resources = this.#byUser.get(bareJid.bare().toString());
    return resources ? [...resources.values()].filter((session) => this.#reachable(session)) : [];
  }

  count(): number {
    return this.#local.size;
  }

  *all(): Iterable<SessionHandle> {
    for (const resources of this.#byUser.values()) for (const session of resources.values()) if (this.#reachable(session)) yield session;
  }

  /** Sessions per node, for the metrics. */
  countByNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const session of this.all()) {
      const node = session instanceof RemoteSession ? session.node : this.#node.nodeId;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    return counts;
  }

  /** This node's session in the registry, by id (stream management resumes it elsewhere). */
  local(id: string): SessionHandle | null {
    return this.#local.get(id) ?? null;
  }

  /**
   * A local session now continues on another node (stream management):
   * forgotten here without ending it; what still arrives for it here is
   * passed on to its full JID's new session.
   */
  handedOver(session: SessionHandle): void {
    if (this.#local.get(session.id) !== session) return;
    this.#local.delete(session.id);
    this.#drop(session);
    const now = Date.now();
    for (const [id, moved] of this.#moved) if (moved.until <= now) this.#moved.delete(id);
    this.#moved.set(session.id, { jid: session.jid.toString(), until: now + MOVED_MS });
  }

  // ——— RemoteLink ———

  deliver(session: RemoteSession, stanza: Element): void {
    const queuedAt = Date.now();
    this.#node.send(session.node, 'deliver', { s: session.id, j: session.jid.toString(), x: stanza.toString(), q: queuedAt }, () =>
      this.#undelivered(session, stanza, queuedAt),
    );
  }

  close(session: RemoteSession, condition: StreamErrorCondition, text?: string): void {
    this.#node.send(session.node, 'close', { s: session.id, c: condition, m: text }, () => undefined);
  }

  // ——— the cluster's events ———

  /**
   * After a reconnection (or a Redis restart, which forgets everything):
   * this node's sessions are written again, unless a newer session of the
   * same full JID took their place meanwhile (then they end with a
   * conflict), and the mirror is loaded again.
   */
  async resync(): Promise<void> {
    for (const session of [...this.#local.values()]) {
      const old = await this.#redis.cnxSessionPut(this.#keys.sessions, this.#keys.nodeSessions(this.#node.nodeId), this.#keys.everyone, session.jid.toString(), JSON.stringify(recordOf(session, this.#node.nodeId)), this.#keys.prefix, '0', session.id, this.#node.nodeId);
      if (old && (JSON.parse(old) as SessionRecord).id !== session.id) session.closeWithError('conflict', 'replaced by a new connection with the same resource');
    }
    await this.load();
  }

  /** Loads every other node's sessions from Redis; changes that arrive meanwhile are applied after. */
  async load(): Promise<void> {
    this.#buffered = [];
    try {
      const all = await this.#redis.hgetall(this.#keys.sessions);
      const seen = new Set<string>();
      for (const text of Object.values(all)) {
        const record = JSON.parse(text) as SessionRecord;
        if (record.node === this.#node.nodeId) continue;
        seen.add(record.id);
        this.#applyRecord(record);
      }
      for (const session of [...this.#byId.values()]) if (session instanceof RemoteSession && !seen.has(session.id)) this.#drop(session);
    } finally {
      const buffered = this.#buffered;
      this.#buffered = null;
      for (const event of buffered) this.#onEvent(event);
    }
  }

  /**
   * A node died. The node that won the right to clean up (`cleanUp`) takes
   * its sessions out of Redis and fires session/closed for each, then
   * session/lost; every other node hears of each removal and fires
   * session/lost. A node that finds sessions of its own previous run (it
   * was killed and started again) cleans them up the same way.
   */
  async buryNode(node: string, cleanUp: boolean): Promise<void> {
    if (!cleanUp) return;
    const jids = await this.#redis.smembers(this.#keys.nodeSessions(node));
    const lost: SessionHandle[] = [];
    for (const jid of jids) {
      const text = await this.#redis.hget(this.#keys.sessions, jid);
      if (!text) continue;
      const record = JSON.parse(text) as SessionRecord;
      if (record.node !== node) continue;
      const removed = await this.#redis.cnxSessionDelete(this.#keys.sessions, this.#keys.everyone, jid, record.id, this.#keys.prefix, this.#node.nodeId, '1');
      if (!removed) continue;
      const known = this.#byId.get(record.id);
      const session = known instanceof RemoteSession ? known : new RemoteSession(record, this);
      this.#drop(session);
      lost.push(session);
    }
    await this.#redis.del(this.#keys.nodeSessions(node));
    if (lost.length > 0) this.#log.info({ dead: node, sessions: lost.length }, 'sessions of a dead node removed');
    for (const session of lost) await this.#fire('session/closed', session);
    for (const session of lost) await this.#fire('session/lost', session);
  }

  /** This node was declared dead while cut off: its clients reconnect (to whichever node) and start afresh. */
  async closeAll(): Promise<void> {
    for (const session of [...this.#local.values()]) session.closeWithError('reset', 'this server lost its link to the others for too long: please reconnect');
  }

  // ——— internals ———

  get #keys() {
    return this.#node.keys;
  }

  #get(jid: string): SessionHandle | null {
    const slash = jid.indexOf('/');
    if (slash < 0) return null;
    return this.#byUser.get(jid.slice(0, slash))?.get(jid.slice(slash + 1)) ?? null;
  }

  #put(session: SessionHandle): void {
    const bare = session.jid.bare().toString();
    let resources = this.#byUser.get(bare);
    if (!resources) {
      resources = new Map();
      this.#byUser.set(bare, resources);
    }
    const previous = resources.get(session.jid.resource);
    if (previous && previous !== session && this.#byId.get(previous.id) === previous) this.#byId.delete(previous.id);
    resources.set(session.jid.resource, session);
    if (session instanceof RemoteSession) this.#byId.set(session.id, session);
  }

  #drop(session: SessionHandle): void {
    if (this.#byId.get(session.id) === session) this.#byId.delete(session.id);
    const bare = session.jid.bare().toString();
    const resources = this.#byUser.get(bare);
    if (!resources || resources.get(session.jid.resource) !== session) return;
    resources.delete(session.jid.resource);
    if (resources.size === 0) this.#byUser.delete(bare);
  }

  #reachable(session: SessionHandle): boolean {
    return !(session instanceof RemoteSession) || this.#node.isAlive(session.node);
  }

  #onEvent(event: RegistryEvent): void {
    if (this.#buffered) {
      this.#buffered.push(event);
      return;
    }
    if ('s' in event) {
      if (event.s.node !== this.#node.nodeId) this.#applyRecord(event.s);
      return;
    }
    const session = this.#get(event.d);
    if (!session || session.id !== event.i || this.#local.get(session.id) === session) return;
    this.#drop(session);
    if (event.l === '1') void this.#fire('session/lost', session);
  }

  #applyRecord(record: SessionRecord): void {
    const existing = this.#get(record.jid);
    if (existing instanceof RemoteSession && existing.id === record.id && existing.node === record.node) {
      existing.apply(record);
      return;
    }
    // A newer session of this full JID on another node: ours (if it is ours) is closed by that node.
    this.#put(new RemoteSession(record, this));
  }

  #deliverHere(id: string, jid: string, xml: string, queuedAt: number, attempt = 0): void {
    let stanza: Element;
    try {
      stanza = parseXml(xml);
    } catch {
      return;
    }
    const session = this.#local.get(id);
    if (session) {
      session.send(stanza);
      return;
    }
    const moved = this.#moved.get(id);
    if (moved && moved.until > Date.now()) {
      // Handed over to another node: its new session may not have reached this mirror yet.
      const successor = this.#get(moved.jid);
      if (successor instanceof RemoteSession) return successor.send(stanza);
      if (attempt < 8) {
        setTimeout(() => this.#deliverHere(id, jid, xml, queuedAt, attempt + 1), 250).unref();
        return;
      }
    }
    // A stale entry: this node has no such session (any more). Not lost: delivered elsewhere.
    void this.#write(() => this.#redis.cnxSessionDelete(this.#keys.sessions, this.#keys.everyone, jid, id, this.#keys.prefix, this.#node.nodeId, '0'));
    this.#undelivered({ id, jid: parseJid(jid) }, stanza, queuedAt);
  }

  #undelivered(session: Pick<SessionHandle, 'id' | 'jid'>, stanza: Element, queuedAt: number): void {
    const hooks = this.#hooks;
    if (!hooks) return;
    hooks.fire('session/undelivered', { session, stanza, queuedAt: new Date(queuedAt) }).catch((error: unknown) => {
      this.#log.error({ err: error }, 'a stanza for a session that is gone could not be delivered elsewhere');
    });
  }

  async #fire(name: 'session/closed' | 'session/lost', session: SessionHandle): Promise<void> {
    try {
      await this.#hooks?.fireAll(name, { session });
    } catch (error) {
      this.#log.error({ err: error }, `${name} handler failed for a session of a dead node`);
    }
  }

  /** A write to Redis that may fail while the link is down: the state is written again on resync. */
  async #write<T>(write: () => Promise<T>): Promise<T | null> {
    if (this.#redis.status !== 'ready') return null;
    try {
      return await write();
    } catch (error) {
      this.#log.warn({ err: error }, 'could not write a session to Redis (written again when the link is back)');
      return null;
    }
  }
}
