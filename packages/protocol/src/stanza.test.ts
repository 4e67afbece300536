import { describe, expect, it } from 'vitest';
import {
  delayElement,
  iq,
  iqRequestPayload,
  iqResult,
  iqType,
  isStanza,
  parseDelay,
  parseXmppDateTime,
  replyTo,
  stanzaKind,
  swapAddresses,
  xmppDate,
  xmppDateTime,
  xmppTime,
  xmppTzo,
} from './stanza.ts';
import { StanzaError } from './errors.ts';
import { NS } from './namespaces.ts';
import { Parser, parseXml, xml } from './xml.ts';

describe('isStanza', () => {
  it('recognizes stanzas by name and namespace', () => {
    expect(isStanza(parseXml('<message xmlns="jabber:client"/>'))).toBe(true);
    expect(isStanza(parseXml('<presence xmlns="jabber:server"/>'))).toBe(true);
    expect(isStanza(xml('iq'))).toBe(true);
    expect(isStanza(parseXml('<message xmlns="urn:other"/>'))).toBe(false);
    expect(isStanza(xml('body'))).toBe(false);
    expect(isStanza(parseXml('<x:message xmlns:x="jabber:client"/>'))).toBe(false);
    expect(stanzaKind(xml('presence'))).toBe('presence');
  });
  it('resolves the namespace from the stream root', () => {
    const p = new Parser();
    const got: boolean[] = [];
    p.on('element', (el) => got.push(isStanza(el)));
    p.write(`<stream:stream xmlns="jabber:client" xmlns:stream="${NS.STREAM}"><message/><stream:features/>`);
    expect(got).toEqual([true, false]);
  });
});

describe('iq helpers', () => {
  const req = parseXml('<iq xmlns="jabber:client" from="a@b/c" to="b" id="x1" type="get"><ping xmlns="urn:xmpp:ping"/></iq>');
  it('iqResult swaps addresses and keeps the id', () => {
    expect(iqResult(req).toString()).toBe('<iq xmlns="jabber:client" to="a@b/c" from="b" id="x1" type="result"/>');
    expect(iqResult(req, xml('query', { xmlns: NS.VERSION })).toString()).toBe(
      '<iq xmlns="jabber:client" to="a@b/c" from="b" id="x1" type="result"><query xmlns="jabber:iq:version"/></iq>',
    );
  });
  it('iqResult without from/to', () => {
    expect(iqResult(xml('iq', { id: '7', type: 'set' })).toString()).toBe('<iq id="7" type="result"/>');
  });
  it('iqRequestPayload', () => {
    expect(iqRequestPayload(req).getName()).toBe('ping');
    expect(() => iqRequestPayload(xml('iq', { id: '1', type: 'get' }))).toThrow(StanzaError);
    expect(() => iqRequestPayload(xml('iq', { id: '1', type: 'get' }, xml('a'), xml('b')))).toThrow(StanzaError);
    expect(() => iqRequestPayload(xml('iq', { type: 'get' }, xml('a')))).toThrow(StanzaError);
    expect(() => iqRequestPayload(xml('iq', { id: '1', type: 'result' }, xml('a')))).toThrow(StanzaError);
    expect(iqType(req)).toBe('get');
    expect(iqType(xml('iq', { type: 'foo' }))).toBeNull();
  });
  it('iq / replyTo / swapAddresses', () => {
    expect(iq({ type: 'get', id: 'p', to: 'example.com' }, xml('ping', { xmlns: NS.PING })).toString()).toBe(
      '<iq type="get" id="p" to="example.com"><ping xmlns="urn:xmpp:ping"/></iq>',
    );
    const m = xml('message', { from: 'a', to: 'b', id: '1' });
    expect(replyTo(m, 'chat', xml('body', null, 'x')).toString()).toBe('<message to="a" from="b" id="1" type="chat"><body>x</body></message>');
    expect(swapAddresses(xml('presence', { to: 'x' })).attrs).toEqual({ from: 'x' });
  });
});

describe('XEP-0082 / XEP-0203', () => {
  const d = new Date(Date.UTC(2002, 8, 10, 23, 8, 25));
  it('formats', () => {
    expect(xmppDateTime(d)).toBe('2002-09-10T23:08:25Z');
    expect(xmppDateTime(new Date(Date.UTC(1969, 6, 21, 2, 56, 15, 123)))).toBe('1969-07-21T02:56:15.123Z');
    expect(xmppDate(d)).toBe('2002-09-10');
    expect(xmppTime(d)).toBe('23:08:25Z');
    expect(xmppTzo(-360)).toBe('-06:00');
    expect(xmppTzo(330)).toBe('+05:30');
    expect(() => xmppDateTime(new Date(NaN))).toThrow(RangeError);
  });
  it('parses', () => {
    expect(parseXmppDateTime('2002-09-10T23:08:25Z')?.getTime()).toBe(d.getTime());
    expect(parseXmppDateTime('2002-09-10T17:08:25-06:00')?.getTime()).toBe(d.getTime());
    expect(parseXmppDateTime('1969-07-20T21:56:15.123-05:00')?.toISOString()).toBe('1969-07-21T02:56:15.123Z');
    expect(parseXmppDateTime('2002-09-10T23:08:25')).toBeNull();
    expect(parseXmppDateTime('2002-13-10T23:08:25Z')).toBeNull();
    expect(parseXmppDateTime('garbage')).toBeNull();
  });
  it('delay element round-trips', () => {
    const el = delayElement('capulet.com', d, 'Offline Storage');
    expect(el.toString()).toBe('<delay xmlns="urn:xmpp:delay" from="capulet.com" stamp="2002-09-10T23:08:25Z">Offline Storage</delay>');
    const msg = xml('message', null, el);
    expect(parseDelay(msg)).toEqual({ from: 'capulet.com', stamp: d, text: 'Offline Storage' });
    expect(parseDelay(xml('message'))).toBeNull();
  });
});
