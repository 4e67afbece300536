import { describe, expect, it } from 'vitest';
import { mamAnswer, mamMetadata, mamPrefs, mamQuery, mamQueryForm, parseMamFin, parseMamPrefs, parseMamQuery, parseMamResult } from './mam.ts';
import { NS } from './namespaces.ts';
import { parseXml, xml } from './xml.ts';

/** Throws the StanzaError with this condition. */
const fails = (condition: string) => expect.objectContaining({ name: 'StanzaError', condition });

const stored = (id: string, body: string, at: string) => ({ id, stanza: `<message xmlns="jabber:client" from="bob@x/p" to="alice@x" type="chat"><body>${body}</body></message>`, storedAt: new Date(at) });

describe('XEP-0313 queries', () => {
  it('reads back what a client asks for: the conversation, the time window and the page', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const query = mamQuery({ queryId: 'q1', with: 'bob@x/phone', start, page: { max: 20, before: '' } });
    expect(parseMamQuery(query)).toEqual({ queryid: 'q1', filter: { peer: 'bob@x', peerResource: 'phone', start }, page: { max: 20, before: '' }, flip: false });
  });

  it('reads the #extended fields and <flip-page/>', () => {
    const query = parseXml(
      `<query xmlns="urn:xmpp:mam:2"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:mam:2</value></field><field var="after-id"><value>a1</value></field><field var="ids"><value>b</value><value>b</value><value>c</value></field></x><flip-page/></query>`,
    );
    expect(parseMamQuery(query)).toMatchObject({ filter: { afterId: 'a1', ids: ['b', 'c'] }, flip: true, page: { max: 50 } });
  });

  it('answers bad queries with the errors §4.1.5 and XEP-0059 name', () => {
    const form = (fields: string) => parseXml(`<query xmlns="urn:xmpp:mam:2"><x xmlns="jabber:x:data" type="submit">${fields}</x></query>`);
    expect(() => parseMamQuery(form('<field var="FORM_TYPE"><value>urn:xmpp:mam:1</value></field>'))).toThrow(fails('bad-request'));
    expect(() => parseMamQuery(form('<field var="with"><value>@@</value></field>'))).toThrow(fails('bad-request'));
    expect(() => parseMamQuery(form('<field var="start"><value>yesterday</value></field>'))).toThrow(fails('bad-request'));
    expect(() => parseMamQuery(form('<field var="colour"><value>red</value></field>'))).toThrow(fails('feature-not-implemented'));
    expect(() => parseMamQuery(form(`<field var="before-id"><value>${'x'.repeat(65)}</value></field>`))).toThrow(fails('item-not-found'));
    expect(() => parseMamQuery(parseXml('<query xmlns="urn:xmpp:mam:2" node="urn:xmpp:mucsub:nodes:messages"/>'))).toThrow(fails('feature-not-implemented'));
    expect(() => parseMamQuery(parseXml('<query xmlns="urn:xmpp:mam:2"><set xmlns="http://jabber.org/protocol/rsm"/><set xmlns="http://jabber.org/protocol/rsm"/></query>'))).toThrow(fails('bad-request'));
  });

  it("reads profanity 0.13's <after/> without its RSM <set/> as the RSM it means", () => {
    const query = parseXml(`<query xmlns="urn:xmpp:mam:2"><x xmlns="jabber:x:data" type="submit"><field var="with"><value>bob@x</value></field></x><after>A2</after></query>`);
    expect(parseMamQuery(query).page).toEqual({ max: 50, after: 'A2' });
    // A real <set/> wins; an <after/> of another namespace means nothing here.
    const both = parseXml(`<query xmlns="urn:xmpp:mam:2"><set xmlns="http://jabber.org/protocol/rsm"><max>5</max></set><after>A2</after></query>`);
    expect(parseMamQuery(both).page).toEqual({ max: 5 });
    expect(parseMamQuery(parseXml(`<query xmlns="urn:xmpp:mam:2"><after xmlns="urn:example">A2</after></query>`)).page).toEqual({ max: 50 });
  });

  it('offers the query form with every field it understands', () => {
    const vars = mamQueryForm().getChild('x', NS.DATA_FORMS)!.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids']);
    // and accepts it back as a submission
    for (const name of vars.slice(1)) expect(() => parseMamQuery(parseXml(`<query xmlns="urn:xmpp:mam:2"><x xmlns="jabber:x:data" type="submit"><field var="${name}"/></x></query>`))).not.toThrow();
  });
});

describe('XEP-0313 answers', () => {
  const page = { items: [stored('A1', 'one', '2026-01-02T03:04:05Z'), stored('A2', 'two', '2026-01-02T03:04:06Z')], count: 7, firstIndex: 5, complete: true };

  it('gives a client the archived stanzas with their ids and times, then the page in <fin/>', () => {
    const { messages, fin } = mamAnswer(page, { queryid: 'q1', flip: false }, { from: 'alice@x', to: 'alice@x/web' });
    const results = messages.map((m) => parseMamResult(m)!);
    expect(results.map((r) => [r.queryId, r.id, r.message.getChildText('body'), r.stamp?.toISOString()])).toEqual([
      ['q1', 'A1', 'one', '2026-01-02T03:04:05.000Z'],
      ['q1', 'A2', 'two', '2026-01-02T03:04:06.000Z'],
    ]);
    expect(messages[0]!.attrs).toMatchObject({ from: 'alice@x', to: 'alice@x/web' });
    // the forwarded stanza keeps jabber:client rather than inheriting the forward namespace
    expect(results[0]!.message.getNS()).toBe(NS.CLIENT);
    expect(parseMamFin(xml('iq', { type: 'result' }, fin))).toEqual({ complete: true, page: { first: 'A1', firstIndex: 5, last: 'A2', count: 7 } });
  });

  it('flips a page on request and leaves out a stored stanza that no longer parses', () => {
    const broken = { ...page, items: [...page.items, { id: 'A3', stanza: '<message><body>', storedAt: new Date() }] };
    const { messages, fin } = mamAnswer(broken, { queryid: undefined, flip: true }, { from: 'room@muc.x', to: 'alice@x/web' });
    expect(messages.map((m) => parseMamResult(m)!.id)).toEqual(['A2', 'A1']);
    // <first/> and <last/> still describe the page in archive order
    expect(parseMamFin(fin)!.page).toMatchObject({ first: 'A1', last: 'A3' });
  });

  it('answers an empty page with the count only, and not complete when told so', () => {
    const { messages, fin } = mamAnswer({ items: [], count: 3, firstIndex: null, complete: false }, { queryid: 'q', flip: false }, { from: 'a@x', to: 'a@x/r' });
    expect(messages).toEqual([]);
    expect(parseMamFin(fin)).toEqual({ complete: false, page: { first: null, firstIndex: null, last: null, count: 3 } });
  });

  it('reads no result from a message without one, and no fin from an iq without one', () => {
    expect(parseMamResult(parseXml('<message><body>hi</body></message>'))).toBeNull();
    expect(parseMamResult(parseXml('<message><result xmlns="urn:xmpp:mam:2" id="1"/></message>'))).toBeNull();
    expect(parseMamFin(parseXml('<iq type="result"/>'))).toBeNull();
  });

  it('describes the first and last message of an archive (#extended metadata)', () => {
    const meta = mamMetadata({ first: { id: 'A1', storedAt: new Date('2026-01-01T00:00:00Z') }, last: { id: 'A9', storedAt: new Date('2026-02-01T00:00:00Z') } });
    expect(meta.getChild('start')?.attrs).toEqual({ id: 'A1', timestamp: '2026-01-01T00:00:00Z' });
    expect(meta.getChild('end')?.attrs.id).toBe('A9');
    expect(mamMetadata(null).getChildElements()).toEqual([]);
  });
});

describe('XEP-0441 preferences', () => {
  it('reads back what is set, with JIDs prepared and deduplicated', () => {
    const prefs = parseMamPrefs(mamPrefs({ default: 'roster', always: ['Romeo@Montague.lit', 'romeo@montague.lit'], never: ['tybalt@capulet.lit/sword'] }));
    expect(prefs).toEqual({ default: 'roster', always: ['romeo@montague.lit'], never: ['tybalt@capulet.lit/sword'] });
  });

  it('refuses an unknown default, a malformed JID and a list given twice', () => {
    expect(() => parseMamPrefs(parseXml('<prefs xmlns="urn:xmpp:mam:2" default="sometimes"/>'))).toThrow(fails('bad-request'));
    expect(() => parseMamPrefs(parseXml('<prefs xmlns="urn:xmpp:mam:2" default="always"><never><jid>@@</jid></never></prefs>'))).toThrow(fails('jid-malformed'));
    expect(() => parseMamPrefs(parseXml('<prefs xmlns="urn:xmpp:mam:2" default="always"><never/><never/></prefs>'))).toThrow(fails('bad-request'));
  });
});
