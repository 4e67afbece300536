import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { formValue, parseDataForm } from '@conexizan/protocol/dataforms';
import { xml, type Element } from '@conexizan/protocol/xml';
import { testSession as setup } from './testing.ts';

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
    const { session, connection, feed } = setup();
    // A stand-in for OMEMO: the text travels reversed in <secret/>; the transform restores the body.
    connection.addTransform({
      incoming: async (m) => {
        const secret = m.getChild('secret', 'urn:example:test');
        if (!secret) return m;
        await new Promise((r) => setTimeout(r, 5));
        return xml('message', m.attrs, xml('body', {}, [...secret.getText()].reverse().join('')));
      },
    });
    const secret = (id: string, text: string) => xml('message', { from: 'bob@x/p', to: 'alice@x', type: 'chat', id }, xml('secret', { xmlns: 'urn:example:test' }, [...text].reverse().join('')));
    connection.emit('stanza', secret('m1', 'first'));
    connection.emit('stanza', xml('message', { from: 'bob@x/p', to: 'alice@x', type: 'chat', id: 'm2' }, xml('body', {}, 'second')));
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

describe('Session facade', () => {
  const contact = (subscription: 'none' | 'to' | 'from' | 'both') => [{ jid: 'bob@x', subscription, pending: false, groups: [] }];
  const chatStates = (sent: Element[]) => sent.filter((s) => s.getChildElements().some((c) => c.getNS() === NS.CHATSTATES)).map((s) => [s.attrs.to, s.getChildElements()[0]!.name]);

  it('tells typing only to a contact who may see our presence, while online and not blocked', () => {
    const { session, connection, sent } = setup();
    session.roster.setAll(contact('to'), null);
    session.setTyping('bob@x', true);
    session.roster.setAll(contact('both'), null);
    session.setTyping('bob@x', true);
    session.setTyping('bob@x', false);
    session.roster.setBlocked(['bob@x'], true);
    session.setTyping('bob@x', true);
    session.roster.setBlocked(['bob@x'], false);
    connection.state = 'offline';
    session.setTyping('bob@x', true);
    expect(chatStates(sent)).toEqual([
      ['bob@x', 'composing'],
      ['bob@x', 'paused'],
    ]);
  });

  it('sends, corrects, retracts and reacts through the outbox, showing each change at once', async () => {
    const { session, sent } = setup();
    const message = await session.send('bob@x', 'helo');
    await session.correct('bob@x', message.id, 'hello');
    await session.react('bob@x', message.id, ['👍']);
    await new Promise((r) => setTimeout(r, 10));
    const shown = session.chats.get('bob@x')!.messages[0]!;
    expect([shown.body, shown.edited, shown.reactions]).toEqual(['hello', true, { 'alice@x': ['👍'] }]);
    await session.retract('bob@x', message.id);
    expect(session.chats.get('bob@x')!.messages[0]!.retracted).toBe(true);
    expect(sent.map((s) => s.getChildElements().map((c) => c.name).find((n) => ['body', 'reactions', 'retract'].includes(n)))).toEqual(['body', 'body', 'reactions', 'retract']);
  });

  it('asks the server for the archiving preference and changes it (XEP-0441)', async () => {
    const { session, connection } = setup();
    expect(await session.getArchivePreference()).toBe('always');
    await session.setArchivePreference('roster');
    const set = connection.iqs[connection.iqs.length - 1]!;
    expect([set.type, set.payload.getNS(), set.payload.attrs.default]).toEqual(['set', NS.MAM, 'roster']);
  });

  it('changes the password (proving the current one) and deletes the account with XEP-0077 requests of this account', async () => {
    const { session, connection } = setup();
    await session.changePassword('the old password', 'a much better password');
    await session.deleteAccount();
    const [change, remove] = connection.iqs.map((i) => i.payload);
    // XEP-0077 §3.3 Example 19: the change-password form with the current password
    const form = parseDataForm(change!.getChild('x', NS.DATA_FORMS)!);
    expect([change!.getNS(), formValue(form, 'FORM_TYPE'), formValue(form, 'username'), formValue(form, 'old_password'), formValue(form, 'password')]).toEqual([
      NS.REGISTER, 'jabber:iq:register:changepassword', 'alice', 'the old password', 'a much better password',
    ]);
    expect(remove!.getChild('remove')).toBeDefined();
    // a password is never "checked" without a login's SaltedPassword to check it against
    expect(await session.isPassword('a much better password')).toBe(false);
  });

  it('passes the SaltedPassword of an accepted login on to whoever keeps "stay logged in"', () => {
    const { session, connection } = setup();
    const kept: unknown[] = [];
    session.on('saltedPassword', (salted) => kept.push(salted));
    const salted = { hash: 'SHA-256' as const, salt: new Uint8Array([1]), iterations: 4096, key: new Uint8Array([2]) };
    connection.emit('saltedPassword', salted);
    expect(kept).toEqual([salted]);
  });
});
