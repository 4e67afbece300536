// XEP-0059 Result Set Management: the <set/> that pages through a long result (archives, lists).
// The requester builds a request and reads the result's <first/>, <last/> and <count/>; the
// responder reads the request (with its limits) and describes the page it returns.
import { xml, type Element } from './xml.ts';
import { NS } from './namespaces.ts';
import { StanzaError } from './errors.ts';

/** What page to return. */
export interface RsmRequest {
  /** at most this many items */
  max: number;
  /** the page right after this item id */
  after?: string;
  /** the page right before this item id; '' asks for the last page (§2.5) */
  before?: string;
  /** the page starting at this offset (§2.6; not with after/before) */
  index?: number;
}

/** The requester's <set/>; leave out `max` to let the responder choose. */
export function rsmRequest(request: Partial<RsmRequest>): Element {
  return xml(
    'set',
    { xmlns: NS.RSM },
    request.max !== undefined ? xml('max', {}, String(request.max)) : null,
    request.after !== undefined ? xml('after', {}, request.after) : null,
    request.before !== undefined ? xml('before', {}, request.before) : null,
    request.index !== undefined ? xml('index', {}, String(request.index)) : null,
  );
}

/** What a responder accepts. */
export interface RsmLimits {
  /** the page size when the request names none */
  defaultMax: number;
  /** the largest page; a bigger <max/> is cut down silently */
  maxMax: number;
  /** no item id is longer: a longer one names nothing (item-not-found, §2.5) */
  maxIdLength: number;
}

const bad = (text: string) => new StanzaError('bad-request', { type: 'modify', text });

/**
 * The request in a <set/> (or the defaults when there is none). Throws
 * bad-request for a malformed one, item-not-found for an id that cannot exist.
 */
export function parseRsmRequest(set: Element | undefined, limits: RsmLimits): RsmRequest {
  const page: RsmRequest = { max: limits.defaultMax };
  if (!set) return page;
  const max = set.getChild('max');
  if (max) page.max = Math.min(count(max.getText(), 'max'), limits.maxMax);
  const id = (element: Element) => {
    const value = element.getText().trim();
    if (value.length > limits.maxIdLength) throw new StanzaError('item-not-found', { type: 'cancel', text: 'no item has this id' });
    return value;
  };
  const after = set.getChild('after');
  if (after) {
    page.after = id(after);
    if (!page.after) throw bad('<after/> needs an id');
  }
  const before = set.getChild('before');
  if (before) page.before = id(before);
  const index = set.getChild('index');
  if (index) {
    if (after || before) throw bad('<index/> does not go with <after/> or <before/>');
    page.index = count(index.getText(), 'index');
  }
  return page;
}

/** A non-negative integer; absurdly large ones are clamped (and then find nothing). */
function count(text: string, what: string): number {
  const trimmed = text.trim();
  if (!/^\d{1,30}$/.test(trimmed)) throw bad(`<${what}/> must be a non-negative integer`);
  return Math.min(Number(trimmed), 2 ** 31 - 1);
}

/** The page a responder returned. */
export interface RsmResult {
  /** id of the page's first item, null for an empty page */
  first: string | null;
  /** offset of that item in the whole result */
  firstIndex: number | null;
  last: string | null;
  /** how many items the whole result has, when told */
  count: number | null;
}

/** The responder's <set/> describing the page (§2.1). */
export function rsmResult(result: RsmResult): Element {
  const set = xml('set', { xmlns: NS.RSM });
  if (result.first !== null && result.last !== null) {
    set.append(xml('first', result.firstIndex === null ? {} : { index: String(result.firstIndex) }, result.first), xml('last', {}, result.last));
  }
  if (result.count !== null) set.append(xml('count', {}, String(result.count)));
  return set;
}

/** Reads the responder's <set/> (missing or malformed parts are null). */
export function parseRsmResult(set: Element | undefined): RsmResult {
  const number = (text: string | null | undefined) => (text !== null && text !== undefined && /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null);
  const first = set?.getChild('first');
  return {
    first: first ? first.getText() : null,
    firstIndex: number(first?.attrs.index),
    last: set?.getChildText('last') ?? null,
    count: number(set?.getChildText('count')),
  };
}
