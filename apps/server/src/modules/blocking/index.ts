import { randomBytes } from 'node:crypto';
import { cloneElement, errorReplyFrom, hasFrom, hasTo, NS, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { withFlag, type SessionHandle } from '../../core/sessions.ts';
import { Blocklists, matches } from './blocklists.ts';

/**
 * XEP-0191 blocking command. A blocked JID gets nothing from the user: no
 * presence (the user looks offline), no messages, no iq answers; what it
 * sends is dropped (presence, iq results) or answered with
 * service-unavailable (messages, iq get/set), exactly as for an account
 * that is not there. What the user sends to it is refused with
 * not-acceptable + <blocked/>. The list is per account, kept across
 * sessions, and capped by `limits.blocklist_items`. Lists are cached in
 * memory; a change tells the other nodes of a cluster to read the list
 * again (topic 'blocking'). A session that asked
 * for the list (and so gets pushes, §3.3) carries the 'blocklist' flag,
 * which every node of a cluster sees.
 */
const KINDS = ['message', 'presence', 'iq'] as const;
const FLAG = 'blocklist';

export const blocking: ServerModule = {
  name: 'blocking',
  implements: ['XEP-0191'],
  depends: ['presence'],
  setup(ctx) {
    const presence = ctx.require('presence');
    const lists = new Blocklists(ctx.storage);
    const changed = async (user: Jid) => {
      // §3.3: from the reply on, no node lets a newly blocked JID through.
      await ctx.cluster.broadcastAndWait('blocking', user.local);
      return lists.reload(user.local);
    };
    ctx.cluster.onBroadcast('blocking', (username) => (username === null ? lists.clear() : lists.forget(username)));
    const letThrough = new WeakSet<Element>(); // the module's own unavailable presence to newly blocked contacts
    ctx.features.addFeature('server', NS.BLOCKING);

    ctx.iq.on('get', ['self', 'host'], NS.BLOCKING, 'blocklist', async ({ origin }) => {
      const session = ownClient(origin);
      if (!session.flags.has(FLAG)) session.update({ flags: withFlag(session.flags, FLAG, true) });
      const entries = await lists.of(session.jid.local);
      return xml('blocklist', { xmlns: NS.BLOCKING }, ...[...entries].sort().map((jid) => xml('item', { jid })));
    });

    ctx.iq.on('set', ['self', 'host'], NS.BLOCKING, 'block', async ({ origin, payload }) => {
      const user = ownClient(origin).jid.bare();
      const jids = parseItems(payload);
      if (jids.length === 0) throw new StanzaError('bad-request', { type: 'modify', text: 'block at least one JID' });
      const before = await lists.of(user.local);
      if (!(await ctx.storage.blocklist.add(user.local, jids.map(String), ctx.config.limits.blocklist_items))) {
        throw new StanzaError('resource-constraint', { type: 'wait', text: `a blocklist holds at most ${ctx.config.limits.blocklist_items} entries` });
      }
      const after = await changed(user);
      // §3.3: contacts that could see the user's presence now see the user go offline.
      for (const contact of await contactsNewlyMatched(ctx, user, before, after, 'from')) {
        for (const resource of await ctx.sessions.resourcesOf(user)) {
          if (!resource.available) continue;
          const unavailable = xml('presence', { type: 'unavailable', from: resource.jid.toString(), to: contact });
          letThrough.add(unavailable);
          await ctx.router.route(unavailable);
        }
      }
      await push(ctx, user, xml('block', { xmlns: NS.BLOCKING }, ...jids.map((jid) => xml('item', { jid: jid.toString() }))));
      return true as const;
    });

    ctx.iq.on('set', ['self', 'host'], NS.BLOCKING, 'unblock', async ({ origin, payload }) => {
      const user = ownClient(origin).jid.bare();
      const jids = parseItems(payload);
      const before = await lists.of(user.local);
      if (jids.length === 0) await ctx.storage.blocklist.clear(user.local);
      else await ctx.storage.blocklist.remove(user.local, jids.map(String));
      const after = await changed(user);
      // §3.4: contacts allowed to see the user's presence get it again; and the user theirs.
      for (const contact of await contactsNewlyMatched(ctx, user, after, before, 'from')) await presence.sendCurrent(user, contact);
      for (const contact of await contactsNewlyMatched(ctx, user, after, before, 'to')) {
        await ctx.router.route(xml('presence', { type: 'probe', from: user.toString(), to: contact }));
      }
      await push(ctx, user, xml('unblock', { xmlns: NS.BLOCKING }, ...jids.map((jid) => xml('item', { jid: jid.toString() }))));
      return true as const;
    });

    ctx.hooks.on('account/deleting', ({ user }) => {
      lists.forget(user.local);
      ctx.cluster.broadcast('blocking', user.local);
    });

    // What the user sends to a blocked JID: refused before anything else sees it (carbons, delivery).
    for (const kind of KINDS) {
      for (const toType of ['bare', 'full', 'remote'] as const) {
        ctx.hooks.on(`pre-${kind}/${toType}`, (event) => {
          if (event.origin.kind !== 'c2s' || event.type === 'error' || event.to.bareEquals(event.from)) return undefined;
          const session = event.origin.session;
          return whenKnown(lists.blocks(event.from.local, event.to), (blocked) => {
            if (!blocked) return undefined;
            if (kind === 'message' || (kind === 'iq' && (event.type === 'get' || event.type === 'set'))) {
              const error = new StanzaError('not-acceptable', { type: 'cancel', appCondition: xml('blocked', { xmlns: NS.BLOCKING_ERRORS }) });
              const reply = errorReplyFrom(event.stanza, error);
              reply.attrs.to = session.jid.toString();
              session.send(reply);
            }
            return true; // presence and iq answers to a blocked JID are dropped
          });
        }, 'policy');
      }
    }

    // Delivery to a local user: nothing from a JID the user blocks, and nothing the
    // server sends on behalf of a local user (presence broadcasts, probes) to a JID that user blocks.
    for (const kind of KINDS) {
      for (const toType of ['bare', 'full'] as const) {
        ctx.hooks.on(`${kind}/${toType}`, (event) => filterDelivery(ctx, lists, letThrough, event), 'policy');
      }
    }
    ctx.hooks.on('route/remote', (event) => {
      if (letThrough.has(event.stanza) || event.origin.kind === 'c2s' || !ctx.router.isLocal(event.from) || !event.from.local) return undefined;
      return whenKnown(lists.blocks(event.from.local, event.to), (blocked) => (blocked ? true : undefined));
    }, 'policy');
  },
};

/** Answers without a promise when the lists are in memory (the usual case): it runs for every stanza delivered. */
function filterDelivery(ctx: ModuleContext, lists: Blocklists, letThrough: WeakSet<Element>, event: StanzaEvent): true | undefined | Promise<true | undefined> {
  const { from, to, kind, type } = event;
  if (letThrough.has(event.stanza) || from.bareEquals(to)) return undefined;
  return whenKnown(lists.blocks(to.local, from), (blocked) => {
    if (blocked) {
      // §3.3: as if there were no such account.
      if (type === 'error' || kind === 'presence' || (kind === 'iq' && type !== 'get' && type !== 'set')) return true;
      throw new StanzaError('service-unavailable', { type: 'cancel' });
    }
    if (event.origin.kind !== 'c2s' && from.local && ctx.router.isLocal(from)) return whenKnown(lists.blocks(from.local, to), (own) => (own ? true : undefined));
    return undefined;
  });
}

/** `then` on a value that may still be coming: at once when it is already there. */
function whenKnown<T, R>(value: T | Promise<T>, then: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/** Only a client of the account itself manages its blocklist. */
function ownClient(origin: StanzaEvent['origin']): SessionHandle {
  if (origin.kind !== 'c2s') throw new StanzaError('not-allowed', { type: 'cancel' });
  return origin.session;
}

function parseItems(payload: Element): Jid[] {
  const jids = new Map<string, Jid>();
  for (const item of payload.getChildren('item')) {
    const jid = tryParseJid(item.attrs.jid as string | undefined);
    if (!jid) throw new StanzaError('jid-malformed', { type: 'modify' });
    jids.set(jid.toString(), jid);
  }
  return [...jids.values()];
}

/** The user's contacts with a subscription `from` (or `to`) that `now` blocks and `then` did not. */
async function contactsNewlyMatched(ctx: ModuleContext, user: Jid, then: ReadonlySet<string>, now: ReadonlySet<string>, direction: 'from' | 'to'): Promise<string[]> {
  const contacts: string[] = [];
  for (const item of await ctx.storage.roster.list(user.local)) {
    if (!(direction === 'from' ? hasFrom : hasTo)(item.subscription)) continue;
    const contact = tryParseJid(item.jid);
    if (contact && matches(now, contact) && !matches(then, contact)) contacts.push(item.jid);
  }
  return contacts;
}

/** §3.3/§3.4: every resource that asked for the blocklist hears of the change. */
async function push(ctx: ModuleContext, user: Jid, change: Element): Promise<void> {
  for (const session of await ctx.sessions.resourcesOf(user)) {
    if (!session.flags.has(FLAG)) continue;
    session.send(xml('iq', { type: 'set', id: `block-${randomBytes(6).toString('base64url')}`, to: session.jid.toString(), from: user.toString() }, cloneElement(change)));
  }
}
