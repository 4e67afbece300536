import type { Element, Jid } from '@conexizan/protocol';

/**
 * What the server announces about itself: disco#info identities and features
 * (XEP-0030) on the domain and on accounts, and stream features offered at
 * each stage of a client stream. Modules add to it; the disco and stream code
 * only read it, so a new feature never edits either.
 */
export interface Identity {
  category: string;
  type: string;
  name?: string;
}

export type FeatureTarget = 'server' | 'account';

export type StreamStage = 'pre-auth' | 'post-auth';

export interface StreamFeatureContext {
  stage: StreamStage;
  secure: boolean;
  authenticated: boolean;
}

/**
 * The answers of one XEP-0030 node on the server (e.g. XEP-0050's command
 * list and each command), given who asks. Returning null, or leaving out
 * `info` or `items`, makes the node answer item-not-found to that requester.
 */
export interface DiscoNode {
  info?(requester: Jid): NodeInfo | null | Promise<NodeInfo | null>;
  items?(requester: Jid): NodeItem[] | null | Promise<NodeItem[] | null>;
}

export interface NodeInfo {
  identities: Identity[];
  features: string[];
}

export interface NodeItem {
  jid: string;
  node?: string;
  name?: string;
}

/** Returns the feature element to offer, or null not to offer it this time. */
export type StreamFeatureProvider = (context: StreamFeatureContext) => Element | null;

export class FeatureRegistry {
  readonly #features: Record<FeatureTarget, Set<string>> = { server: new Set(), account: new Set() };
  readonly #identities: Record<FeatureTarget, Identity[]> = { server: [], account: [] };
  readonly #forms: Record<FeatureTarget, (() => Element)[]> = { server: [], account: [] };
  readonly #streamFeatures: StreamFeatureProvider[] = [];
  readonly #items: { jid: string; name?: string }[] = [];
  readonly #nodes = new Map<string, DiscoNode>();
  readonly #itemProviders: (() => { jid: string; name?: string }[])[] = [];

  addFeature(target: FeatureTarget, ...namespaces: string[]): void {
    for (const ns of namespaces) this.#features[target].add(ns);
  }

  addIdentity(target: FeatureTarget, identity: Identity): void {
    this.#identities[target].push(identity);
  }

  /** XEP-0128 extended info, built on each request so that it can change at run time. */
  addForm(target: FeatureTarget, build: () => Element): void {
    this.#forms[target].push(build);
  }

  features(target: FeatureTarget): string[] {
    return [...this.#features[target]].sort();
  }

  identities(target: FeatureTarget): Identity[] {
    return [...this.#identities[target]];
  }

  forms(target: FeatureTarget): Element[] {
    return this.#forms[target].map((build) => build());
  }

  /** disco#items of the server: the services it hosts (group chat, upload…), in the order added */
  addItem(item: { jid: string; name?: string }): void {
    this.#items.push(item);
  }

  /** disco#items that change at run time (e.g. connected components), asked on each request, listed after the static ones */
  addItems(provider: () => { jid: string; name?: string }[]): void {
    this.#itemProviders.push(provider);
  }

  items(_target: 'server'): { jid: string; name?: string }[] {
    return [...this.#items, ...this.#itemProviders.flatMap((provider) => provider())];
  }

  /** A disco node of the server (disco#info and disco#items with node='…'); one owner per node. */
  addNode(node: string, answers: DiscoNode): void {
    if (this.#nodes.has(node)) throw new Error(`disco node ${node} is already served`);
    this.#nodes.set(node, answers);
  }

  node(node: string): DiscoNode | undefined {
    return this.#nodes.get(node);
  }

  addStreamFeature(provider: StreamFeatureProvider): void {
    this.#streamFeatures.push(provider);
  }

  streamFeatures(context: StreamFeatureContext): Element[] {
    return this.#streamFeatures.map((provider) => provider(context)).filter((el): el is Element => el !== null);
  }
}
