import { xml, type Element } from '@conexizan/protocol/xml';
import type { MessageSecurity, OmemoErrorCode } from '@conexizan/crypto/omemo';
import type { OxErrorCode } from '@conexizan/crypto/openpgp';

/**
 * How the OMEMO layer tells the message parser what it found: a child element
 * in a namespace of this client only. It is never sent, and every incoming
 * stanza has it removed before the layer adds its own, so nobody can make a
 * plain message look encrypted.
 */
export const SECURITY_MARK_NS = 'urn:conexizan:web:omemo-result';

export interface SecurityMark {
  security: MessageSecurity;
  /** the OmemoError (or OxError) code when the message could not be decrypted */
  undecryptable?: OmemoErrorCode | OxErrorCode;
  /** set when it travelled with OpenPGP for XMPP instead of OMEMO */
  method?: 'openpgp';
  /** an OpenPGP message this browser has no key for yet (its Base64): opened once the account's key is restored here */
  sealed?: string;
}

export function securityMark(mark: SecurityMark): Element {
  return xml('security', { xmlns: SECURITY_MARK_NS, level: mark.security, ...(mark.undecryptable ? { error: mark.undecryptable } : {}), ...(mark.method ? { method: mark.method } : {}), ...(mark.sealed ? { sealed: mark.sealed } : {}) });
}

const LEVELS: MessageSecurity[] = ['encrypted-verified', 'encrypted', 'unencrypted'];

export function readSecurityMark(stanza: Element): SecurityMark | undefined {
  const el = stanza.getChild('security', SECURITY_MARK_NS);
  const level = el?.attrs.level as MessageSecurity | undefined;
  if (!el || !level || !LEVELS.includes(level)) return undefined;
  const mark: SecurityMark = { security: level };
  if (el.attrs.error) mark.undecryptable = el.attrs.error as SecurityMark['undecryptable'];
  if (el.attrs.method === 'openpgp') mark.method = 'openpgp';
  if (el.attrs.sealed) mark.sealed = String(el.attrs.sealed);
  return mark;
}

/** A copy of `stanza` without the children `drop` selects. */
export function without(stanza: Element, drop: (child: Element) => boolean): Element {
  return xml(stanza.name, { ...stanza.attrs }, ...stanza.getChildElements().filter((c) => !drop(c)));
}
