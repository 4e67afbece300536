import { randomUUID } from 'node:crypto';
import { cloneElement, hasFrom, NS, parseXml, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext } from '../../core/module.ts';
import { checkAccess, mayAccess } from './access.ts';
import type { ExportedNode, Pep } from './api.ts';
import type { CapsCache } from './caps.ts';
import { configForm, DEFAULT_CONFIG, effectiveMaxItems, parseConfigForm, parseStoredConfig, unmetPrecondition, type NodeConfig } from './config.ts';
import { noSuchNode, preconditionNotMet, pubsubError } from './errors.ts';
import { eventMessage, itemElement, itemsElement } from './notifications.ts';

/**
 * The PEP service of every local account (XEP-0163 on XEP-0060): nodes,
 * items, who gets which notification. The iq handlers (handlers.ts) and
 * other modules (bookmarks, avatars…) go through here, so every access is
 * checked in one place. Only the owner publishes; `owner` is always a bare JID.
 */
export const MAX_NODES = 500;
export const MAX_SUBSCRIBERS = 1000;
export const MAX_PAYLOAD_BYTES = 128 * 1024;
export const MAX_NAME_LENGTH = 1024;

export class PepService implements Pep {
  readonly #ctx: ModuleContext;
  readonly #caps: CapsCache;
  /** resources of remote contacts that sent us available presence: bare JID → full JIDs */
  readonly #remote = new Map<string, Set<string>>();

  constructor(ctx: ModuleContext, caps: CapsCache) {
    this.#ctx = ctx;
    this.#caps = caps;
    // Remote contacts' resources as other nodes of a cluster saw their presence.
    ctx.cluster.onBroadcast('pep/remote', (message) => {
      if (message === null) return;
      const { j, a } = JSON.parse(message) as { j: string; a: boolean };
      const from = tryParseJid(j);
      if (from) this.#track(from, a);
    });
  }

  /** the storage behind the service, for listings that need no access decision */
  get storage(): ModuleContext['storage'] {
    return this.#ctx.storage;
  }

  async config(owner: Jid, node: string): Promise<NodeConfig | null> {
    const record = await this.#ctx.storage.pubsub.getNode(owner.local, node);
    return record && parseStoredConfig(record.config);
  }

  async exportNodes(owner: Jid): Promise<ExportedNode[]> {
    const { pubsub } = this.#ctx.storage;
    const exported: ExportedNode[] = [];
    for (const record of await pubsub.listNodes(owner.local)) {
      const config = configForm(parseStoredConfig(record.config));
      config.attrs.type = 'submit';
      const items = (await pubsub.items(owner.local, record.node)).reverse().map((item) => ({ id: item.id, payload: parseXml(item.payload) }));
      const affiliations = (await pubsub.affiliations(owner.local, record.node)).flatMap(({ jid, affiliation }) => (affiliation === 'owner' ? [] : [{ jid, affiliation }]));
      exported.push({ node: record.node, config, items, affiliations });
    }
    return exported;
  }

  async importNode(owner: Jid, exported: ExportedNode): Promise<void> {
    const settings = exported.config ? parseConfigForm(exported.config, NS.PUBSUB_NODE_CONFIG, (text) => new StanzaError('not-acceptable', { type: 'modify', text: `node ${exported.node}: ${text}` })) : {};
    // A node may exist already: another module keeps it in step with one imported before (XEP-0411 bookmarks).
    if (await this.config(owner, exported.node)) await this.configure(owner, exported.node, settings);
    else await this.create(owner, exported.node, settings);
    for (const item of exported.items) await this.publish(owner, exported.node, item);
    for (const { jid, affiliation } of exported.affiliations) await this.#ctx.storage.pubsub.setAffiliation(owner.local, exported.node, jid, affiliation);
  }

  async #requireConfig(owner: Jid, node: string): Promise<NodeConfig> {
    const config = await this.config(owner, node);
    if (!config) throw noSuchNode();
    return config;
  }

  /** §8.1: a new node; conflict if it exists. */
  async create(owner: Jid, node: string, settings: Partial<NodeConfig> = {}): Promise<NodeConfig> {
    checkName(node);
    const config: NodeConfig = { ...DEFAULT_CONFIG, ...settings };
    const created = await this.#ctx.storage.pubsub.createNode(owner.local, node, JSON.stringify(config), MAX_NODES);
    if (created === 'exists') throw new StanzaError('conflict', { type: 'cancel', text: 'the node exists' });
    if (created === 'limit') throw new StanzaError('policy-violation', { type: 'modify', text: `at most ${MAX_NODES} nodes per account` });
    return config;
  }

  /**
   * §7.1 with XEP-0163 auto-create: the node is created with the
   * publish-options applied; an existing node must match them (§7.1.5).
   * Returns the item id (made up when none was given).
   */
  async publish(owner: Jid, node: string, item: { id?: string; payload: Element }, options: Partial<NodeConfig> | null = null): Promise<string> {
    checkName(node);
    // Checked before anything is created: a refused publish leaves no node behind.
    const payload = withNamespace(item.payload);
    const serialised = payload.toString();
    if (Buffer.byteLength(serialised) > MAX_PAYLOAD_BYTES) throw pubsubError('not-acceptable', 'modify', 'payload-too-big');
    let config = await this.config(owner, node);
    if (!config) {
      try {
        config = await this.create(owner, node, options ?? {});
      } catch (error) {
        // created by a concurrent publish: then it must match, like any existing node
        if (!(error instanceof StanzaError && error.condition === 'conflict')) throw error;
        config = await this.#requireConfig(owner, node);
      }
    }
    const unmet = options && unmetPrecondition(config, options);
    if (unmet) throw preconditionNotMet(`the node's ${unmet} differs from the publish-options`);

    const id = item.id ?? randomUUID();
    if (config.persist_items) {
      const stored = await this.#ctx.storage.pubsub.publish(owner.local, node, { id, payload: serialised, publisher: owner.toString() }, effectiveMaxItems(config));
      if (stored === null) throw noSuchNode();
    }
    if (config.deliver_notifications) {
      const content = itemsElement(node, [itemElement({ id, payload: serialised }, config.deliver_payloads)]);
      await this.#notify(owner, node, config, content);
    }
    await this.#ctx.hooks.fireAll('pep/item', { owner, node, id, payload });
    return id;
  }

  /** §7.2: the owner removes an item; subscribers hear of it when asked to or configured so. */
  async retract(owner: Jid, node: string, id: string, notify?: boolean): Promise<void> {
    const config = await this.#requireConfig(owner, node);
    if (!(await this.#ctx.storage.pubsub.retract(owner.local, node, id))) throw new StanzaError('item-not-found', { type: 'cancel' });
    if ((notify ?? config.notify_retract) && config.deliver_notifications) {
      await this.#notify(owner, node, config, itemsElement(node, [xml('retract', { id })]));
    }
    await this.#ctx.hooks.fireAll('pep/item', { owner, node, id, payload: null });
  }

  /** §6.5: items for a requester the access model lets in, newest first. */
  async items(owner: Jid, requester: Jid, node: string, select: { ids?: string[]; max?: number } = {}): Promise<Element[]> {
    const config = await this.#requireConfig(owner, node);
    await checkAccess(this.#ctx, owner, node, config, requester);
    const rows = await this.#ctx.storage.pubsub.items(owner.local, node, select);
    if (select.ids && rows.length === 0) throw new StanzaError('item-not-found', { type: 'cancel' });
    return rows.map((row) => itemElement(row));
  }

  /** §8.4: deletes a node; subscribers learn of it. */
  async delete(owner: Jid, node: string): Promise<void> {
    const config = await this.#requireConfig(owner, node);
    const targets = config.notify_delete && config.deliver_notifications ? await this.#interested(owner, node, config) : [];
    if (!(await this.#ctx.storage.pubsub.deleteNode(owner.local, node))) throw noSuchNode();
    for (const to of targets) await this.#ctx.router.route(eventMessage(owner, to, config, xml('delete', { node })));
  }

  /** §8.5: removes every item. */
  async purge(owner: Jid, node: string): Promise<void> {
    const config = await this.#requireConfig(owner, node);
    await this.#ctx.storage.pubsub.purge(owner.local, node);
    if (config.notify_retract && config.deliver_notifications) await this.#notify(owner, node, config, xml('purge', { node }));
  }

  /** §8.2.4: a new configuration; items beyond a smaller max_items go, and so do subscribers the access model no longer admits. */
  async configure(owner: Jid, node: string, settings: Partial<NodeConfig>): Promise<NodeConfig> {
    const config: NodeConfig = { ...(await this.#requireConfig(owner, node)), ...settings };
    if (!(await this.#ctx.storage.pubsub.setConfig(owner.local, node, JSON.stringify(config)))) throw noSuchNode();
    if (config.persist_items) await this.#ctx.storage.pubsub.trim(owner.local, node, effectiveMaxItems(config));
    else await this.#ctx.storage.pubsub.purge(owner.local, node);
    for (const jid of await this.#ctx.storage.pubsub.subscribers(owner.local, node)) {
      const subscriber = tryParseJid(jid);
      if (!subscriber || !(await mayAccess(this.#ctx, owner, node, config, subscriber))) await this.#ctx.storage.pubsub.unsubscribe(owner.local, node, jid);
    }
    if (config.notify_config && config.deliver_notifications) await this.#notify(owner, node, config, xml('configuration', { node }));
    return config;
  }

  /** §6.1: an explicit subscription, e.g. from someone who is not a contact; the last item follows. */
  async subscribe(owner: Jid, node: string, requester: Jid, jid: Jid): Promise<void> {
    if (!jid.bare().equals(requester.bare())) throw pubsubError('bad-request', 'modify', 'invalid-jid');
    const config = await this.#requireConfig(owner, node);
    await checkAccess(this.#ctx, owner, node, config, requester);
    const current = await this.#ctx.storage.pubsub.subscribers(owner.local, node);
    if (!current.includes(jid.toString()) && current.length >= MAX_SUBSCRIBERS) throw new StanzaError('policy-violation', { type: 'wait', text: 'too many subscribers' });
    if (!(await this.#ctx.storage.pubsub.subscribe(owner.local, node, jid.toString()))) throw noSuchNode();
    if (config.send_last_published_item !== 'never') await this.#sendLast(owner, node, config, jid.toString());
  }

  /** §6.2 */
  async unsubscribe(owner: Jid, node: string, requester: Jid, jid: Jid): Promise<void> {
    if (!jid.bare().equals(requester.bare())) throw new StanzaError('forbidden', { type: 'auth' });
    await this.#requireConfig(owner, node);
    if (!(await this.#ctx.storage.pubsub.unsubscribe(owner.local, node, jid.toString()))) {
      throw pubsubError('unexpected-request', 'cancel', 'not-subscribed');
    }
  }

  // ——— who hears what ———

  /** A remote contact's resource came or went (for notifications to contacts on other servers). */
  trackRemote(from: Jid, available: boolean): void {
    this.#track(from, available);
    this.#ctx.cluster.broadcast('pep/remote', JSON.stringify({ j: from.toString(), a: available }));
  }

  #track(from: Jid, available: boolean): void {
    const bare = from.bare().toString();
    const resources = this.#remote.get(bare) ?? new Set<string>();
    if (available) resources.add(from.toString());
    else resources.delete(from.toString());
    if (resources.size > 0) this.#remote.set(bare, resources);
    else this.#remote.delete(bare);
  }

  /**
   * XEP-0163 §4.3.2: an entity (a resource of the owner or of a contact
   * subscribed to the owner's presence) came online wanting `wanted`: send
   * it the last item of each such node it may see.
   */
  async sendLastOnPresence(owner: Jid, to: Jid, wanted: Set<string>): Promise<void> {
    if (wanted.size === 0) return;
    if (!to.bare().equals(owner)) {
      const item = await this.#ctx.storage.roster.get(owner.local, to.bare().toString());
      if (!item || !hasFrom(item.subscription)) return;
    }
    for (const record of await this.#ctx.storage.pubsub.listNodes(owner.local)) {
      if (!wanted.has(record.node)) continue;
      const config = parseStoredConfig(record.config);
      if (config.send_last_published_item !== 'on_sub_and_presence') continue;
      if (!(await mayAccess(this.#ctx, owner, record.node, config, to))) continue;
      await this.#sendLast(owner, record.node, config, to.toString());
    }
  }

  async #sendLast(owner: Jid, node: string, config: NodeConfig, to: string): Promise<void> {
    if (!config.deliver_notifications) return;
    const [last] = await this.#ctx.storage.pubsub.items(owner.local, node, { max: 1 });
    if (!last) return;
    await this.#ctx.router.route(eventMessage(owner, to, config, itemsElement(node, [itemElement(last, config.deliver_payloads)]), last.publishedAt));
  }

  async #notify(owner: Jid, node: string, config: NodeConfig, content: Element): Promise<void> {
    for (const to of await this.#interested(owner, node, config)) {
      await this.#ctx.router.route(eventMessage(owner, to, config, cloneElement(content)));
    }
  }

  /**
   * Who gets an event of this node: the owner's resources and those of
   * contacts subscribed to the owner's presence (XEP-0163 auto-subscription)
   * that asked for it with +notify (filtered notifications), and explicit
   * subscribers; all of them only if the access model admits them.
   */
  async #interested(owner: Jid, node: string, config: NodeConfig): Promise<string[]> {
    const targets = new Set<string>();
    const wants = (fullJid: string, presence?: Element | null) => this.#caps.notifyOf(fullJid, presence).has(node);
    for (const session of await this.#ctx.sessions.resourcesOf(owner)) {
      if (session.available && wants(session.jid.toString(), session.presence)) targets.add(session.jid.toString());
    }
    for (const item of await this.#ctx.storage.roster.list(owner.local)) {
      if (!hasFrom(item.subscription)) continue;
      const contact = tryParseJid(item.jid);
      if (!contact) continue;
      const wanting = this.#ctx.router.isLocal(contact)
        ? (await this.#ctx.sessions.resourcesOf(contact)).filter((s) => s.available && wants(s.jid.toString(), s.presence)).map((s) => s.jid.toString())
        : [...(this.#remote.get(item.jid) ?? [])].filter((jid) => wants(jid));
      if (wanting.length === 0 || !(await mayAccess(this.#ctx, owner, node, config, contact))) continue;
      for (const jid of wanting) targets.add(jid);
    }
    for (const jid of await this.#ctx.storage.pubsub.subscribers(owner.local, node)) {
      const subscriber = tryParseJid(jid);
      if (!subscriber) continue;
      // a bare-JID subscriber whose resources are already notified needs no second copy
      if (!subscriber.resource && [...targets].some((t) => t.startsWith(`${jid}/`))) continue;
      if (targets.has(jid) || !(await mayAccess(this.#ctx, owner, node, config, subscriber))) continue;
      targets.add(jid);
    }
    return [...targets];
  }
}

function checkName(node: string): void {
  if (!node) throw pubsubError('bad-request', 'modify', 'nodeid-required');
  if (node.length > MAX_NAME_LENGTH) throw new StanzaError('not-acceptable', { type: 'modify', text: 'the node name is too long' });
}

/** The stored payload carries its namespace even if it was inherited from a parent. */
function withNamespace(payload: Element): Element {
  const copy = cloneElement(payload);
  copy.attrs.xmlns = payload.getNS() ?? '';
  return copy;
}
