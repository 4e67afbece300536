import { NS, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext } from '../../core/module.ts';
import type { IqRequest } from '../../core/iq.ts';
import { configForm, DEFAULT_CONFIG, parseConfigForm, parsePublishOptions, type NodeConfig } from './config.ts';
import { nodeRequired, ownerOnly, pubsubError } from './errors.ts';
import { itemsElement } from './notifications.ts';
import type { PepService } from './service.ts';

/**
 * The XEP-0060 requests a PEP service answers: parse, check the request's
 * shape and hand over to the service. `to` is the service (an account's
 * bare JID), `from` the requester.
 */
type Handler = (service: PepService, request: IqRequest, element: Element) => Promise<Element | true>;

const MAX_MAX_ITEMS = 1000;
const MAX_REQUESTED_IDS = 100;

function onlyChild(payload: Element): Element {
  const children = payload.getChildElements();
  const main = children.find((child) => child.name !== 'publish-options' && child.name !== 'configure' && child.name !== 'options') ?? children[0];
  if (!main) throw new StanzaError('bad-request', { type: 'modify', text: 'an empty pubsub request' });
  return main;
}

function nodeOf(element: Element): string {
  const node = element.attrs.node as string | undefined;
  if (!node) throw nodeRequired();
  return node;
}

function unsupported(feature: string): StanzaError {
  return pubsubError('feature-not-implemented', 'cancel', 'unsupported', undefined, feature);
}

function jidAttr(element: Element): Jid {
  const jid = tryParseJid(element.attrs.jid as string | undefined);
  if (!jid) throw pubsubError('bad-request', 'modify', 'invalid-jid');
  return jid;
}

function result(ns: string, ...children: Element[]): Element {
  return xml('pubsub', { xmlns: ns }, ...children);
}

const requireOwner = (request: IqRequest) => {
  if (!request.from.bare().equals(request.to)) throw ownerOnly();
};

// ——— http://jabber.org/protocol/pubsub ———

const GET: Record<string, Handler> = {
  async items(service, { from, to }, items) {
    const node = nodeOf(items);
    const ids = items.getChildren('item').map((item) => item.attrs.id as string | undefined);
    if (ids.some((id) => !id) || ids.length > MAX_REQUESTED_IDS) throw pubsubError('bad-request', 'modify', 'item-required');
    const maxText = items.attrs.max_items as string | undefined;
    if (maxText !== undefined && (!/^[0-9]{1,9}$/.test(maxText) || Number(maxText) < 1)) throw new StanzaError('bad-request', { type: 'modify', text: 'max_items must be a positive integer' });
    const select = ids.length ? { ids: ids as string[] } : maxText ? { max: Math.min(Number(maxText), MAX_MAX_ITEMS) } : {};
    return result(NS.PUBSUB, itemsElement(node, await service.items(to, from, node, select)));
  },
  async subscriptions(service, { from, to }, element) {
    const node = element.attrs.node as string | undefined;
    const rows: Element[] = [];
    for (const jid of new Set([from.bare().toString(), from.toString()])) {
      for (const subscribed of await service.storage.pubsub.subscriptionsOf(to.local, jid)) {
        if (!node || node === subscribed) rows.push(xml('subscription', { node: subscribed, jid, subscription: 'subscribed' }));
      }
    }
    return result(NS.PUBSUB, xml('subscriptions', { node }, ...rows));
  },
  async affiliations(service, { from, to }, element) {
    const node = element.attrs.node as string | undefined;
    const rows: Element[] = [];
    const nodes = (await service.storage.pubsub.listNodes(to.local)).filter((record) => !node || record.node === node);
    for (const record of nodes) {
      if (from.bare().equals(to)) rows.push(xml('affiliation', { node: record.node, affiliation: 'owner' }));
      else {
        const mine = (await service.storage.pubsub.affiliations(to.local, record.node)).find((a) => a.jid === from.bare().toString());
        if (mine) rows.push(xml('affiliation', { node: record.node, affiliation: mine.affiliation }));
      }
    }
    return result(NS.PUBSUB, xml('affiliations', { node }, ...rows));
  },
};

const SET: Record<string, Handler> = {
  async publish(service, request, publish) {
    requireOwner(request);
    const node = nodeOf(publish);
    const items = publish.getChildren('item');
    if (items.length === 0) throw pubsubError('bad-request', 'modify', 'item-required');
    if (items.length > 1) throw pubsubError('bad-request', 'modify', 'invalid-payload', 'one item per publish');
    const item = items[0]!;
    const payloads = item.getChildElements();
    if (payloads.length === 0) throw pubsubError('bad-request', 'modify', 'payload-required');
    if (payloads.length > 1) throw pubsubError('bad-request', 'modify', 'invalid-payload', 'one payload per item');
    const requestedId = item.attrs.id as string | undefined;
    if (requestedId !== undefined && (requestedId === '' || requestedId.length > 1024)) throw new StanzaError('bad-request', { type: 'modify', text: 'bad item id' });
    const options = parsePublishOptions(request.payload.getChild('publish-options'));
    const id = await service.publish(request.to, node, { id: requestedId, payload: payloads[0]! }, options);
    return result(NS.PUBSUB, xml('publish', { node }, xml('item', { id })));
  },
  async retract(service, request, retract) {
    requireOwner(request);
    const node = nodeOf(retract);
    const ids = retract.getChildren('item').map((item) => item.attrs.id as string | undefined);
    if (ids.length !== 1 || !ids[0]) throw pubsubError('bad-request', 'modify', 'item-required');
    const notify = retract.attrs.notify as string | undefined;
    await service.retract(request.to, node, ids[0], notify === undefined ? undefined : notify === 'true' || notify === '1');
    return true;
  },
  async create(service, request, create) {
    requireOwner(request);
    const node = create.attrs.node as string | undefined;
    if (!node) throw pubsubError('not-acceptable', 'modify', 'nodeid-required', 'PEP nodes need a name');
    const x = request.payload.getChild('configure')?.getChild('x', NS.DATA_FORMS);
    const settings = x ? parseConfigForm(x, NS.PUBSUB_NODE_CONFIG, notAcceptable) : {};
    await service.create(request.to, node, settings);
    return true;
  },
  async subscribe(service, { from, to }, subscribe) {
    const node = nodeOf(subscribe);
    const jid = jidAttr(subscribe);
    await service.subscribe(to, node, from, jid);
    return result(NS.PUBSUB, xml('subscription', { node, jid: jid.toString(), subscription: 'subscribed' }));
  },
  async unsubscribe(service, { from, to }, unsubscribe) {
    await service.unsubscribe(to, nodeOf(unsubscribe), from, jidAttr(unsubscribe));
    return true;
  },
};

// ——— http://jabber.org/protocol/pubsub#owner (the owner only) ———

const OWNER_GET: Record<string, Handler> = {
  async configure(service, { to }, configure) {
    const node = nodeOf(configure);
    const config = await service.config(to, node);
    if (!config) throw new StanzaError('item-not-found', { type: 'cancel' });
    return result(NS.PUBSUB_OWNER, xml('configure', { node }, configForm(config)));
  },
  async default() {
    return result(NS.PUBSUB_OWNER, xml('default', {}, configForm(DEFAULT_CONFIG)));
  },
  async affiliations(service, { to }, element) {
    const node = nodeOf(element);
    if (!(await service.config(to, node))) throw new StanzaError('item-not-found', { type: 'cancel' });
    const rows = (await service.storage.pubsub.affiliations(to.local, node)).map((a) => xml('affiliation', { jid: a.jid, affiliation: a.affiliation }));
    return result(NS.PUBSUB_OWNER, xml('affiliations', { node }, xml('affiliation', { jid: to.toString(), affiliation: 'owner' }), ...rows));
  },
  async subscriptions(service, { to }, element) {
    const node = nodeOf(element);
    if (!(await service.config(to, node))) throw new StanzaError('item-not-found', { type: 'cancel' });
    const rows = (await service.storage.pubsub.subscribers(to.local, node)).map((jid) => xml('subscription', { jid, subscription: 'subscribed' }));
    return result(NS.PUBSUB_OWNER, xml('subscriptions', { node }, ...rows));
  },
};

const AFFILIATIONS = new Set(['member', 'outcast', 'none']);
const MAX_AFFILIATIONS = 1000;

const OWNER_SET: Record<string, Handler> = {
  async configure(service, { to }, configure) {
    const node = nodeOf(configure);
    const x = configure.getChild('x', NS.DATA_FORMS);
    if (!x) throw new StanzaError('bad-request', { type: 'modify', text: 'configure needs a data form' });
    if (x.attrs.type === 'cancel') {
      if (!(await service.config(to, node))) throw new StanzaError('item-not-found', { type: 'cancel' });
      return true;
    }
    if (x.attrs.type !== 'submit') throw new StanzaError('bad-request', { type: 'modify', text: 'submit or cancel the form' });
    await service.configure(to, node, parseConfigForm(x, NS.PUBSUB_NODE_CONFIG, notAcceptable));
    return true;
  },
  async delete(service, { to }, element) {
    await service.delete(to, nodeOf(element));
    return true;
  },
  async purge(service, { to }, element) {
    await service.purge(to, nodeOf(element));
    return true;
  },
  async affiliations(service, { to }, element) {
    const node = nodeOf(element);
    if (!(await service.config(to, node))) throw new StanzaError('item-not-found', { type: 'cancel' });
    const changes = element.getChildren('affiliation').map((a) => ({ jid: tryParseJid(a.attrs.jid as string | undefined), affiliation: a.attrs.affiliation as string }));
    if (changes.some((c) => !c.jid || !AFFILIATIONS.has(c.affiliation) || c.jid.resource || c.jid.equals(to))) {
      throw new StanzaError('not-acceptable', { type: 'modify', text: 'affiliations are member, outcast or none, for bare JIDs other than the owner' });
    }
    const existing = await service.storage.pubsub.affiliations(to.local, node);
    if (existing.length + changes.length > MAX_AFFILIATIONS) throw new StanzaError('policy-violation', { type: 'modify', text: 'too many affiliations' });
    for (const change of changes) await service.storage.pubsub.setAffiliation(to.local, node, change.jid!.toString(), change.affiliation as 'member' | 'outcast' | 'none');
    // Access may have changed for subscribers: let the service re-check them.
    await service.configure(to, node, {});
    return true;
  },
  async subscriptions(service, { to }, element) {
    const node = nodeOf(element);
    if (!(await service.config(to, node))) throw new StanzaError('item-not-found', { type: 'cancel' });
    for (const change of element.getChildren('subscription')) {
      const jid = tryParseJid(change.attrs.jid as string | undefined);
      if (!jid || change.attrs.subscription !== 'none') throw new StanzaError('not-acceptable', { type: 'modify', text: 'the owner can only end subscriptions' });
      await service.storage.pubsub.unsubscribe(to.local, node, jid.toString());
    }
    return true;
  },
};

const notAcceptable = (text: string) => new StanzaError('not-acceptable', { type: 'modify', text });

function dispatch(table: Record<string, Handler>, service: PepService, request: IqRequest): Promise<Element | true> {
  const element = onlyChild(request.payload);
  const handler = Object.hasOwn(table, element.name) ? table[element.name] : undefined;
  if (!handler) throw unsupported(element.name);
  return handler(service, request, element);
}

export type { NodeConfig };

/** Registers the pubsub and pubsub#owner handlers on accounts' bare JIDs ('self' and 'bare'). */
export function registerHandlers(ctx: ModuleContext, service: PepService): void {
  const exists = async ({ to }: IqRequest) => {
    // RFC 6121 §8.5.1: no such account, no such service.
    if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable', { type: 'cancel' });
  };
  ctx.iq.on('get', ['self', 'bare'], NS.PUBSUB, 'pubsub', async (request) => (await exists(request), dispatch(GET, service, request)));
  ctx.iq.on('set', ['self', 'bare'], NS.PUBSUB, 'pubsub', async (request) => (await exists(request), dispatch(SET, service, request)));
  ctx.iq.on('get', 'self', NS.PUBSUB_OWNER, 'pubsub', (request) => dispatch(OWNER_GET, service, request));
  ctx.iq.on('set', 'self', NS.PUBSUB_OWNER, 'pubsub', (request) => dispatch(OWNER_SET, service, request));
  for (const type of ['get', 'set'] as const) {
    ctx.iq.on(type, 'bare', NS.PUBSUB_OWNER, 'pubsub', () => {
      throw ownerOnly();
    });
  }
}
