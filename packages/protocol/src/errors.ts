// Stanza errors (RFC 6120 §8.3), stream errors (§4.9) and SASL failures (§6.5).
import { xml, Element, cloneElement } from './xml.ts';
import { NS } from './namespaces.ts';

export const STANZA_ERROR_CONDITIONS = [
  'bad-request',
  'conflict',
  'feature-not-implemented',
  'forbidden',
  'gone',
  'internal-server-error',
  'item-not-found',
  'jid-malformed',
  'not-acceptable',
  'not-allowed',
  'not-authorized',
  'policy-violation',
  'recipient-unavailable',
  'redirect',
  'registration-required',
  'remote-server-not-found',
  'remote-server-timeout',
  'resource-constraint',
  'service-unavailable',
  'subscription-required',
  'undefined-condition',
  'unexpected-request',
] as const;
export type StanzaErrorCondition = (typeof STANZA_ERROR_CONDITIONS)[number];

export const STANZA_ERROR_TYPES = ['auth', 'cancel', 'continue', 'modify', 'wait'] as const;
export type StanzaErrorType = (typeof STANZA_ERROR_TYPES)[number];

const DEFAULT_TYPES: Record<StanzaErrorCondition, StanzaErrorType> = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'modify',
  'unexpected-request': 'wait',
};

/** The error type RFC 6120 §8.3.3 uses in its example for each condition. */
export function defaultErrorType(condition: StanzaErrorCondition): StanzaErrorType {
  return DEFAULT_TYPES[condition];
}

export function isStanzaErrorCondition(s: string): s is StanzaErrorCondition {
  return (STANZA_ERROR_CONDITIONS as readonly string[]).includes(s);
}

export interface StanzaErrorOptions {
  type?: StanzaErrorType;
  text?: string;
  /** xml:lang of the text, if any */
  lang?: string;
  /** the 'by' attribute: the entity that generated the error */
  by?: string;
  /** an application-specific condition element (in its own namespace) */
  appCondition?: Element;
  /** XMPP URI carried by 'gone' and 'redirect' */
  uri?: string;
}

/** A stanza-level error; throw it from handlers and turn it into `<error/>` with toElement(). */
export class StanzaError extends Error {
  override name = 'StanzaError';
  readonly condition: StanzaErrorCondition;
  readonly type: StanzaErrorType;
  readonly text?: string;
  readonly lang?: string;
  readonly by?: string;
  readonly appCondition?: Element;
  readonly uri?: string;

  constructor(condition: StanzaErrorCondition, textOrOptions?: string | StanzaErrorOptions) {
    const opts: StanzaErrorOptions = typeof textOrOptions === 'string' ? { text: textOrOptions } : (textOrOptions ?? {});
    super(opts.text ? `${condition}: ${opts.text}` : condition);
    this.condition = condition;
    this.type = opts.type ?? defaultErrorType(condition);
    if (opts.text !== undefined) this.text = opts.text;
    if (opts.lang !== undefined) this.lang = opts.lang;
    if (opts.by !== undefined) this.by = opts.by;
    if (opts.appCondition !== undefined) this.appCondition = opts.appCondition;
    if (opts.uri !== undefined) this.uri = opts.uri;
  }

  /** `<error type=.. [by=..]><condition/><text/>?<app-condition/>?</error>` */
  toElement(): Element {
    return stanzaErrorElement(this.condition, {
      type: this.type,
      text: this.text,
      lang: this.lang,
      by: this.by,
      appCondition: this.appCondition,
      uri: this.uri,
    });
  }
}

/** Builds the `<error/>` child of an error stanza. */
export function stanzaErrorElement(condition: StanzaErrorCondition, opts: StanzaErrorOptions = {}): Element {
  const err = xml('error', { type: opts.type ?? defaultErrorType(condition), by: opts.by });
  err.append(xml(condition, { xmlns: NS.STANZAS_ERR }, opts.uri ?? null));
  if (opts.text) err.append(xml('text', { xmlns: NS.STANZAS_ERR, 'xml:lang': opts.lang }, opts.text));
  if (opts.appCondition) err.append(cloneElement(opts.appCondition));
  return err;
}

/** RFC 6120 §8.3.1: never answer an error stanza with another error. */
export function isErrorStanza(stanza: Element): boolean {
  return stanza.attrs.type === 'error';
}

/**
 * Builds the error reply to `stanza` (RFC 6120 §8.3.1): same element name and
 * id, to/from swapped, type="error". For message and presence the original
 * children are copied (minus any `<error/>`); for an iq only the request
 * payload (its first child element) is. The `<error/>` comes last.
 * Callers must not reply to a stanza of type "error" (see isErrorStanza).
 */
export function errorReply(
  stanza: Element,
  condition: StanzaErrorCondition,
  opts: StanzaErrorOptions = {},
): Element {
  const a = stanza.attrs;
  const reply = xml(stanza.name, {
    xmlns: a.xmlns,
    to: a.from,
    from: a.to,
    id: a.id,
    type: 'error',
  });
  const children = stanza.getChildElements().filter((c) => !c.is('error'));
  if (stanza.getName() === 'iq') {
    const req = children[0];
    if (req) reply.append(cloneElement(req));
  } else {
    for (const c of children) reply.append(cloneElement(c));
  }
  reply.append(stanzaErrorElement(condition, opts));
  return reply;
}

/** errorReply from a thrown StanzaError. */
export function errorReplyFrom(stanza: Element, err: StanzaError): Element {
  return errorReply(stanza, err.condition, {
    type: err.type,
    text: err.text,
    lang: err.lang,
    by: err.by,
    appCondition: err.appCondition,
    uri: err.uri,
  });
}

export interface ParsedStanzaError {
  condition: StanzaErrorCondition;
  type: StanzaErrorType;
  text: string | null;
  by: string | null;
  appCondition: Element | null;
}

/**
 * Reads the `<error/>` of an error stanza (or an `<error/>` element itself).
 * Returns null if there is none. Unknown conditions become
 * 'undefined-condition' and unknown types fall back to the condition's default.
 */
export function parseStanzaError(el: Element): ParsedStanzaError | null {
  const err = el.getName() === 'error' ? el : el.getChild('error');
  if (!err) return null;
  let condition: StanzaErrorCondition | null = null;
  let text: string | null = null;
  let appCondition: Element | null = null;
  for (const c of err.getChildElements()) {
    if (c.getNS() === NS.STANZAS_ERR) {
      const name = c.getName();
      if (name === 'text') text = c.getText();
      else if (!condition && isStanzaErrorCondition(name)) condition = name;
    } else if (!appCondition) {
      appCondition = c;
    }
  }
  condition ??= 'undefined-condition';
  const t = err.attrs.type;
  const type = t && (STANZA_ERROR_TYPES as readonly string[]).includes(t) ? (t as StanzaErrorType) : defaultErrorType(condition);
  return { condition, type, text, by: err.attrs.by ?? null, appCondition };
}

// --- stream errors (RFC 6120 §4.9.3) ---

export const STREAM_ERROR_CONDITIONS = [
  'bad-format',
  'bad-namespace-prefix',
  'conflict',
  'connection-timeout',
  'host-gone',
  'host-unknown',
  'improper-addressing',
  'internal-server-error',
  'invalid-from',
  'invalid-namespace',
  'invalid-xml',
  'not-authorized',
  'not-well-formed',
  'policy-violation',
  'remote-connection-failed',
  'reset',
  'resource-constraint',
  'restricted-xml',
  'see-other-host',
  'system-shutdown',
  'undefined-condition',
  'unsupported-encoding',
  'unsupported-feature',
  'unsupported-stanza-type',
  'unsupported-version',
] as const;
export type StreamErrorCondition = (typeof STREAM_ERROR_CONDITIONS)[number];

/** A stream-level error: the stream is closed after sending streamErrorElement(). */
export class StreamError extends Error {
  override name = 'StreamError';
  readonly condition: StreamErrorCondition;
  readonly text?: string;
  /** for 'see-other-host': the host[:port] to redirect to */
  readonly seeOtherHost?: string;
  constructor(condition: StreamErrorCondition, text?: string, seeOtherHost?: string) {
    super(text ? `${condition}: ${text}` : condition);
    this.condition = condition;
    if (text !== undefined) this.text = text;
    if (seeOtherHost !== undefined) this.seeOtherHost = seeOtherHost;
  }
  toElement(): Element {
    return streamErrorElement(this.condition, this.text, this.seeOtherHost);
  }
}

/**
 * `<stream:error><condition xmlns=urn:ietf:params:xml:ns:xmpp-streams/><text/>?</stream:error>`.
 * The `stream` prefix is assumed to be bound by the stream header; pass
 * `seeOtherHost` as the text content of `<see-other-host/>`.
 */
export function streamErrorElement(condition: StreamErrorCondition, text?: string, seeOtherHost?: string): Element {
  const el = xml('stream:error', null, xml(condition, { xmlns: NS.STREAMS_ERR }, seeOtherHost ?? null));
  if (text) el.append(xml('text', { xmlns: NS.STREAMS_ERR }, text));
  return el;
}

/** Reads a received `<stream:error/>`. */
export function parseStreamError(el: Element): { condition: StreamErrorCondition; text: string | null } | null {
  if (el.getName() !== 'error') return null;
  let condition: StreamErrorCondition = 'undefined-condition';
  let text: string | null = null;
  let found = false;
  for (const c of el.getChildElements()) {
    if (c.getNS() !== NS.STREAMS_ERR) continue;
    const name = c.getName();
    if (name === 'text') text = c.getText();
    else if (!found && (STREAM_ERROR_CONDITIONS as readonly string[]).includes(name)) {
      condition = name as StreamErrorCondition;
      found = true;
    }
  }
  return { condition, text };
}

// --- SASL failures (RFC 6120 §6.5) ---

export const SASL_FAILURE_CONDITIONS = [
  'aborted',
  'account-disabled',
  'credentials-expired',
  'encryption-required',
  'incorrect-encoding',
  'invalid-authzid',
  'invalid-mechanism',
  'malformed-request',
  'mechanism-too-weak',
  'not-authorized',
  'temporary-auth-failure',
] as const;
export type SaslFailureCondition = (typeof SASL_FAILURE_CONDITIONS)[number];

/** `<failure xmlns=urn:ietf:params:xml:ns:xmpp-sasl><condition/><text/>?</failure>` */
export function saslFailure(condition: SaslFailureCondition, text?: string): Element {
  const el = xml('failure', { xmlns: NS.SASL }, xml(condition));
  if (text) el.append(xml('text', null, text));
  return el;
}

/** Reads a received SASL `<failure/>`. Unknown conditions become 'not-authorized'. */
export function parseSaslFailure(el: Element): { condition: SaslFailureCondition; text: string | null } {
  let condition: SaslFailureCondition = 'not-authorized';
  let text: string | null = null;
  for (const c of el.getChildElements()) {
    const name = c.getName();
    if (name === 'text') text = c.getText();
    else if ((SASL_FAILURE_CONDITIONS as readonly string[]).includes(name)) condition = name as SaslFailureCondition;
  }
  return { condition, text };
}
