import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob', 'carol']) await h.createUser(name);
  await h.core.storage.roster.put('bob', { jid: 'alice@localhost', name: null, subscription: 'from', askSubscribe: false, approved: false, groups: [] });
});
afterAll(() => h.stop());

const last = (to?: string) => xml('iq', { type: 'get', ...(to ? { to } : {}) }, xml('query', { xmlns: NS.LAST }));
const condition = (reply: Element) => reply.getChild('error')?.getChildElements()[0]?.name;
const seconds = (reply: Element) => Number(reply.getChild('query', NS.LAST)!.attrs.seconds);

describe('last activity (XEP-0012)', () => {
  it('answers the server\'s uptime and announces the feature', async () => {
    const alice = await h.connect('alice', 'a');
    const reply = await alice.query(last('localhost'));
    expect(reply.attrs.type).toBe('result');
    expect(seconds(reply)).toBeGreaterThanOrEqual(0);
    expect(h.core.features.features('server')).toContain(NS.LAST);
    expect(h.core.features.features('account')).toContain(NS.LAST);
    await alice.disconnect();
  });

  it('tells a subscriber 0 while the contact is online, then the time and status it left with', async () => {
    const alice = await h.connect('alice', 'a');
    const phone = await h.connect('bob', 'phone');
    const laptop = await h.connect('bob', 'laptop');
    await phone.sendStanza(xml('presence'));
    await laptop.sendStanza(xml('presence', {}, xml('status', {}, 'writing')));
    expect(seconds(await alice.query(last('bob@localhost')))).toBe(0);

    await phone.sendStanza(xml('presence', { type: 'unavailable' }, xml('status', {}, 'phone off')));
    expect(seconds(await alice.query(last('bob@localhost')))).toBe(0); // the laptop is still there
    await laptop.disconnect(); // no unavailable: the stream just ends
    const reply = await alice.query(last('bob@localhost'));
    expect(reply.attrs.type).toBe('result');
    expect(seconds(reply)).toBeLessThan(5);
    expect(reply.getChild('query', NS.LAST)!.getText()).toBe('writing');
    const stored = await h.core.storage.lastActivity.get('bob');
    expect(Date.now() - stored!.at.getTime()).toBeLessThan(5000);
    await phone.disconnect();
    await alice.disconnect();
  });

  it('refuses anyone who may not see the presence, and answers the account itself', async () => {
    const carol = await h.connect('carol', 'c');
    expect(condition(await carol.query(last('bob@localhost')))).toBe('forbidden');
    expect(condition(await carol.query(last('nobody@localhost')))).toBe('service-unavailable');
    const bob = await h.connect('bob', 'x');
    expect(seconds(await bob.query(last()))).toBe(0);
    // alice never logged in with presence: nothing to tell.
    await h.core.storage.roster.put('alice', { jid: 'carol@localhost', name: null, subscription: 'from', askSubscribe: false, approved: false, groups: [] });
    expect(condition(await carol.query(last('alice@localhost')))).toBe('item-not-found');
    await carol.disconnect();
    await bob.disconnect();
  });
});
