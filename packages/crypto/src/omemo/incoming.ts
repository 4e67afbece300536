import { NS } from '@conexizan/protocol/namespaces';
import type { Element } from '@conexizan/protocol/xml';

/** An OMEMO-encrypted message found in an incoming stanza. */
export interface IncomingOmemo {
  /** bare JID of the sender (for carbons of own messages: the own JID) */
  from: string;
  /** directly, as a XEP-0280 carbon copy, or as a XEP-0313 archive result */
  via: 'live' | 'carbon' | 'archive';
  /** the <message/> that carries it (inside the carbon or archive wrapper) */
  message: Element;
  encrypted: Element;
}

const bare = (jid: unknown) => String(jid ?? '').split('/')[0]!;

/**
 * The OMEMO message in `stanza`, if any: sent directly, or wrapped as a
 * carbon copy or an archive result. Wrappers are only believed from the own
 * account (XEP-0280 §11, XEP-0313 §5.1: a forged carbon from a stranger
 * would otherwise make up messages "sent" by anyone).
 */
export function findOmemoMessage(stanza: Element, ownJid: string): IncomingOmemo | null {
  if (stanza.name !== 'message') return null;
  let message: Element | undefined = stanza;
  let via: IncomingOmemo['via'] = 'live';
  const carbon = stanza.getChild('sent', NS.CARBONS) ?? stanza.getChild('received', NS.CARBONS);
  const result = stanza.getChild('result', NS.MAM);
  if (carbon || result) {
    if (stanza.attrs.from !== undefined && bare(stanza.attrs.from) !== ownJid) return null;
    message = (carbon ?? result)!.getChild('forwarded', NS.FORWARD)?.getChild('message');
    via = carbon ? 'carbon' : 'archive';
  }
  // OMEMO 2 first when a stanza carries both versions.
  const encrypted = message?.getChild('encrypted', NS.OMEMO) ?? message?.getChild('encrypted', NS.OMEMO_LEGACY);
  if (!message || !encrypted) return null;
  // A live message without 'from' comes from the own account (RFC 6120 §8.1.2.1).
  return { from: message.attrs.from === undefined ? ownJid : bare(message.attrs.from), via, message, encrypted };
}
