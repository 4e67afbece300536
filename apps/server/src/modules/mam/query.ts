import { NS, parseDataForm, parseXmppDateTime, StanzaError, tryParseJid, xml, type Element } from '@conexizan/protocol';
import type { ArchiveFilter, ArchivePageRequest } from '@conexizan/storage';

/**
 * Reading a XEP-0313 query: the data form (§4.1, with the #extended
 * fields before-id, after-id and ids), XEP-0059 paging and <flip-page/>.
 * Everything a client can get wrong ends here as the XEP's error.
 */
export const DEFAULT_PAGE = 50;
/** The largest page; bigger requests are cut down silently (§4.3.1). */
export const MAX_PAGE = 250;
/** No archive id is longer (ours are 22 characters); a longer one names nothing. */
const MAX_ID_LENGTH = 64;

export interface ArchiveQuery {
  queryid: string | undefined;
  filter: ArchiveFilter;
  page: ArchivePageRequest;
  flip: boolean;
}

const bad = (text: string) => new StanzaError('bad-request', { type: 'modify', text });
const notFound = () => new StanzaError('item-not-found', { type: 'cancel', text: 'no such message in the archive' });

/** The form a client may fetch with an iq get (§4.1.5). */
export function queryForm(): Element {
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
      xml('field', { type: 'list-multi', var: 'ids' }, xml('validate', { xmlns: 'http://jabber.org/protocol/xdata-validate', datatype: 'xs:string' }, xml('open'))),
    ),
  );
}

export function parseQuery(query: Element): ArchiveQuery {
  if (query.attrs.node !== undefined) throw new StanzaError('feature-not-implemented', { type: 'cancel', text: 'pubsub archives are not offered here' });
  const filter: ArchiveFilter = {};
  const forms = query.getChildren('x', NS.DATA_FORMS);
  if (forms.length > 1) throw bad('one data form at most');
  if (forms[0]) readForm(forms[0], filter);
  const sets = query.getChildren('set', NS.RSM);
  if (sets.length > 1) throw bad('one <set/> at most');
  return { queryid: query.attrs.queryid as string | undefined, filter, page: readSet(sets[0]), flip: query.getChild('flip-page') !== undefined };
}

function readForm(x: Element, filter: ArchiveFilter): void {
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
        if (value.length > MAX_ID_LENGTH) throw notFound();
        filter[name === 'after-id' ? 'afterId' : 'beforeId'] = value;
        break;
      case 'ids': {
        const ids = [...new Set(field.values.map((v) => v.trim()).filter((v) => v !== ''))];
        if (ids.length === 0) break;
        if (ids.length > MAX_PAGE) throw new StanzaError('policy-violation', { type: 'modify', text: `at most ${MAX_PAGE} ids per query` });
        if (ids.some((id) => id.length > MAX_ID_LENGTH)) throw notFound();
        filter.ids = ids;
        break;
      }
      default:
        // §4.1.5: a field the server does not know.
        throw new StanzaError('feature-not-implemented', { type: 'cancel', text: `unknown field '${name ?? ''}'` });
    }
  }
}

/** XEP-0059 §2: <max/>, <after/>, <before/> (empty: the last page), <index/>. */
function readSet(set: Element | undefined): ArchivePageRequest {
  const page: ArchivePageRequest = { max: DEFAULT_PAGE };
  if (!set) return page;
  const max = set.getChild('max');
  if (max) page.max = Math.min(count(max.getText(), 'max'), MAX_PAGE);
  const after = set.getChild('after');
  if (after) {
    const id = after.getText().trim();
    if (!id) throw bad('<after/> needs an id');
    if (id.length > MAX_ID_LENGTH) throw notFound();
    page.after = id;
  }
  const before = set.getChild('before');
  if (before) {
    const id = before.getText().trim();
    if (id.length > MAX_ID_LENGTH) throw notFound();
    page.before = id;
  }
  const index = set.getChild('index');
  if (index) {
    if (after || before) throw bad('<index/> does not go with <after/> or <before/>');
    page.index = count(index.getText(), 'index');
  }
  return page;
}

/** A non-negative integer; absurdly large ones are clamped by the caller (or find nothing). */
function count(text: string, what: string): number {
  const trimmed = text.trim();
  if (!/^\d{1,30}$/.test(trimmed)) throw bad(`<${what}/> must be a non-negative integer`);
  return Math.min(Number(trimmed), 2 ** 31 - 1);
}
