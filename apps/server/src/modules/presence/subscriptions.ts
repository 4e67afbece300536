import { hasFrom, hasTo, type Subscription } from '@conexizan/protocol';
import type { RosterItem } from '@conexizan/storage';

/**
 * RFC 6121 §3 and Appendix A: the subscription state machine, as pure
 * functions from a roster item (or none) to the next one. The module does
 * the storage, pushes and routing; these say what the RFC says.
 */
export function emptyItem(jid: string): RosterItem {
  return { jid, name: null, subscription: 'none', askSubscribe: false, approved: false, groups: [] };
}

export { hasFrom, hasTo };

function withTo(s: Subscription, on: boolean): Subscription {
  const from = hasFrom(s);
  return on ? (from ? 'both' : 'to') : from ? 'from' : 'none';
}

function withFrom(s: Subscription, on: boolean): Subscription {
  const to = hasTo(s);
  return on ? (to ? 'both' : 'from') : to ? 'to' : 'none';
}

/** The user asks to see the contact's presence (§3.1.2). */
export function outboundSubscribe(item: RosterItem | null, jid: string): RosterItem {
  const current = item ?? emptyItem(jid);
  if (hasTo(current.subscription)) return current;
  return { ...current, askSubscribe: true };
}

/** The user approves the contact's request, or pre-approves one (§3.1.5, §3.4). */
export function outboundSubscribed(item: RosterItem | null, jid: string, requestPending: boolean): RosterItem {
  const current = item ?? emptyItem(jid);
  if (hasFrom(current.subscription)) return current;
  if (requestPending) return { ...current, subscription: withFrom(current.subscription, true), approved: false };
  return { ...current, approved: true };
}

/** The user stops seeing the contact's presence (§3.3.2). */
export function outboundUnsubscribe(item: RosterItem): RosterItem {
  return { ...item, subscription: withTo(item.subscription, false), askSubscribe: false };
}

/** The user cancels or denies the contact's subscription (§3.2.2). */
export function outboundUnsubscribed(item: RosterItem): RosterItem {
  return { ...item, subscription: withFrom(item.subscription, false), approved: false };
}

/** The contact approved the user's request (§3.1.6); only meaningful while asked. */
export function inboundSubscribed(item: RosterItem): RosterItem | null {
  if (!item.askSubscribe || hasTo(item.subscription)) return null;
  return { ...item, subscription: withTo(item.subscription, true), askSubscribe: false };
}

/** The contact no longer lets the user see its presence (§3.2.3). */
export function inboundUnsubscribed(item: RosterItem): RosterItem | null {
  if (!hasTo(item.subscription) && !item.askSubscribe) return null;
  return { ...item, subscription: withTo(item.subscription, false), askSubscribe: false };
}

/** The contact stops watching the user's presence (§3.3.3). */
export function inboundUnsubscribe(item: RosterItem): RosterItem | null {
  if (!hasFrom(item.subscription)) return null;
  return { ...item, subscription: withFrom(item.subscription, false) };
}

/** A pre-approved request is accepted at once (§3.4). */
export function inboundSubscribePreApproved(item: RosterItem): RosterItem {
  return { ...item, subscription: withFrom(item.subscription, true), approved: false };
}
