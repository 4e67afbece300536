import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { createRoom, enter, errorCondition, room } from './testing.ts';

/** XEP-0045 MUSTs about addresses and who may ask whom. */
let h: Harness;
let n = 0;
const session = (user: string) => h.connect(user, `u${++n}`);

beforeAll(async () => {
  h = await createHarness();
  for (const user of ['alice', 'bob']) await h.createUser(user);
});
afterAll(() => h.stop());

describe('nicknames', () => {
  it('refuses invisible nicknames (spaces only), on entering and on changing', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('blank'), 'Alice');
    const bob = await session('bob');
    for (const nick of [' ', '   ']) expect(errorCondition(await enter(bob, room('blank'), nick))).toBe('jid-malformed');
    await enter(bob, room('blank'), 'Bob');
    const refused = bob.next((el) => el.name === 'presence' && el.attrs.type === 'error');
    await bob.sendStanza(xml('presence', { to: `${room('blank')}/  ` }));
    expect(errorCondition(await refused)).toBe('jid-malformed');
  });
});

describe('queries to occupants', () => {
  it('answers service discovery from outside the room with bad-request, and a ping from outside with not-acceptable', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('outside'), 'Alice');
    const bob = await session('bob');
    const to = `${room('outside')}/Alice`;
    expect(errorCondition(await bob.query(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO }))))).toBe('bad-request');
    expect(errorCondition(await bob.query(xml('iq', { type: 'get', to }, xml('ping', { xmlns: NS.PING }))))).toBe('not-acceptable');
  });
});
