/// <reference path="./tr46.d.ts" />
// JIDs (RFC 7622).
//
// Domainparts are stored in their Unicode form (IDNA2008 U-labels, lower case,
// no trailing dot), the form RFC 7622 §3.2 compares in. `Jid.domainAscii` /
// `domainToAscii()` give the A-label form for DNS look-ups and certificates.
// Input domainparts may use A-labels ("xn--...") or U-labels; both yield the
// same stored form, so equal JIDs always have equal strings.
import * as tr46 from 'tr46';
import { StanzaError } from './errors.ts';
import { PrecisError, precisLocalpart, precisResourcepart, checkPartLength } from './precis.ts';

/** Thrown for any JID (or JID part) that fails preparation/enforcement. */
export class JidMalformedError extends StanzaError {
  override name = 'JidMalformedError';
  constructor(message: string) {
    super('jid-malformed', { type: 'modify', text: message });
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PrecisError) throw new JidMalformedError(e.message);
    throw e;
  }
}

/** PRECIS UsernameCaseMapped + RFC 7622 §3.3 rules. Throws JidMalformedError. */
export function prepLocalpart(s: string): string {
  return wrap(() => precisLocalpart(s));
}

/** PRECIS OpaqueString + RFC 7622 §3.4 rules. Throws JidMalformedError. */
export function prepResourcepart(s: string): string {
  return wrap(() => precisResourcepart(s));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(s: string): boolean {
  // RFC 4291 text forms, including an embedded IPv4 tail and one "::".
  if (!/^[0-9a-f:.]+$/.test(s)) return false;
  let head = s;
  let groupsNeeded = 8;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    head = s.slice(0, lastColon + 1) + '0';
    groupsNeeded = 7;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const all = dbl.flatMap(groups);
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? all.length < groupsNeeded : all.length === groupsNeeded;
}

const TR46_OPTS = {
  checkHyphens: false,
  checkBidi: true,
  checkJoiners: true,
  // tr46 5.1.0's useSTD3ASCIIRules rejects every ASCII code point (bug), so
  // the LDH check is done below instead.
  useSTD3ASCIIRules: false,
  transitionalProcessing: false,
} as const;

/**
 * Domainparts already prepared, by input. A server sees few distinct domains,
 * and IDNA processing is most of the cost of preparing a JID (~14 µs of
 * ~17 µs here), paid for every address of every stanza. Bounded: emptied
 * when full, so that a flood of made-up domains costs memory only up to the bound.
 */
const preparedDomains = new Map<string, string>();
const MAX_PREPARED_DOMAINS = 1024;

/**
 * RFC 7622 §3.2: strips one trailing dot, accepts IPv4 and bracketed IPv6
 * literals (lower-cased), otherwise applies IDNA2008/UTS #46 processing
 * (tr46, nontransitional, CheckBidi, CheckJoiners), requires every label to be
 * non-empty, ≤63 octets in A-label form and made of letters, digits and '-'
 * (NR-LDH or U-label), and returns the U-label form. 1..1023 bytes.
 */
export function prepDomainpart(input: string): string {
  const known = preparedDomains.get(input);
  if (known !== undefined) return known;
  const prepared = prepareDomainpart(input);
  if (preparedDomains.size >= MAX_PREPARED_DOMAINS) preparedDomains.clear();
  preparedDomains.set(input, prepared);
  return prepared;
}

function prepareDomainpart(input: string): string {
  let s = input;
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0) throw new JidMalformedError('domainpart is empty');
  if (s.startsWith('[')) {
    const inner = s.endsWith(']') ? s.slice(1, -1).toLowerCase() : '';
    if (!isIPv6(inner)) throw new JidMalformedError('domainpart is not a valid IPv6 literal');
    return `[${inner}]`;
  }
  if (IPV4.test(s)) return s;
  const ascii = tr46.toASCII(s, { ...TR46_OPTS, verifyDNSLength: false });
  if (ascii === null) throw new JidMalformedError('domainpart is not a valid internationalized domain name');
  for (const label of ascii.split('.')) {
    if (label.length === 0) throw new JidMalformedError('domainpart has an empty label');
    if (label.length > 63) throw new JidMalformedError('domainpart has a label longer than 63 octets');
    if (!/^[a-z0-9-]+$/.test(label)) throw new JidMalformedError(`domainpart label '${label}' has characters other than letters, digits and '-'`);
    if (label.startsWith('-') || label.endsWith('-')) throw new JidMalformedError(`domainpart label '${label}' starts or ends with '-'`);
  }
  const { domain, error } = tr46.toUnicode(ascii, TR46_OPTS);
  if (error) throw new JidMalformedError('domainpart is not a valid internationalized domain name');
  wrap(() => checkPartLength(domain, 'domainpart'));
  return domain;
}

/** The A-label (ASCII) form of an already prepared domainpart, for DNS and certificates. */
export function domainToAscii(domain: string): string {
  if (domain.startsWith('[') || IPV4.test(domain)) return domain;
  const ascii = tr46.toASCII(domain, { ...TR46_OPTS, verifyDNSLength: false });
  if (ascii === null) throw new JidMalformedError('domainpart is not a valid internationalized domain name');
  return ascii;
}

const TRUSTED: unique symbol = Symbol('trusted jid parts');

/**
 * An immutable, prepared JID. Construct with parseJid(), tryParseJid() or jid();
 * `new Jid(local, domain, resource)` prepares its arguments too.
 */
export class Jid {
  readonly local: string;
  readonly domain: string;
  /** '' when absent */
  readonly resource: string;
  #str: string | undefined;

  constructor(local: string, domain: string, resource = '', trusted?: typeof TRUSTED) {
    if (trusted === TRUSTED) {
      this.local = local;
      this.domain = domain;
      this.resource = resource;
    } else {
      this.local = local === '' ? '' : prepLocalpart(local);
      this.domain = prepDomainpart(domain);
      this.resource = resource === '' ? '' : prepResourcepart(resource);
    }
  }

  /** The JID without its resource. */
  bare(): Jid {
    return this.resource === '' ? this : new Jid(this.local, this.domain, '', TRUSTED);
  }

  get isBare(): boolean {
    return this.resource === '';
  }

  /** A domain JID has neither localpart nor resourcepart (e.g. a server). */
  get isDomain(): boolean {
    return this.local === '' && this.resource === '';
  }

  /** The domainpart in A-label form. */
  get domainAscii(): string {
    return domainToAscii(this.domain);
  }

  /** This JID with another resource; throws JidMalformedError for a bad resource. '' gives the bare JID. */
  withResource(r: string): Jid {
    if (r === '') return this.bare();
    return new Jid(this.local, this.domain, prepResourcepart(r), TRUSTED);
  }

  toString(): string {
    this.#str ??= (this.local ? `${this.local}@` : '') + this.domain + (this.resource ? `/${this.resource}` : '');
    return this.#str;
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: Jid | null | undefined): boolean {
    return !!other && this.local === other.local && this.domain === other.domain && this.resource === other.resource;
  }

  /** True when the bare JIDs are equal. */
  bareEquals(other: Jid | null | undefined): boolean {
    return !!other && this.local === other.local && this.domain === other.domain;
  }
}

/**
 * JIDs parsed lately, by their string. A server parses the same addresses
 * (its users', their contacts', its own) again and again, in the 'to' and
 * 'from' of every stanza, and preparing a localpart costs microseconds
 * (PRECIS, the Bidi Rule); a Jid is immutable, so the same object can be
 * handed out again. Two generations of a bounded size: when the young one is
 * full it becomes the old one and the old one goes, so memory stays bounded
 * while the addresses in use stay. Only valid JIDs are kept.
 */
class RecentJids {
  #young = new Map<string, Jid>();
  #old = new Map<string, Jid>();

  constructor(readonly max: number) {}

  get(s: string): Jid | undefined {
    const young = this.#young.get(s);
    if (young) return young;
    const old = this.#old.get(s);
    if (old) this.remember(s, old);
    return old;
  }

  remember(s: string, jid: Jid): void {
    if (this.#young.size >= this.max) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(s, jid);
  }
}

const recentJids = new RecentJids(10_000);

/**
 * Parses and prepares a JID string per RFC 7622 §3.1: the resourcepart is
 * everything after the first '/', the localpart everything before the first
 * '@' of what remains. Throws JidMalformedError.
 */
export function parseJid(s: string): Jid {
  if (typeof s !== 'string') throw new JidMalformedError('JID is not a string');
  const known = recentJids.get(s);
  if (known) return known;
  const parsed = prepareJid(s);
  recentJids.remember(s, parsed);
  return parsed;
}

function prepareJid(s: string): Jid {
  if (s.length === 0) throw new JidMalformedError('JID is empty');
  if (s.length > 3071 * 2) throw new JidMalformedError('JID is too long');
  let rest = s;
  let resource = '';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    resource = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (resource === '') throw new JidMalformedError('resourcepart is empty');
  }
  let local = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    local = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (local === '') throw new JidMalformedError('localpart is empty');
  }
  if (rest.includes('@')) throw new JidMalformedError("domainpart must not contain '@'");
  return new Jid(
    local === '' ? '' : prepLocalpart(local),
    prepDomainpart(rest),
    resource === '' ? '' : prepResourcepart(resource),
    TRUSTED,
  );
}

/** parseJid that returns null instead of throwing (also for null/undefined/''). */
export function tryParseJid(s: string | undefined | null): Jid | null {
  if (s == null || s === '') return null;
  try {
    return parseJid(s);
  } catch (e) {
    if (e instanceof JidMalformedError) return null;
    throw e;
  }
}

/** Builds a JID from unprepared parts ('' for an absent localpart/resourcepart). Throws JidMalformedError. */
export function jid(local: string, domain: string, resource = ''): Jid {
  return new Jid(local, domain, resource);
}
