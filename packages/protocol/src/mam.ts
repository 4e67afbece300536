// XEP-0313 Message Archive Management (with the #extended fields before-id, after-id, ids and
// <flip-page/>), paged with XEP-0059, and XEP-0441 archiving preferences. Both sides of a query:
// a client builds it and reads the <result/> messages and the <fin/>; an archive (a user's, or
// a room's per §6) reads the query and answers it from its stored stanzas.
import { xml, parseXml, type Element } from './xml.ts';
import { NS } from './namespaces.ts';
import { StanzaError } from './errors.ts';
import { buildDataForm, parseDataForm, type DataFormField } from './dataforms.ts';
import { tryParseJid } from './jid.ts';
import { parseXmppDateTime, xmppDateTime } from './stanza.ts';
import { parseRsmRequest, parseRsmResult, rsmRequest, rsmResult, type RsmLimits, type RsmRequest, type RsmResult } from './rsm.ts';

/** Which archived messages a query selects (§4.1). */
export interface MamFilter {
  /** bare JID of the other party */
  peer?: string;
  /** and only this resource of theirs */
  peerResource?: string;
  /** inclusive */
  start?: Date;
  /** inclusive */
  end?: Date;
  /** only those after / before this archive id (exclusive, #extended) */
  afterId?: string;
  beforeId?: string;
  /** exactly these archive ids (#extended) */
  ids?: string[];
}

// -- the client's side ----------------------------------------------------------

export interface MamQueryOptions {
  /** echoed in every <result/>, so the client tells its queries apart and nobody can slip results in */
  queryId: string;
  /** a bare or full JID: only the conversation with it */
  with?: string;
  start?: Date;
  end?: Date;
  page?: Partial<RsmRequest>;
}

/** The <query/> of an iq set to the archive (our account, or a room for its archive). */
export function mamQuery(options: MamQueryOptions): Element {
  const fields: DataFormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.MAM] }];
  if (options.with) fields.push({ var: 'with', values: [options.with] });
  if (options.start) fields.push({ var: 'start', values: [xmppDateTime(options.start)] });
  if (options.end) fields.push({ var: 'end', values: [xmppDateTime(options.end)] });
  return xml('query', { xmlns: NS.MAM, queryid: options.queryId }, buildDataForm({ type: 'submit', fields }), options.page ? rsmRequest(options.page) : null);
}

/** One archived message, as a <result/> message carries it. */
export interface MamResult {
  queryId: string | null;
  /** the archive's id of the message (its XEP-0359 stanza id) */
  id: string | null;
  /** the archived stanza itself */
  message: Element;
  /** when the archive stored it */
  stamp: Date | null;
}

/** The <result/> in a message from the archive, or null when the message carries none (or an empty one). */
export function parseMamResult(stanza: Element): MamResult | null {
  const result = stanza.getChild('result', NS.MAM);
  const forwarded = result?.getChild('forwarded', NS.FORWARD);
  const message = forwarded?.getChild('message');
  if (!result || !forwarded || !message) return null;
  const stamp = forwarded.getChild('delay', NS.DELAY)?.attrs.stamp;
  return { queryId: result.attrs.queryid ?? null, id: result.attrs.id ?? null, message, stamp: stamp ? parseXmppDateTime(stamp) : null };
}

/** Whether a message is an archive result at all (to be routed to the query, never shown as a live message). */
export function isMamResult(stanza: Element): boolean {
  return stanza.getChild('result', NS.MAM) !== undefined;
}

export interface MamFin {
  /** the last page: nothing further in the direction of paging */
  complete: boolean;
  page: RsmResult;
}

/** The <fin/> in the iq result that ends a query, or null when there is none (§4.2). */
export function parseMamFin(iqResult: Element): MamFin | null {
  const fin = iqResult.name === 'fin' ? iqResult : iqResult.getChild('fin', NS.MAM);
  if (!fin) return null;
  return { complete: fin.attrs.complete === 'true', page: parseRsmResult(fin.getChild('set', NS.RSM)) };
}

// -- the archive's side ---------------------------------------------------------

/** Payloads that make a message worth keeping although it has no body (encrypted, invitations, calls). */
const KEEP_NAMESPACES = new Set<string>([NS.OMEMO_LEGACY, NS.OMEMO, NS.OPENPGP, NS.PGP_ENCRYPTED, NS.EME, NS.CONFERENCE, NS.JINGLE_MESSAGE, NS.JINGLE_MESSAGE_1]);

/**
 * Whether an archive keeps a message (§5.1.1 and common practice): chat and
 * normal messages with a body or a subject, encrypted payloads (OMEMO,
 * OpenPGP, or an EME marker saying so), invitations and call signalling
 * (history of missed calls), or a XEP-0334 <store/> hint; never with
 * <no-store/> or <no-permanent-store/>. Chat states, receipts and markers
 * alone are not kept, nor errors or headlines. A room's archive asks with
 * type 'normal' for its groupchat messages.
 */
export function worthArchiving(stanza: Element, type: string): boolean {
  if (type !== 'chat' && type !== 'normal') return false;
  let keep = false;
  for (const child of stanza.children) {
    if (typeof child === 'string') continue;
    const ns = child.attrs.xmlns;
    if (ns === NS.HINTS) {
      if (child.name === 'no-store' || child.name === 'no-permanent-store') return false;
      if (child.name === 'store') keep = true;
    } else if (ns === undefined || ns === NS.CLIENT) {
      if (child.name === 'body' || child.name === 'subject') keep = true;
    } else if (KEEP_NAMESPACES.has(ns) || (ns === NS.MUC_USER && child.getChild('invite'))) {
      keep = true;
    }
  }
  return keep;
}

/** What an archive serves. */
export const MAM_LIMITS: RsmLimits = {
  defaultMax: 50,
  // Bigger requests are cut down silently (§4.3.1).
  maxMax: 250,
  // No archive id of ours is longer (they are 22 characters); a longer one names nothing.
  maxIdLength: 64,
};

export interface ParsedMamQuery {
  queryid: string | undefined;
  filter: MamFilter;
  page: RsmRequest;
  /** #extended <flip-page/>: the page's messages newest first */
  flip: boolean;
}

const bad = (text: string) => new StanzaError('bad-request', { type: 'modify', text });
const notFound = () => new StanzaError('item-not-found', { type: 'cancel', text: 'no such message in the archive' });

/** The form a client may fetch with an iq get (§4.1.5). */
export function mamQueryForm(): Element {
  return xml(
    'query',
    { xmlns: NS.MAM },
    xml(
      'x',
      { xmlns: NS.DATA_FORMS, type: 'form' },
      xml('field', { type: 'hidden', var: 'FORM_TYPE' }, xml('value', {}, NS.MAM)),
      xml('field', { type: 'jid-single', var: 'with' }),
      xml('field', { type: 'text-single', var: 'start' }),
      xml('field', { type: 'text-single', var: 'end' }),
      xml('field', { type: 'text-single', var: 'before-id' }),
      xml('field', { type: 'text-single', var: 'after-id' }),
      xml('field', { type: 'list-multi', var: 'ids' }, xml('validate', { xmlns: NS.DATA_FORMS_VALIDATE, datatype: 'xs:string' }, xml('open'))),
    ),
  );
}

/** Reads a query: everything a client can get wrong ends here as the XEP's error. */
export function parseMamQuery(query: Element, limits: RsmLimits = MAM_LIMITS): ParsedMamQuery {
  if (query.attrs.node !== undefined) throw new StanzaError('feature-not-implemented', { type: 'cancel', text: 'pubsub archives are not offered here' });
  const filter: MamFilter = {};
  const forms = query.getChildren('x', NS.DATA_FORMS);
  if (forms.length > 1) throw bad('one data form at most');
  if (forms[0]) readForm(forms[0], filter, limits);
  const sets = query.getChildren('set', NS.RSM);
  if (sets.length > 1) throw bad('one <set/> at most');
  return { queryid: query.attrs.queryid, filter, page: parseRsmRequest(sets[0] ?? misplacedAfter(query), limits), flip: query.getChild('flip-page') !== undefined };
}

/**
 * profanity 0.13 (Debian 12's) asks for the page after a complete one with
 * RSM's <after/> straight inside <query/>, without its <set/>. Ignored, as
 * Prosody ignores it, the query returns the first page again and profanity
 * shows every archived message twice; read as the RSM it means, it gets
 * the (empty) next page.
 */
function misplacedAfter(query: Element): Element | undefined {
  const after = query.getChild('after', NS.MAM);
  return after && xml('set', { xmlns: NS.RSM }, xml('after', {}, after.getText()));
}

function readForm(x: Element, filter: MamFilter, limits: RsmLimits): void {
  const form = parseDataForm(x);
  if (form.type !== 'submit') throw bad("the query form must be of type 'submit'");
  for (const field of form.fields) {
    const name = field.var;
    // Empty fields filter nothing.
    const value = field.values[0]?.trim();
    switch (name) {
      case 'FORM_TYPE':
        if (value !== NS.MAM) throw bad(`FORM_TYPE must be ${NS.MAM}`);
        break;
      case 'with': {
        if (!value) break;
        const jid = tryParseJid(value);
        if (!jid) throw bad("'with' is not a JID");
        filter.peer = jid.bare().toString();
        if (jid.resource) filter.peerResource = jid.resource;
        break;
      }
      case 'start':
      case 'end': {
        if (!value) break;
        const date = parseXmppDateTime(value);
        if (!date) throw bad(`'${name}' is not a XEP-0082 DateTime`);
        filter[name] = date;
        break;
      }
      case 'after-id':
      case 'before-id':
        if (!value) break;
        if (value.length > limits.maxIdLength) throw notFound();
        filter[name === 'after-id' ? 'afterId' : 'beforeId'] = value;
        break;
      case 'ids': {
        const ids = [...new Set(field.values.map((v) => v.trim()).filter((v) => v !== ''))];
        if (ids.length === 0) break;
        if (ids.length > limits.maxMax) throw new StanzaError('policy-violation', { type: 'modify', text: `at most ${limits.maxMax} ids per query` });
        if (ids.some((id) => id.length > limits.maxIdLength)) throw notFound();
        filter.ids = ids;
        break;
      }
      default:
        // §4.1.5: a field the server does not know.
        throw new StanzaError('feature-not-implemented', { type: 'cancel', text: `unknown field '${name ?? ''}'` });
    }
  }
}

/** One stored message as an archive keeps it. */
export interface ArchivedStanza {
  id: string;
  /** the stanza's XML */
  stanza: string;
  storedAt: Date;
}

/** One page of the selection, oldest first. */
export interface ArchivedPage {
  items: ArchivedStanza[];
  /** how many messages the filter selects, regardless of paging */
  count: number;
  /** offset of items[0] in the selection, null when the page is empty */
  firstIndex: number | null;
  /** the last page in the direction of paging */
  complete: boolean;
}

/**
 * The answer to a query (§4.2): a <result/> message per archived stanza,
 * from `from` (the archive: the account's bare JID or the room) to `to` (the
 * asking resource), then the <fin/> for the iq result. A stored stanza that
 * no longer parses is left out rather than failing the whole page.
 */
export function mamAnswer(page: ArchivedPage, query: Pick<ParsedMamQuery, 'queryid' | 'flip'>, addresses: { from: string; to: string }): { messages: Element[]; fin: Element } {
  const messages: Element[] = [];
  for (const entry of query.flip ? [...page.items].reverse() : page.items) {
    let original: Element;
    try {
      original = parseXml(entry.stanza);
    } catch {
      continue;
    }
    original.attrs.xmlns = NS.CLIENT; // inside <forwarded/> it would otherwise inherit urn:xmpp:forward:0
    messages.push(
      xml(
        'message',
        addresses,
        xml('result', { xmlns: NS.MAM, queryid: query.queryid, id: entry.id }, xml('forwarded', { xmlns: NS.FORWARD }, xml('delay', { xmlns: NS.DELAY, stamp: xmppDateTime(entry.storedAt) }), original)),
      ),
    );
  }
  const first = page.items[0];
  const last = page.items.at(-1);
  const set = rsmResult({ first: first?.id ?? null, firstIndex: first ? (page.firstIndex ?? 0) : null, last: last?.id ?? null, count: page.count });
  return { messages, fin: xml('fin', { xmlns: NS.MAM, complete: page.complete ? 'true' : undefined }, set) };
}

/** #extended §5: the first and last message an archive holds. */
export function mamMetadata(bounds: { first: { id: string; storedAt: Date }; last: { id: string; storedAt: Date } } | null): Element {
  const metadata = xml('metadata', { xmlns: NS.MAM });
  if (bounds) {
    metadata.append(xml('start', { id: bounds.first.id, timestamp: xmppDateTime(bounds.first.storedAt) }));
    metadata.append(xml('end', { id: bounds.last.id, timestamp: xmppDateTime(bounds.last.storedAt) }));
  }
  return metadata;
}

// -- XEP-0441 preferences ----------------------------------------------------------

export type MamDefault = 'always' | 'roster' | 'never';
export const MAM_DEFAULTS: readonly MamDefault[] = ['always', 'roster', 'never'];

export interface MamPrefs {
  /** what happens to messages with JIDs on neither list */
  default: MamDefault;
  /** JIDs (bare or full) whose messages are always / never kept */
  always: string[];
  never: string[];
}

/** JIDs per list; a longer list is refused rather than cut short. */
export const MAX_PREF_JIDS = 1000;

/** <prefs/> as a client sets them and as the archive reports them (§2.2). */
export function mamPrefs(prefs: MamPrefs): Element {
  const list = (name: string, jids: string[]) => xml(name, {}, ...jids.map((jid) => xml('jid', {}, jid)));
  return xml('prefs', { xmlns: NS.MAM, default: prefs.default }, list('always', prefs.always), list('never', prefs.never));
}

/** Reads <prefs/>: JIDs prepared and deduplicated. Throws the XEP's errors. */
export function parseMamPrefs(prefs: Element): MamPrefs {
  const mode = prefs.attrs.default;
  if (!mode || !(MAM_DEFAULTS as readonly string[]).includes(mode)) throw bad("default must be 'always', 'roster' or 'never'");
  return { default: mode as MamDefault, always: jidList(prefs, 'always'), never: jidList(prefs, 'never') };
}

function jidList(prefs: Element, name: string): string[] {
  const lists = prefs.getChildren(name);
  if (lists.length > 1) throw bad(`one <${name}/> at most`);
  const jids = new Set<string>();
  for (const child of lists[0]?.getChildren('jid') ?? []) {
    const jid = tryParseJid(child.getText().trim());
    if (!jid) throw new StanzaError('jid-malformed', { type: 'modify', text: `a JID in <${name}/> is malformed` });
    jids.add(jid.toString());
  }
  if (jids.size > MAX_PREF_JIDS) throw new StanzaError('policy-violation', { type: 'modify', text: `at most ${MAX_PREF_JIDS} JIDs per list` });
  return [...jids];
}
