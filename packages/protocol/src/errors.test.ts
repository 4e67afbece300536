import { describe, expect, it } from 'vitest';
import {
  STANZA_ERROR_CONDITIONS,
  STREAM_ERROR_CONDITIONS,
  SASL_FAILURE_CONDITIONS,
  StanzaError,
  StreamError,
  defaultErrorType,
  errorReply,
  errorReplyFrom,
  isErrorStanza,
  parseSaslFailure,
  parseStanzaError,
  parseStreamError,
  saslFailure,
  streamErrorElement,
} from './errors.ts';
import { NS } from './namespaces.ts';
import { parseXml, xml } from './xml.ts';

describe('condition lists', () => {
  it('has all 22 stanza, 25 stream and 11 SASL conditions', () => {
    expect(new Set(STANZA_ERROR_CONDITIONS).size).toBe(22);
    expect(new Set(STREAM_ERROR_CONDITIONS).size).toBe(25);
    expect(new Set(SASL_FAILURE_CONDITIONS).size).toBe(11);
  });
  it('default types follow RFC 6120 §8.3.3 examples', () => {
    expect(defaultErrorType('bad-request')).toBe('modify');
    expect(defaultErrorType('forbidden')).toBe('auth');
    expect(defaultErrorType('item-not-found')).toBe('cancel');
    expect(defaultErrorType('service-unavailable')).toBe('cancel');
    expect(defaultErrorType('resource-constraint')).toBe('wait');
    expect(defaultErrorType('not-authorized')).toBe('auth');
    expect(defaultErrorType('jid-malformed')).toBe('modify');
    expect(defaultErrorType('unexpected-request')).toBe('wait');
    for (const c of STANZA_ERROR_CONDITIONS) {
      expect(['auth', 'cancel', 'continue', 'modify', 'wait']).toContain(defaultErrorType(c));
    }
  });
});

describe('StanzaError', () => {
  it('serializes', () => {
    const e = new StanzaError('item-not-found', 'no such node');
    expect(e).toBeInstanceOf(Error);
    expect(e.type).toBe('cancel');
    expect(e.toElement().toString()).toBe(
      `<error type="cancel"><item-not-found xmlns="${NS.STANZAS_ERR}"/><text xmlns="${NS.STANZAS_ERR}">no such node</text></error>`,
    );
  });
  it('supports type, by, appCondition and uri', () => {
    const app = xml('too-many-subscriptions', { xmlns: NS.PUBSUB_ERRORS });
    const e = new StanzaError('redirect', { type: 'modify', by: 'example.com', appCondition: app, uri: 'xmpp:x@example.com' });
    const el = e.toElement();
    expect(el.attrs.by).toBe('example.com');
    expect(el.getChild('redirect', NS.STANZAS_ERR)?.getText()).toBe('xmpp:x@example.com');
    expect(el.getChild('too-many-subscriptions', NS.PUBSUB_ERRORS)).toBeDefined();
  });
});

describe('errorReply', () => {
  it('iq: swaps addresses, keeps id, includes only the request', () => {
    const iq = parseXml(
      `<iq xmlns="jabber:client" from="a@x/r" to="b@y" id="q1" type="get"><query xmlns="jabber:iq:version"/><extra xmlns="urn:x"/></iq>`,
    );
    const r = errorReply(iq, 'service-unavailable');
    expect(r.toString()).toBe(
      `<iq xmlns="jabber:client" to="a@x/r" from="b@y" id="q1" type="error"><query xmlns="jabber:iq:version"/><error type="cancel"><service-unavailable xmlns="${NS.STANZAS_ERR}"/></error></iq>`,
    );
    // the original is untouched
    expect(iq.getChildElements()).toHaveLength(2);
    expect(iq.getChild('query')?.parent).toBe(iq);
  });
  it('message: copies the payload, not an existing error', () => {
    const m = xml('message', { from: 'a@x/r', to: 'b@y', type: 'chat', id: 'm1' }, xml('body', null, 'hi'), xml('error', { type: 'cancel' }));
    const r = errorReply(m, 'recipient-unavailable', { text: 'gone fishing', by: 'y' });
    expect(r.attrs).toEqual({ to: 'a@x/r', from: 'b@y', id: 'm1', type: 'error' });
    expect(r.getChildText('body')).toBe('hi');
    expect(r.getChildren('error')).toHaveLength(1);
    const parsed = parseStanzaError(r);
    expect(parsed).toEqual({ condition: 'recipient-unavailable', type: 'wait', text: 'gone fishing', by: 'y', appCondition: null });
  });
  it('presence without id/from', () => {
    const p = xml('presence', { to: 'b@y', type: 'subscribe' });
    const r = errorReply(p, 'forbidden', { type: 'auth' });
    expect(r.attrs).toEqual({ from: 'b@y', type: 'error' });
    expect(isErrorStanza(r)).toBe(true);
    expect(isErrorStanza(p)).toBe(false);
  });
  it('errorReplyFrom a thrown StanzaError', () => {
    const iq = xml('iq', { type: 'set', id: '1' }, xml('query', { xmlns: NS.ROSTER }));
    const r = errorReplyFrom(iq, new StanzaError('not-allowed', { text: 'nope' }));
    expect(parseStanzaError(r)).toMatchObject({ condition: 'not-allowed', type: 'cancel', text: 'nope' });
  });
});

describe('parseStanzaError', () => {
  it('returns null without error', () => {
    expect(parseStanzaError(xml('iq', { type: 'result' }))).toBeNull();
  });
  it('handles unknown conditions and types', () => {
    const el = parseXml(`<iq type="error"><error type="bogus"><whatever xmlns="${NS.STANZAS_ERR}"/><app xmlns="urn:a"/></error></iq>`);
    const e = parseStanzaError(el);
    expect(e?.condition).toBe('undefined-condition');
    expect(e?.type).toBe('modify');
    expect(e?.appCondition?.getName()).toBe('app');
  });
  it('accepts the <error/> element itself', () => {
    expect(parseStanzaError(new StanzaError('conflict').toElement())?.condition).toBe('conflict');
  });
});

describe('stream errors', () => {
  it('builds <stream:error>', () => {
    expect(streamErrorElement('host-unknown').toString()).toBe(
      `<stream:error><host-unknown xmlns="${NS.STREAMS_ERR}"/></stream:error>`,
    );
    expect(streamErrorElement('policy-violation', 'too fast').toString()).toBe(
      `<stream:error><policy-violation xmlns="${NS.STREAMS_ERR}"/><text xmlns="${NS.STREAMS_ERR}">too fast</text></stream:error>`,
    );
    expect(new StreamError('see-other-host', undefined, '[2001:db8::1]:5222').toElement().toString()).toContain(
      '>[2001:db8::1]:5222</see-other-host>',
    );
  });
  it('parses', () => {
    expect(parseStreamError(streamErrorElement('conflict', 'replaced'))).toEqual({ condition: 'conflict', text: 'replaced' });
  });
});

describe('SASL failure', () => {
  it('builds and parses', () => {
    const f = saslFailure('not-authorized', 'bad password');
    expect(f.toString()).toBe(`<failure xmlns="${NS.SASL}"><not-authorized/><text>bad password</text></failure>`);
    expect(parseSaslFailure(f)).toEqual({ condition: 'not-authorized', text: 'bad password' });
    expect(saslFailure('aborted').toString()).toBe(`<failure xmlns="${NS.SASL}"><aborted/></failure>`);
  });
});
