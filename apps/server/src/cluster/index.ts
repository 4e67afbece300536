import { randomBytes } from 'node:crypto';
import { parseXml, tryParseJid } from '@conexizan/protocol';
import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { ServerCore } from '../core/core.ts';
import type { Logger } from '../core/log.ts';
import type { Origin } from '../core/router.ts';
import { clusterNodeId } from './keys.ts';
import { ClusterNode, type OriginJson } from './node.ts';
import { RedisPlacement } from './placement.ts';
import { connectRedis } from './redis.ts';
import { RedisSessionRegistry } from './session-registry.ts';
import { RedisThrottleStore } from './throttle-store.ts';

/**
 * Cluster mode (cluster.redis_url): this process joins the other nodes of
 * its domain through Redis. Two connections (commands, and pub/sub, which
 * Redis dedicates to subscriptions), a node (membership, channels), the
 * session registry and the placement of rooms. The server wires them in
 * where a single process has SingleNode and InProcessSessionRegistry
 * (server.ts), so no module knows which it runs on.
 */
export interface ClusterParts {
  readonly node: ClusterNode;
  readonly sessions: RedisSessionRegistry;
  /** the login throttle's and the registration limit's counters, shared by every node */
  readonly counters: RedisThrottleStore;
  /** A random secret made once for the whole cluster and kept in Redis (e.g. the throttle's hashing key). */
  sharedSecret(name: string): Promise<Uint8Array>;
  /** Once the modules are set up: listens, cleans up after an earlier run of this node, loads the registry, starts the heartbeat. */
  begin(core: ServerCore): Promise<void>;
  stop(): Promise<void>;
}

export async function joinCluster(config: Config, domain: string, log: Logger): Promise<ClusterParts> {
  const url = config.cluster.redis_url;
  const nodeId = clusterNodeId(config);
  const redis = await connectRedis(url, { name: `conexizan:${nodeId}:commands` });
  const subscriber = await connectRedis(url, { name: `conexizan:${nodeId}:events` }).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  });
  const clusterLog = log.child({ node: nodeId });
  const node = new ClusterNode(redis, subscriber, { nodeId, domain, leaseMs: config.cluster.node_timeout_seconds * 1000, log: clusterLog });
  const sessions = new RedisSessionRegistry(node, clusterLog);
  const placement = new RedisPlacement(node, clusterLog);
  node.setPlacement(placement);
  let joined: { leftovers: boolean };
  try {
    joined = await node.join({
      nodeDied: (dead, cleanUp) => sessions.buryNode(dead, cleanUp),
      declaredDead: () => sessions.closeAll(),
      resync: () => sessions.resync(),
    });
  } catch (error) {
    subscriber.disconnect();
    redis.disconnect();
    throw error;
  }

  return {
    node,
    sessions,
    counters: new RedisThrottleStore(redis, node.keys),
    async sharedSecret(name) {
      const key = node.keys.secret(name);
      await redis.set(key, randomBytes(32).toString('base64'), 'NX');
      return new Uint8Array(Buffer.from((await redis.get(key))!, 'base64'));
    },
    async begin(core) {
      sessions.attach(core.hooks);
      node.onChannel('route', (envelope) => {
        const stanza = parseXml(String(envelope.x));
        void originFromJson(envelope.o as OriginJson | undefined, sessions).then((origin) => core.router.route(stanza, origin));
      });
      registerMetrics(core, node, sessions);
      await node.listen();
      if (joined.leftovers) {
        clusterLog.info('cleaning up after an earlier run of this node');
        await sessions.buryNode(nodeId, true);
      }
      await sessions.load();
      await node.heartbeat();
      node.start();
      clusterLog.info({ nodes: node.aliveNodes().length }, 'joined the cluster');
    },
    async stop() {
      await placement.releaseAll().catch(() => undefined);
      await node.stop();
    },
  };
}

/** Where a forwarded stanza entered the cluster: a client's session (found again here), another server, or a node itself. */
async function originFromJson(json: OriginJson | undefined, sessions: RedisSessionRegistry): Promise<Origin> {
  if (json?.k === 's2s') return { kind: 's2s', domain: json.d };
  const jid = json?.k === 'c2s' ? tryParseJid(json.j) : null;
  const session = jid && (await sessions.find(jid));
  return session ? { kind: 'c2s', session } : { kind: 'local' };
}

function registerMetrics(core: ServerCore, node: ClusterNode, sessions: RedisSessionRegistry): void {
  const registers = [core.metrics.registry];
  new Gauge({
    name: 'conexizan_cluster_nodes', help: 'Nodes of the cluster holding their lease', registers,
    collect() { this.set(node.aliveNodes().length); },
  });
  new Gauge({
    name: 'conexizan_cluster_redis_up', help: 'Whether this node is connected to Redis', registers,
    collect() { this.set(node.redisReady ? 1 : 0); },
  });
  new Gauge({
    name: 'conexizan_cluster_sessions', help: 'Bound client resources by the node that holds them', labelNames: ['node'], registers,
    collect() {
      this.reset();
      for (const [holder, count] of sessions.countByNode()) this.set({ node: holder }, count);
    },
  });
  new Counter({
    name: 'conexizan_cluster_stanzas_total', help: 'Stanzas routed between nodes (to and from sessions or rooms another node holds)', labelNames: ['direction'], registers,
    collect() {
      this.reset();
      this.inc({ direction: 'sent' }, node.traffic.sent);
      this.inc({ direction: 'received' }, node.traffic.received);
    },
  });
}
