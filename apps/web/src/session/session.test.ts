import { describe, expect, it, vi } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { Session } from './session.ts';

/** A Session whose connection delivers the stanzas the test feeds in and records what would go out. */
function setup() {
  const session = new Session('alice@x', 'x', `t-${crypto.randomUUID()}`);
  const sent: Element[] = [];
  vi.spyOn(session.connection, 'send').mockImplementation(async (s: Element) => void sent.push(s));
  vi.spyOn(session.connection, 'status', 'get').mockReturnValue('online');
  const feed = async (s: string | Element) => {
    session.connection.emit('stanza', typeof s === 'string' ? parseXml(s) : s);
    await new Promise((r) => setTimeout(r, 10));
  };
  return { session, sent, feed };
}

const chat = (from: string, id: string, body: string) =>
  xml('message', { from, to: 'alice@x/web', type: 'chat', id }, xml('body', {}, body), xml('request', { xmlns: NS.RECEIPTS }), xml('markable', { xmlns: NS.CHAT_MARKERS }));

describe('Session routing', () => {
  it('acknowledges delivery only to contacts allowed to see our presence', async () => {
    const { session, sent, feed } = setup();
    session.roster.setAll([{ jid: 'bob@x', subscription: 'both', pending: false, groups: [] }], null);
    await feed(chat('bob@x/p', 'm1', 'hi'));
    await feed(chat('stranger@y/p', 'm2', 'hi'));
    expect(sent.map((s) => [s.attrs.to, s.getChild('received', NS.RECEIPTS)?.attrs.id])).toEqual([['bob@x/p', 'm1']]);
    expect(session.chats.get('stranger@y')!.messages).toHaveLength(1);
  });

  it('drops messages from a blocked address', async () => {
    const { session, feed } = setup();
    session.roster.setBlocked(['spam@y'], true);
    await feed(chat('spam@y/r', 'm1', 'buy now'));
    expect(session.chats.get('spam@y')).toBeUndefined();
  });

  it('counts unread messages and marks nothing read until the chat is open', async () => {
    const { session, sent, feed } = setup();
    session.roster.setAll([{ jid: 'bob@x', subscription: 'both', pending: false, groups: [] }], null);
    await feed(chat('bob@x/p', 'm1', 'one'));
    await feed(chat('bob@x/p', 'm2', 'two'));
    expect(session.chats.totalUnread).toBe(2);
    expect(sent.some((s) => s.getChild('displayed', NS.CHAT_MARKERS))).toBe(false);
    session.chats.setActive('bob@x');
    session.markDisplayed('bob@x');
    expect(session.chats.totalUnread).toBe(0);
    expect(sent.find((s) => s.getChild('displayed', NS.CHAT_MARKERS))?.getChild('displayed', NS.CHAT_MARKERS)?.attrs.id).toBe('m2');
  });

  it('lets an encryption layer transform incoming messages, also inside carbons, in arrival order', async () => {
    const { session, feed } = setup();
    // A stand-in for OMEMO: the text travels reversed in <secret/>; the transform restores the body.
    session.connection.addTransform({
      incoming: async (m) => {
        const secret = m.getChild('secret', 'urn:example:test');
        if (!secret) return m;
        await new Promise((r) => setTimeout(r, 5));
        return xml('message', m.attrs, xml('body', {}, [...secret.getText()].reverse().join('')));
      },
    });
    const secret = (id: string, text: string) => xml('message', { from: 'bob@x/p', to: 'alice@x', type: 'chat', id }, xml('secret', { xmlns: 'urn:example:test' }, [...text].reverse().join('')));
    session.connection.emit('stanza', secret('m1', 'first'));
    session.connection.emit('stanza', xml('message', { from: 'bob@x/p', to: 'alice@x', type: 'chat', id: 'm2' }, xml('body', {}, 'second')));
    await feed(xml('message', { from: 'alice@x', to: 'alice@x/web' }, xml('received', { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, secret('m3', 'third')))));
    await new Promise((r) => setTimeout(r, 50));
    expect(session.chats.get('bob@x')!.messages.map((m) => m.body)).toEqual(['first', 'second', 'third']);
  });

  it('takes nicknames from PEP notifications', async () => {
    const { session, feed } = setup();
    await feed(`<message from="bob@x" to="alice@x/web"><event xmlns="${NS.PUBSUB_EVENT}"><items node="${NS.NICK}"><item id="current"><nick xmlns="${NS.NICK}">Bobby</nick></item></items></event></message>`);
    expect(session.roster.displayName('bob@x')).toBe('Bobby');
  });
});
