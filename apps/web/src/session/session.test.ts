import { describe, expect, it, vi } from 'vitest';
import { NS, parseXml, xml, type Element } from '@conexizan/protocol';
import { Session } from './session.ts';

/** A Session whose connection delivers the stanzas the test feeds in and records what would go out. */
function setup() {
  const session = new Session('alice@x', 'x', `t-${crypto.randomUUID()}`);
  const sent: Element[] = [];
  vi.spyOn(session.connection, 'send').mockImplementation(async (s: Element) => void sent.push(s));
  vi.spyOn(session.connection, 'status', 'get').mockReturnValue('online');
  const feed = async (s: string | Element) => {
    session.connection.emit('stanza', typeof s === 'string' ? parseXml(s) : s);
    await new Promise((r) => setTimeout(r, 0));
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

  it('takes nicknames from PEP notifications', async () => {
    const { session, feed } = setup();
    await feed(`<message from="bob@x" to="alice@x/web"><event xmlns="${NS.PUBSUB_EVENT}"><items node="${NS.NICK}"><item id="current"><nick xmlns="${NS.NICK}">Bobby</nick></item></items></event></message>`);
    expect(session.roster.displayName('bob@x')).toBe('Bobby');
  });
});
