import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml } from '@conexizan/protocol/xml';
import { chatMessage, parseMessage, stripFallback } from './stanzas.ts';

const self = 'alice@example.org';

describe('parseMessage', () => {
  it('reads a chat message with its stanza-id, keeping markup as text', () => {
    const events = parseMessage(
      parseXml(`<message from="Bob@example.org/phone" to="alice@example.org/web" type="chat" id="m1"><body>&lt;b&gt;hi&lt;/b&gt;</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@example.org" id="A1"/><markable xmlns="urn:xmpp:chat-markers:0"/></message>`),
      { self, now: () => 5 },
    );
    expect(events).toEqual([
      { kind: 'message', message: { id: 'm1', peer: 'bob@example.org', outgoing: false, body: '<b>hi</b>', timestamp: 5, state: 'received', markable: true, archiveId: 'A1' } },
    ]);
  });

  it('ignores a stanza-id added by someone else than our archive', () => {
    const [event] = parseMessage(parseXml(`<message from="bob@example.org" type="chat" id="m1"><body>x</body><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.org" id="FAKE"/></message>`), { self });
    expect(event).toMatchObject({ kind: 'message' });
    expect(event?.kind === 'message' ? event.message.archiveId : 'x').toBeUndefined();
  });

  it('unwraps a sent carbon from our own account as an outgoing message', () => {
    const stanza = parseXml(
      `<message from="alice@example.org" to="alice@example.org/web"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message from="alice@example.org/phone" to="bob@example.org" type="chat" id="c1"><body>from my phone</body></message></forwarded></sent></message>`,
    );
    const [event] = parseMessage(stanza, { self });
    expect(event).toMatchObject({ kind: 'message', message: { id: 'c1', peer: 'bob@example.org', outgoing: true, body: 'from my phone' } });
  });

  it('drops a carbon forged by another account', () => {
    const stanza = parseXml(
      `<message from="mallory@example.org" to="alice@example.org/web"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message from="bob@example.org/x" to="alice@example.org" type="chat" id="c1"><body>forged</body></message></forwarded></received></message>`,
    );
    expect(parseMessage(stanza, { self })).toEqual([]);
  });

  it('reads receipts, markers, chat states, corrections, retractions and reactions', () => {
    const from = { from: 'bob@example.org/x', to: self, type: 'chat' };
    const parse = (...children: ReturnType<typeof xml>[]) => parseMessage(xml('message', from, ...children), { self });
    expect(parse(xml('received', { xmlns: NS.RECEIPTS, id: 'm1' }))).toEqual([{ kind: 'receipt', peer: 'bob@example.org', id: 'm1' }]);
    expect(parse(xml('displayed', { xmlns: NS.CHAT_MARKERS, id: 'm2' }))).toEqual([{ kind: 'marker', peer: 'bob@example.org', id: 'm2', marker: 'displayed' }]);
    expect(parse(xml('composing', { xmlns: NS.CHATSTATES }))).toEqual([{ kind: 'chatstate', peer: 'bob@example.org', composing: true }]);
    expect(parse(xml('body', {}, 'fixed'), xml('replace', { xmlns: NS.CORRECTION, id: 'm1' }))).toEqual([
      { kind: 'correction', peer: 'bob@example.org', outgoing: false, replaces: 'm1', body: 'fixed' },
    ]);
    expect(parse(xml('retract', { xmlns: NS.RETRACT, id: 'm1' }), xml('body', {}, 'fallback'))).toEqual([{ kind: 'retraction', peer: 'bob@example.org', outgoing: false, id: 'm1' }]);
    expect(parse(xml('reactions', { xmlns: NS.REACTIONS, id: 'm1' }, xml('reaction', {}, '👍'), xml('reaction', {}, '👍')))).toEqual([
      { kind: 'reactions', peer: 'bob@example.org', reactor: 'bob@example.org', id: 'm1', emojis: ['👍'] },
    ]);
  });

  it('turns an error reply into a failed delivery', () => {
    expect(parseMessage(parseXml(`<message from="nobody@example.org" type="error" id="m9"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>`), { self })).toEqual([
      { kind: 'error', peer: 'nobody@example.org', id: 'm9' },
    ]);
  });

  it('recognises an HTTP upload link only when the body is the URL', () => {
    const url = 'https://example.org/upload/abc/cat%20pic.png';
    const [withFile] = parseMessage(xml('message', { from: 'bob@example.org/x', type: 'chat', id: 'f' }, xml('body', {}, url), xml('x', { xmlns: NS.OOB }, xml('url', {}, url))), { self });
    expect(withFile).toMatchObject({ message: { file: { url, name: 'cat pic.png' } } });
    const [script] = parseMessage(xml('message', { from: 'bob@example.org/x', type: 'chat', id: 'g' }, xml('body', {}, 'javascript:alert(1)'), xml('x', { xmlns: NS.OOB }, xml('url', {}, 'javascript:alert(1)'))), { self });
    expect(script?.kind === 'message' && script.message.file).toBeUndefined();
  });
});

describe('replies', () => {
  it('builds a quote fallback that the parser strips again', () => {
    const stanza = chatMessage('bob@example.org', 'r1', 'I agree 👍', { replyTo: { id: 'm1', to: 'bob@example.org', quote: 'Pizza? 🍕' } });
    expect(stanza.getChildText('body')).toBe('> Pizza? 🍕\nI agree 👍');
    const incoming = xml('message', { ...stanza.attrs, from: 'alice@example.org/web', to: 'bob@example.org' }, ...stanza.getChildElements());
    const [event] = parseMessage(incoming, { self: 'bob@example.org' });
    expect(event).toMatchObject({ kind: 'message', message: { body: 'I agree 👍', replyTo: { id: 'm1', text: 'Pizza? 🍕' } } });
  });

  it('ignores fallback ranges outside the body', () => {
    const stanza = xml('message', {}, xml('fallback', { xmlns: NS.FALLBACK, for: NS.REPLY }, xml('body', { start: '0', end: '999' })));
    expect(stripFallback(stanza, 'keep me', [NS.REPLY])).toBe('keep me');
  });
});
