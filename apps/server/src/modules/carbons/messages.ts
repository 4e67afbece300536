import { cloneElement, hasContent, NS, xml, type Element, type Jid } from '@conexizan/protocol';

/**
 * Which messages carbons copy, and the copy itself (XEP-0280). What a
 * message carries (hasContent, carbonInner) is protocol code, shared with
 * client state indication and push.
 */

/** Payloads used in one-to-one instant messaging besides a body (XEP-0085, XEP-0184, XEP-0333). */
const IM_NAMESPACES = new Set<string>([NS.CHATSTATES, NS.RECEIPTS, NS.CHAT_MARKERS]);

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
