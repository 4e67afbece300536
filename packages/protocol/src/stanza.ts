// Stanza helpers (RFC 6120 §8), XEP-0203 delayed delivery, XEP-0082 date/time profiles.
import { xml, Element } from './xml.ts';
import type { XmlChild } from './xml.ts';
import { NS } from './namespaces.ts';
import { StanzaError } from './errors.ts';

export type StanzaKind = 'message' | 'presence' | 'iq';

/**
 * The stanza kind of `el`, or null. An element counts as a stanza when its
 * name is message/presence/iq and its namespace is jabber:client or
 * jabber:server, or unresolved (an element built locally without xmlns and
 * not attached to a stream root).
 */
export function stanzaKind(el: Element): StanzaKind | null {
  const name = el.getName();
  if (name !== 'message' && name !== 'presence' && name !== 'iq') return null;
  if (el.name !== name) return null; // prefixed: <foo:message/>
  const ns = el.getNS();
  if (ns !== undefined && ns !== NS.CLIENT && ns !== NS.SERVER) return null;
  return name;
}

/** message, presence or iq in jabber:client / jabber:server (see stanzaKind). */
export function isStanza(el: Element): boolean {
  return stanzaKind(el) !== null;
}

/**
 * A reply to `stanza`: same element name, to/from swapped, same id, the given
 * type, and the children given. Keeps an explicit xmlns attribute if the
 * original had one.
 */
export function replyTo(stanza: Element, type: string | undefined, ...children: XmlChild[]): Element {
  const a = stanza.attrs;
  return xml(stanza.name, { xmlns: a.xmlns, to: a.from, from: a.to, id: a.id, type }, ...children);
}

/** Swaps the to/from attributes in place and returns the element. */
export function swapAddresses(el: Element): Element {
  const { to, from } = el.attrs;
  delete el.attrs.to;
  delete el.attrs.from;
  if (from !== undefined) el.attrs.to = from;
  if (to !== undefined) el.attrs.from = to;
  return el;
}

/** `<iq type="result">` answering `iq`: to=from, from=to, same id, optional payload. */
export function iqResult(iq: Element, payload?: Element): Element {
  return replyTo(iq, 'result', payload ?? null);
}

export type IqType = 'get' | 'set' | 'result' | 'error';

export function iqType(iq: Element): IqType | null {
  const t = iq.attrs.type;
  return t === 'get' || t === 'set' || t === 'result' || t === 'error' ? t : null;
}

/**
 * The single payload element of an iq get/set (RFC 6120 §8.2.3).
 * Throws StanzaError('bad-request') when there is not exactly one child
 * element, no id, or the type is not get/set.
 */
export function iqRequestPayload(iq: Element): Element {
  const t = iqType(iq);
  if (t !== 'get' && t !== 'set') throw new StanzaError('bad-request', 'iq type must be get or set');
  if (!iq.attrs.id) throw new StanzaError('bad-request', 'iq without id');
  const children = iq.getChildElements();
  if (children.length !== 1) throw new StanzaError('bad-request', 'iq get/set must contain exactly one child element');
  return children[0]!;
}

/** Builds an iq request. */
export function iq(attrs: { type: 'get' | 'set'; id: string; to?: string; from?: string }, payload: Element): Element {
  return xml('iq', { type: attrs.type, id: attrs.id, to: attrs.to, from: attrs.from }, payload);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * XEP-0082 DateTime in UTC: CCYY-MM-DDThh:mm:ss[.sss]Z. Milliseconds are
 * included only when non-zero.
 */
export function xmppDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  const ms = d.getUTCMilliseconds();
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    (ms ? `.${pad(ms, 3)}` : '') +
    'Z'
  );
}

/** XEP-0082 Date (UTC): CCYY-MM-DD. */
export function xmppDate(d: Date): string {
  return xmppDateTime(d).slice(0, 10);
}

/** XEP-0082 Time (UTC): hh:mm:ss[.sss]Z. */
export function xmppTime(d: Date): string {
  return xmppDateTime(d).slice(11);
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a XEP-0082 DateTime (any fraction precision, Z or ±hh:mm). Returns null when malformed. */
export function parseXmppDateTime(s: string): Date | null {
  const m = DATETIME_RE.exec(s);
  if (!m) return null;
  const [, Y, M, D, h, mi, sec, frac, tz] = m;
  const month = Number(M);
  const day = Number(D);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return null;
  let t = Date.UTC(Number(Y), month - 1, day, Number(h), Number(mi), Number(sec), frac ? Math.floor(Number(frac) * 1000) : 0);
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const offset = (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
    t -= sign * offset;
  }
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** XEP-0203 `<delay xmlns="urn:xmpp:delay" from=".." stamp=".."/>`. */
export function delayElement(from: string, stamp: Date, text?: string): Element {
  return xml('delay', { xmlns: NS.DELAY, from, stamp: xmppDateTime(stamp) }, text ?? null);
}

/** Reads a XEP-0203 delay child of a stanza. */
export function parseDelay(stanza: Element): { from: string | null; stamp: Date; text: string | null } | null {
  const d = stanza.getChild('delay', NS.DELAY);
  const stamp = d?.attrs.stamp ? parseXmppDateTime(d.attrs.stamp) : null;
  if (!d || !stamp) return null;
  const text = d.getText();
  return { from: d.attrs.from ?? null, stamp, text: text === '' ? null : text };
}

/** XEP-0202 time zone offset of a Date in the local zone ("+hh:mm" / "-hh:mm"); "Z"-less. */
export function xmppTzo(offsetMinutesEastOfUtc: number): string {
  const sign = offsetMinutesEastOfUtc < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutesEastOfUtc);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
