import type { Element } from '@conexizan/protocol';
import type { Origin } from './router.ts';

/**
 * The other processes (nodes) that serve this domain, as modules see them.
 * One process (the default) is SingleNode below: nobody else is there, so
 * broadcasts reach nobody, everything placed is placed here and no other
 * node is ever asked anything. In cluster mode (cluster.redis_url,
 * src/cluster/) the same interface runs over Redis, so a module never asks
 * whether it runs in a cluster: it tells the others what it changed,
 * locates what lives on one node only, and answers what others ask.
 */
export interface Cluster {
  /** this node's name (cluster.node_id; 'local' in a single process) */
  readonly nodeId: string;
  /** a short, opaque name of this node for ids that leave the server (iq ids, resumption ids) */
  readonly tag: string;
  /** The node a tag names, if it is a live node of this cluster. */
  nodeTagged(tag: string): string | null;

  /**
   * Tells every other node's onBroadcast(topic) handlers, e.g. which cached
   * entry changed here. Best effort and asynchronous; what a node may have
   * missed while its link was down it learns as a `null` message.
   */
  broadcast(topic: string, message: string): void;
  /**
   * broadcast, then waits until every node known to be alive has run its
   * handlers (a node that does not answer within a few seconds is given up
   * on). For a change the user must see take effect everywhere once the
   * reply comes: after "block this JID" no node lets that JID through.
   * A handler may run twice for one such message, so it must only forget.
   */
  broadcastAndWait(topic: string, message: string): Promise<void>;
  /** `message` null: messages may have been missed (the link to the others was down): forget whatever they could have changed. */
  onBroadcast(topic: string, handler: (message: string | null) => void): void;

  /** Things that must live on one node at a time (a group chat room, a component's connection). */
  readonly placement: Placement;

  /**
   * Hands a stanza to another node's router, as if it had arrived there
   * (a room that lives there, the answer to an iq that node asked). If that
   * node is gone before it took the stanza, `undelivered` runs instead
   * (e.g. route it again here).
   */
  forward(node: string, stanza: Element, origin: Origin, undelivered: () => void): void;

  /** What /health says about the cluster: this node, its link to Redis, the live nodes; null in a single process. */
  health(): Promise<ClusterHealth | null>;

  /** Asks another node's onRequest(method) handler; rejects if it does not answer in time or is gone. */
  request(node: string, method: string, payload: unknown): Promise<unknown>;
  onRequest(method: string, handler: (payload: unknown, from: string) => Promise<unknown>): void;
}

export interface ClusterHealth {
  node: string;
  redis: 'ok' | 'unavailable';
  /** nodes holding their lease, this one included */
  nodes: number;
}

export interface Placement {
  /**
   * Where the thing called `name` lives: here (claimed for this node now if
   * nobody held it, or its holder died) or on another live node.
   */
  locate(name: string): Promise<{ node: string; local: boolean }>;
  /** The live node that holds `name`, without taking it if nobody does (null then). */
  holder(name: string): Promise<string | null>;
  /** Lets go of a name this node holds (the room was destroyed, the component left). */
  release(name: string): Promise<void>;
  /** Called when a name this node held was taken by another node (this one was cut off from the others too long). */
  onLost(handler: (name: string) => void): void;
}

/** The one node of a server that runs as a single process. */
export class SingleNode implements Cluster {
  readonly nodeId: string = 'local';
  readonly tag: string = 'local';
  readonly #requests = new Map<string, (payload: unknown, from: string) => Promise<unknown>>();
  readonly placement: Placement = {
    locate: async () => ({ node: this.nodeId, local: true }),
    holder: async () => null,
    release: async () => undefined,
    onLost: () => undefined,
  };

  nodeTagged(tag: string): string | null {
    return tag === this.tag ? this.nodeId : null;
  }

  broadcast(): void {}

  async broadcastAndWait(): Promise<void> {}

  async health(): Promise<ClusterHealth | null> {
    return null;
  }

  onBroadcast(): void {}

  forward(_node: string, _stanza: Element, _origin: Origin, undelivered: () => void): void {
    undelivered();
  }

  async request(node: string, method: string, payload: unknown): Promise<unknown> {
    const handler = this.#requests.get(method);
    if (node !== this.nodeId || !handler) throw new Error(`no node ${node} to ask`);
    return handler(payload, this.nodeId);
  }

  onRequest(method: string, handler: (payload: unknown, from: string) => Promise<unknown>): void {
    this.#requests.set(method, handler);
  }
}
