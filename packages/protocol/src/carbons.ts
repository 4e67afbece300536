import { NS } from './namespaces.ts';
import type { Element } from './xml.ts';

/**
 * What a message carries, as message carbons (XEP-0280) and client state
 * indication (XEP-0352) need to know it: the message inside a carbon copy,
 * and whether it holds something the user reads (a body, an end-to-end
 * encrypted payload).
 */

/** End-to-end encryption payloads: OMEMO (legacy and :2), OpenPGP for XMPP, legacy PGP. */
export const ENCRYPTED_PAYLOADS: readonly (readonly [name: string, ns: string])[] = [
  ['encrypted', NS.OMEMO_LEGACY],
  ['encrypted', NS.OMEMO],
  ['openpgp', NS.OPENPGP],
  ['x', NS.PGP_ENCRYPTED],
];

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
