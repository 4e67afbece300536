import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';

/**
 * Every Redis key and channel a cluster uses, under one prefix per XMPP
 * domain (`conexizan:<domain>:`), so several domains may share one Redis.
 * Nothing here outlives a Redis restart for long: what is lost comes back
 * from the nodes (sessions, leases) or is rebuilt (counters start again).
 */
export class ClusterKeys {
  readonly prefix: string;

  constructor(domain: string) {
    this.prefix = `conexizan:${domain}:`;
  }

  /** sorted set: node id → when its lease ends (ms, Redis's clock) */
  get nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** hash: node id → the random id of the process that holds the name now */
  get incarnations(): string {
    return `${this.prefix}incarnations`;
  }

  /** set while (and a while after) another node cleans up after a dead node */
  tomb(node: string): string {
    return `${this.prefix}tomb:${node}`;
  }

  /** hash: full JID → session record (cluster/session-registry.ts) */
  get sessions(): string {
    return `${this.prefix}sessions`;
  }

  /** set: the full JIDs a node holds, for cleaning up after it */
  nodeSessions(node: string): string {
    return `${this.prefix}node-sessions:${node}`;
  }

  /** string with a lease: which node holds a placed name (a room) */
  place(name: string): string {
    return `${this.prefix}place:${name}`;
  }

  /** counters of the login throttle and registration limits */
  throttle(key: string): string {
    return `${this.prefix}throttle:${key}`;
  }

  /** secrets made once for the whole cluster (e.g. the key that hashes addresses for the throttle) */
  secret(name: string): string {
    return `${this.prefix}secret:${name}`;
  }

  /** pub/sub: what one node is sent */
  nodeChannel(node: string): string {
    return `${this.prefix}node:${node}`;
  }

  /** pub/sub: what every node hears */
  get everyone(): string {
    return `${this.prefix}all`;
  }
}

/** This node's name: cluster.node_id, or the machine's host name (a container's or a pod's is its own). */
export function clusterNodeId(config: Config): string {
  return config.cluster.node_id || hostname();
}
