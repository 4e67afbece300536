import { capsHash, NS, parseDiscoInfo, xml, type CapsHashAlgorithm, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext } from '../../core/module.ts';

/**
 * What each connected entity wants to be notified about (XEP-0163 §4.1,
 * XEP-0115): the `<c/>` in its presence names a capabilities hash; the
 * features ending in "+notify" of the disco#info behind it are the nodes
 * it wants events for. Hashes that verify are shared between entities;
 * anything else is kept for that one full JID. Memory only, never stored.
 *
 * In a cluster the node that sees an entity's presence learns its caps,
 * and tells the others what it learnt (topic 'pep/caps'), so that a node
 * publishing an item knows who wants it wherever their presence arrived.
 * A node that missed that (it started later) still finds a verified hash
 * through the presence the registry keeps of each of our users' sessions.
 */
type CapsNews = { j: string; k: string } | { k: string; n: string[] } | { f: string };
const HASHES = new Set<CapsHashAlgorithm>(['sha-1', 'sha-256', 'sha-384', 'sha-512']);
const MAX_CACHED = 5000;
const QUERY_TIMEOUT_MS = 10_000;

export class CapsCache {
  readonly #ctx: ModuleContext;
  /** full JID → key into #notify */
  readonly #keyOf = new Map<string, string>();
  /** caps key → nodes with +notify */
  readonly #notify = new Map<string, Set<string>>();
  readonly #inflight = new Map<string, Promise<Set<string> | null>>();

  constructor(ctx: ModuleContext) {
    this.#ctx = ctx;
    ctx.cluster.onBroadcast('pep/caps', (message) => {
      if (message !== null) this.#learn(JSON.parse(message) as CapsNews);
    });
  }

  /** The nodes this full JID asked for with +notify (empty if unknown); `presence`: its last presence, if known. */
  notifyOf(fullJid: string, presence?: Element | null): Set<string> {
    const key = this.#keyOf.get(fullJid) ?? verifiedKey(presence);
    return (key && this.#notify.get(key)) || new Set();
  }

  forget(fullJid: string): void {
    if (!this.#keyOf.has(fullJid)) return;
    this.#forget(fullJid);
    this.#share({ f: fullJid });
  }

  #forget(fullJid: string): void {
    const key = this.#keyOf.get(fullJid);
    this.#keyOf.delete(fullJid);
    if (key?.startsWith('jid ')) this.#notify.delete(key);
  }

  #setKey(fullJid: string, key: string): void {
    this.#keyOf.set(fullJid, key);
    this.#share({ j: fullJid, k: key });
  }

  #setNodes(key: string, nodes: Set<string>): void {
    if (this.#notify.size >= MAX_CACHED) this.#notify.delete(this.#notify.keys().next().value!);
    this.#notify.set(key, nodes);
  }

  #share(news: CapsNews): void {
    this.#ctx.cluster.broadcast('pep/caps', JSON.stringify(news));
  }

  /** What another node learnt. */
  #learn(news: CapsNews): void {
    if ('f' in news) this.#forget(news.f);
    else if ('n' in news) this.#setNodes(news.k, new Set(news.n));
    else this.#keyOf.set(news.j, news.k);
  }

  /**
   * Records the caps of an available presence. Resolves with the +notify
   * nodes once they are known, or null when nothing changed (same caps as
   * before) or the entity announced none.
   */
  async observe(from: Jid, presence: Element): Promise<Set<string> | null> {
    const fullJid = from.toString();
    const c = presence.getChild('c', NS.CAPS);
    const { node, ver, hash } = (c?.attrs ?? {}) as { node?: string; ver?: string; hash?: string };
    if (!c || !node || !ver || node.length > 1024 || ver.length > 256) {
      this.forget(fullJid);
      return null;
    }
    const verified = hash !== undefined && HASHES.has(hash as CapsHashAlgorithm);
    const key = verified ? `${hash} ${ver}` : `jid ${fullJid}`;
    const previous = this.#keyOf.get(fullJid);
    if (previous === key && (verified || this.#notify.has(key))) return null;
    this.#setKey(fullJid, key);
    const known = this.#notify.get(key);
    if (known) return known;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#query(from, `${node}#${ver}`, verified ? { hash: hash as CapsHashAlgorithm, ver } : null, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    const nodes = await pending;
    // The entity may have changed its caps or left meanwhile.
    return this.#keyOf.get(fullJid) === key ? nodes : null;
  }

  async #query(to: Jid, capsNode: string, expected: { hash: CapsHashAlgorithm; ver: string } | null, key: string): Promise<Set<string> | null> {
    let reply: Element;
    try {
      reply = await this.#ctx.iq.request(xml('iq', { type: 'get', from: this.#ctx.domain, to: to.toString() }, xml('query', { xmlns: NS.DISCO_INFO, node: capsNode })), QUERY_TIMEOUT_MS);
    } catch {
      return null;
    }
    const query = reply.attrs.type === 'result' ? reply.getChild('query', NS.DISCO_INFO) : undefined;
    if (!query) return null;
    let nodes: Set<string>;
    let storeKey = key;
    try {
      const info = parseDiscoInfo(query);
      nodes = new Set(info.features.filter((f) => f.endsWith('+notify')).map((f) => f.slice(0, -'+notify'.length)));
      // A hash that does not match what it stands for is only believed for this one entity.
      if (expected && (await capsHash({ identities: info.identities, features: info.features, forms: info.forms }, expected.hash)) !== expected.ver) {
        storeKey = `jid ${to.toString()}`;
        if (this.#keyOf.get(to.toString()) === key) this.#setKey(to.toString(), storeKey);
      }
    } catch {
      return null;
    }
    this.#setNodes(storeKey, nodes);
    this.#share({ k: storeKey, n: [...nodes] });
    return nodes;
  }
}

/** The shared key of a presence's caps, when its hash is one that can be verified (another node checked it). */
function verifiedKey(presence: Element | null | undefined): string | undefined {
  const c = presence?.getChild('c', NS.CAPS);
  const { ver, hash } = (c?.attrs ?? {}) as { ver?: string; hash?: string };
  return ver && hash && HASHES.has(hash as CapsHashAlgorithm) ? `${hash} ${ver}` : undefined;
}
