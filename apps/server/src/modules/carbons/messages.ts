import { cloneElement, NS, xml, type Element, type Jid } from '@conexizan/protocol';

/**
 * What a message carries, as carbons (XEP-0280) and client state indication
 * (XEP-0352) need to know it: is it instant messaging, does it hold
 * something the user reads (a body, an end-to-end encrypted payload)?
 */

/** End-to-end encryption payloads: OMEMO (legacy and :2), OpenPGP for XMPP, legacy PGP. */
export const ENCRYPTED_PAYLOADS: readonly (readonly [name: string, ns: string])[] = [
  ['encrypted', NS.OMEMO_LEGACY],
  ['encrypted', NS.OMEMO],
  ['openpgp', NS.OPENPGP],
  ['x', NS.PGP_ENCRYPTED],
];

/** Payloads used in one-to-one instant messaging besides a body (XEP-0085, XEP-0184, XEP-0333). */
const IM_NAMESPACES = new Set<string>([NS.CHATSTATES, NS.RECEIPTS, NS.CHAT_MARKERS]);

export function hasBody(message: Element): boolean {
  return message.getChild('body') !== undefined;
}

export function isEncrypted(message: Element): boolean {
  return ENCRYPTED_PAYLOADS.some(([name, ns]) => message.getChild(name, ns) !== undefined);
}

/** A message the user would want to see now: a body or an encrypted payload. */
export function hasContent(message: Element): boolean {
  return hasBody(message) || isEncrypted(message);
}

/** The message inside a carbon copy (`<sent/>` or `<received/>` → `<forwarded/>` → `<message/>`), if it is one. */
export function carbonInner(message: Element): Element | undefined {
  const wrapper = message.getChild('sent', NS.CARBONS) ?? message.getChild('received', NS.CARBONS);
  return wrapper?.getChild('forwarded', NS.FORWARD)?.getChild('message');
}

/**
 * XEP-0280 §6 (and the intent of urn:xmpp:carbons:rules:0): chat messages,
 * normal messages with a body or another IM payload; never groupchat,
 * headlines or errors, never what comes from a MUC (also private messages
 * from occupants), never what already is a carbon copy, and never a message
 * marked `<private/>` (XEP-0280 §7) or `<no-copy/>` (XEP-0334).
 */
export function eligibleForCarbons(message: Element, direction: 'sent' | 'received'): boolean {
  const type = (message.attrs.type as string | undefined) ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  if (message.getChild('private', NS.CARBONS) || message.getChild('no-copy', NS.HINTS)) return false;
  if (message.getChild('sent', NS.CARBONS) || message.getChild('received', NS.CARBONS)) return false;
  if (direction === 'received' && message.getChild('x', NS.MUC_USER)) return false;
  if (type === 'chat') return true;
  return hasContent(message) || message.getChildElements().some((child) => IM_NAMESPACES.has(child.getNS() ?? ''));
}

/** XEP-0280 §8/§9: the copy for one of the user's resources, from the user's bare JID. */
export function carbonCopy(kind: 'sent' | 'received', message: Element, user: Jid, to: Jid): Element {
  const original = cloneElement(message);
  original.attrs.xmlns = NS.CLIENT; // inside <forwarded/> it would otherwise inherit urn:xmpp:forward:0
  return xml('message', { from: user.bare().toString(), to: to.toString(), type: message.attrs.type },
    xml(kind, { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, original)));
}
