import { cloneElement, NS, xml, type Element, type Jid } from '@conexizan/protocol';
import type { RosterItem } from '@conexizan/storage';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { Roster } from '../roster/api.ts';
import type { StanzaEvent } from '../../core/router.ts';
import type { SessionHandle } from '../../core/sessions.ts';
import * as sub from './subscriptions.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * RFC 6121 §3 (subscriptions, with pre-approval) and §4 (presence):
 * initial presence and probes, broadcast to subscribers and own resources,
 * directed presence, unavailable on disconnect.
 */
const SUBSCRIPTION_TYPES = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/** The module's context with the roster it changes. */
type PresenceContext = ModuleContext & { roster: Roster };

export const presence: ServerModule = {
  name: 'presence',
  implements: ['RFC 6121 §3', 'RFC 6121 §4', 'RFC 6121 §3.4 (pre-approval)'],
  depends: ['roster'],
  provides: ['presence'],
  setup(moduleContext) {
    const ctx: PresenceContext = { ...moduleContext, roster: moduleContext.require('roster') };
    ctx.provide('presence', { sendCurrent: (user, contact) => sendCurrentPresence(ctx, user, contact) });
    const directed = new Map<string, Set<string>>(); // session id → full/bare JIDs that got directed presence
    ctx.features.addStreamFeature(({ stage }) => (stage === 'post-auth' ? xml('sub', { xmlns: NS.PRE_APPROVAL }) : null));

    ctx.hooks.on('presence/broadcast', (event) => broadcast(ctx, event, directed));
    ctx.hooks.on('pre-presence/bare', (event) => outbound(ctx, event, directed));
    ctx.hooks.on('pre-presence/full', (event) => outbound(ctx, event, directed));
    ctx.hooks.on('pre-presence/remote', (event) => outbound(ctx, event, directed));
    ctx.hooks.on('presence/bare', (event) => inboundToBare(ctx, event));
    ctx.hooks.on('presence/full', (event) => inboundToFull(ctx, event));
    ctx.hooks.on('presence/host', () => true);

    ctx.hooks.on('account/deleting', ({ user }) => cancelAllSubscriptions(ctx, user));

    // A session that moves to another node takes its directed presence with it (stream management).
    ctx.hooks.on('session/export', ({ session, state }) => {
      const targets = directed.get(session.id);
      directed.delete(session.id);
      if (targets) state.presence = [...targets];
    });
    ctx.hooks.on('session/import', ({ session, state }) => {
      if (Array.isArray(state.presence)) directed.set(session.id, new Set(state.presence.map(String)));
    });

    ctx.hooks.on('session/closed', async ({ session }) => {
      const targets = directed.get(session.id);
      directed.delete(session.id);
      if (session.available) {
        await sendFromResource(ctx, session, xml('presence', { type: 'unavailable' }), targets);
        return;
      }
      // §4.6.3: a session that only sent directed presence (a client that joins a
      // group chat before, or without, its initial presence) still leaves those
      // entities with unavailable, or it lingers there as a ghost.
      for (const to of targets ?? []) {
        await ctx.router.route(xml('presence', { type: 'unavailable', from: session.jid.toString(), to }));
      }
    });
  },
};

/** An account is going away: every contact hears unsubscribe/unsubscribed, every pending request a refusal. */
async function cancelAllSubscriptions(ctx: PresenceContext, user: Jid): Promise<void> {
  const from = user.toString();
  for (const item of await ctx.storage.roster.list(user.local)) {
    if (sub.hasTo(item.subscription) || item.askSubscribe) await ctx.router.route(xml('presence', { type: 'unsubscribe', from, to: item.jid }));
    if (sub.hasFrom(item.subscription)) await ctx.router.route(xml('presence', { type: 'unsubscribed', from, to: item.jid }));
  }
  for (const pending of await ctx.storage.roster.pendingIn(user.local)) {
    await ctx.router.route(xml('presence', { type: 'unsubscribed', from, to: pending.jid }));
  }
}

/** §4.2 / §4.4 / §4.5: presence without 'to' from a client. */
async function broadcast(ctx: PresenceContext, event: StanzaEvent, directed: Map<string, Set<string>>): Promise<true> {
  if (event.origin.kind !== 'c2s') return true;
  const session = event.origin.session;
  const { stanza, type } = event;
  if (type === 'unavailable') {
    const targets = directed.get(session.id);
    directed.delete(session.id);
    const wasAvailable = session.available;
    session.update({ available: false, presence: null });
    if (wasAvailable || targets) await sendFromResource(ctx, session, cloneWithout(stanza), targets);
    return true;
  }
  if (type !== 'available') return true; // subscription types need a 'to'; errors from clients are dropped
  const priority = parsePriority(stanza);
  const initial = !session.available;
  const copy = cloneWithout(stanza);
  session.update({ available: true, priority, presence: copy });
  // Read once for the broadcast and the probes: sending presence changes no roster.
  const roster = await ctx.storage.roster.list(session.jid.local);
  await sendFromResource(ctx, session, copy, directed.get(session.id), roster);
  if (initial) await onInitialPresence(ctx, session, roster);
  return true;
}

async function onInitialPresence(ctx: PresenceContext, session: SessionHandle, roster: RosterItem[]): Promise<void> {
  const user = session.jid.bare();
  // §4.2.2: probe the contacts whose presence the user may see.
  for (const item of roster) {
    if (sub.hasTo(item.subscription)) await ctx.router.route(xml('presence', { type: 'probe', from: user.toString(), to: item.jid }));
  }
  // §3.1.3: requests that arrived while the user was away.
  for (const pending of await ctx.storage.roster.pendingIn(user.local)) {
    session.send(xml('presence', { type: 'subscribe', from: pending.jid, to: user.toString() }));
  }
  await ctx.hooks.fireAll('presence/initial', { session });
}

/** Sends a resource's presence to its subscribers, its own resources and directed targets. */
async function sendFromResource(ctx: PresenceContext, session: SessionHandle, stanza: Element, directedTargets?: Set<string>, roster?: RosterItem[]): Promise<void> {
  const user = session.jid.bare();
  const recipients = new Set<string>();
  for (const item of roster ?? (await ctx.storage.roster.list(user.local))) if (sub.hasFrom(item.subscription)) recipients.add(item.jid);
  for (const target of directedTargets ?? []) recipients.add(target);
  for (const to of recipients) {
    const copy = cloneElement(stanza);
    copy.attrs.from = session.jid.toString();
    copy.attrs.to = to;
    await ctx.router.route(copy);
  }
  // §4.2.2: the user's own available resources, including the sender.
  for (const resource of await ctx.sessions.resourcesOf(user)) {
    if (!resource.available && resource !== session) continue;
    const copy = cloneElement(stanza);
    copy.attrs.from = session.jid.toString();
    copy.attrs.to = resource.jid.toString();
    resource.send(copy);
  }
}

/** Outbound presence with a 'to' from a client: subscriptions (§3) or directed presence (§4.6). */
async function outbound(ctx: PresenceContext, event: StanzaEvent, directed: Map<string, Set<string>>): Promise<true | undefined> {
  if (event.origin.kind !== 'c2s') return undefined;
  const session = event.origin.session;
  const { stanza, type } = event;
  const user = session.jid.bare();
  const contact = event.to.bare().toString();

  if (SUBSCRIPTION_TYPES.has(type)) {
    // §3.1.2: subscription stanzas leave from the bare JID.
    const out = xml('presence', { type, from: user.toString(), to: contact, id: stanza.attrs.id }, ...stanza.getChildElements().map(cloneElement));
    const item = await ctx.storage.roster.get(user.local, contact);
    let next: RosterItem | null = null;
    let forward = true;
    if (type === 'subscribe') next = sub.outboundSubscribe(item, contact);
    else if (type === 'subscribed') {
      const pending = (await ctx.storage.roster.pendingIn(user.local)).some((p) => p.jid === contact);
      if (item && sub.hasFrom(item.subscription)) return true;
      next = sub.outboundSubscribed(item, contact, pending);
      forward = pending;
      if (pending) await ctx.storage.roster.removePendingIn(user.local, contact);
    } else if (type === 'unsubscribe') {
      if (item) next = sub.outboundUnsubscribe(item);
    } else {
      const hadPending = await ctx.storage.roster.removePendingIn(user.local, contact);
      if (item) next = sub.outboundUnsubscribed(item);
      forward = hadPending || (item !== null && (sub.hasFrom(item.subscription) || item.approved));
    }
    if (next && !sameItem(item, next)) await saveAndPush(ctx, user, next);
    if (forward) await ctx.router.route(out);
    if (type === 'subscribed' && forward) await sendCurrentPresence(ctx, user, contact);
    if (type === 'unsubscribed' && item && sub.hasFrom(item.subscription)) {
      for (const resource of await ctx.sessions.resourcesOf(user)) {
        if (resource.available) await ctx.router.route(xml('presence', { type: 'unavailable', from: resource.jid.toString(), to: contact }));
      }
    }
    return true;
  }

  if (type === 'available' || type === 'unavailable') {
    const item = await ctx.storage.roster.get(user.local, contact);
    const target = event.to.toString();
    // §4.6: remember directed presence only where a broadcast would not reach
    // anyway; before initial presence no broadcast will reach anyone.
    if (!session.available || !item || !sub.hasFrom(item.subscription)) {
      const set = directed.get(session.id) ?? new Set<string>();
      if (type === 'available') set.add(target);
      else set.delete(target);
      directed.set(session.id, set);
    }
    return undefined; // routed as is
  }
  if (type === 'probe') return true; // clients do not probe (§4.3)
  return undefined;
}

/** Presence arriving for a local bare JID. */
async function inboundToBare(ctx: PresenceContext, event: StanzaEvent): Promise<true> {
  const { stanza, type, to } = event;
  const user = to.bare();
  const contact = event.from.bare().toString();
  const exists = await ctx.accounts.exists(user.local);
  if (!exists) {
    // §3.1.3: a request to a nonexistent account is answered with unsubscribed.
    if (type === 'subscribe') await ctx.router.route(xml('presence', { type: 'unsubscribed', from: user.toString(), to: contact }));
    return true;
  }
  if (type === 'available' || type === 'unavailable') {
    // Needs no roster item: a contact's every presence change, and every logout, costs no storage call.
    await deliverToAvailable(ctx, user, stanza);
    return true;
  }
  const item = await ctx.storage.roster.get(user.local, contact);
  switch (type) {
    case 'subscribe': {
      if (item && sub.hasFrom(item.subscription)) {
        await ctx.router.route(xml('presence', { type: 'subscribed', from: user.toString(), to: contact }));
        return true;
      }
      if (item?.approved) {
        await saveAndPush(ctx, user, sub.inboundSubscribePreApproved(item));
        await ctx.router.route(xml('presence', { type: 'subscribed', from: user.toString(), to: contact }));
        await sendCurrentPresence(ctx, user, contact);
        return true;
      }
      const request = xml('presence', { type: 'subscribe', from: contact, to: user.toString() }, ...stanza.getChildElements().map(cloneElement));
      await ctx.storage.roster.addPendingIn(user.local, contact, request.toString());
      await deliverToAvailable(ctx, user, request);
      return true;
    }
    case 'subscribed': {
      const next = item && sub.inboundSubscribed(item);
      if (!next) return true;
      await saveAndPush(ctx, user, next);
      await deliverToAvailable(ctx, user, stanza);
      return true;
    }
    case 'unsubscribe': {
      const removedPending = await ctx.storage.roster.removePendingIn(user.local, contact);
      const next = item && sub.inboundUnsubscribe(item);
      if (next) await saveAndPush(ctx, user, next);
      if (next || removedPending) await deliverToAvailable(ctx, user, stanza);
      return true;
    }
    case 'unsubscribed': {
      const next = item && sub.inboundUnsubscribed(item);
      if (!next) return true;
      await saveAndPush(ctx, user, next);
      await deliverToAvailable(ctx, user, stanza);
      return true;
    }
    case 'probe':
      await answerProbe(ctx, user, event.from, item);
      return true;
    default:
      return true; // presence errors and unknown types are dropped (§4.x)
  }
}

/** Presence to a full JID: deliver if the resource is there; subscriptions are for the bare JID (§3.1.3). */
async function inboundToFull(ctx: PresenceContext, event: StanzaEvent): Promise<true> {
  if (SUBSCRIPTION_TYPES.has(event.type) || event.type === 'probe') {
    const bare = cloneElement(event.stanza);
    bare.attrs.to = event.to.bare().toString();
    return inboundToBare(ctx, { ...event, stanza: bare, to: event.to.bare() });
  }
  const session = await ctx.sessions.find(event.to);
  if (session) session.send(event.stanza);
  return true;
}

/** §4.3.2: only subscribers learn the user's presence. */
async function answerProbe(ctx: PresenceContext, user: Jid, prober: Jid, item: RosterItem | null): Promise<void> {
  if (!item || !sub.hasFrom(item.subscription)) return;
  const available = (await ctx.sessions.resourcesOf(user)).filter((s) => s.available && s.presence);
  if (available.length === 0) {
    await ctx.router.route(xml('presence', { type: 'unavailable', from: user.toString(), to: prober.toString() }));
    return;
  }
  for (const resource of available) {
    const copy = cloneElement(resource.presence!);
    copy.attrs.from = resource.jid.toString();
    copy.attrs.to = prober.toString();
    await ctx.router.route(copy);
  }
}

async function sendCurrentPresence(ctx: PresenceContext, user: Jid, contact: string): Promise<void> {
  for (const resource of await ctx.sessions.resourcesOf(user)) {
    if (!resource.available || !resource.presence) continue;
    const copy = cloneElement(resource.presence);
    copy.attrs.from = resource.jid.toString();
    copy.attrs.to = contact;
    await ctx.router.route(copy);
  }
}

async function deliverToAvailable(ctx: PresenceContext, user: Jid, stanza: Element): Promise<void> {
  for (const resource of await ctx.sessions.resourcesOf(user)) {
    if (resource.available) resource.send(stanza);
  }
}

async function saveAndPush(ctx: PresenceContext, user: Jid, item: RosterItem): Promise<void> {
  const version = await ctx.storage.roster.put(user.local, item);
  await ctx.roster.push(user, item, version);
}

function sameItem(a: RosterItem | null, b: RosterItem): boolean {
  return a !== null && a.subscription === b.subscription && a.askSubscribe === b.askSubscribe && a.approved === b.approved;
}

function cloneWithout(stanza: Element): Element {
  const copy = cloneElement(stanza);
  delete copy.attrs.to;
  delete copy.attrs.from;
  delete copy.attrs.xmlns;
  return copy;
}

/** RFC 6121 §4.7.2.3: an integer from -128 to +127, 0 when absent or invalid. */
function parsePriority(stanza: Element): number {
  const text = stanza.getChildText('priority');
  if (!text) return 0;
  const value = Number.parseInt(text.trim(), 10);
  return Number.isInteger(value) && value >= -128 && value <= 127 ? value : 0;
}
