import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { adminQuery, createRoom, enter, errorCondition, groupchat, isPresenceFrom, item, ownerQuery, room, statusCodes, submitForm } from './testing.ts';

let h: Harness;
let n = 0;
const session = (user: string) => h.connect(user, `r${++n}`);
const unavailableFrom = (from: string) => (el: { name: string; attrs: Record<string, unknown> }) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === 'unavailable';

beforeAll(async () => {
  h = await createHarness({ admins: ['operator@localhost'] });
  for (const user of ['alice', 'bob', 'carol', 'mallory', 'operator']) await h.createUser(user);
});
afterAll(() => h.stop());

describe('roles and affiliations (XEP-0045 §8–10)', () => {
  it('kicks an occupant (307) and tells everyone, with actor and reason', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await createRoom(alice, room('kick'), 'Alice');
    await enter(bob, room('kick'), 'Bob');
    await enter(carol, room('kick'), 'Carol');
    const bobHears = bob.next(unavailableFrom(`${room('kick')}/Bob`));
    const carolHears = carol.next(unavailableFrom(`${room('kick')}/Bob`));
    const result = await alice.query(adminQuery(room('kick'), 'set', xml('item', { nick: 'Bob', role: 'none' }, xml('reason', {}, 'rude'))));
    expect(result.attrs.type).toBe('result');
    const own = await bobHears;
    expect(statusCodes(own)).toEqual(expect.arrayContaining([110, 307]));
    expect(item(own).role).toBe('none');
    expect(own.getChild('x', NS.MUC_USER)!.getChild('item')!.getChildText('reason')).toBe('rude');
    expect(statusCodes(await carolHears)).toContain(307);
    // The room goes on for the others.
    await carol.sendStanza(groupchat(room('kick'), 'after the kick'));
    await alice.next((el) => el.name === 'message' && el.getChildText('body') === 'after the kick');
  });

  it('does not let a participant kick, nor a moderator kick an owner', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('nokick'), 'Alice');
    await enter(bob, room('nokick'), 'Bob');
    expect(errorCondition(await bob.query(adminQuery(room('nokick'), 'set', xml('item', { nick: 'Alice', role: 'none' }))))).toBe('forbidden');
    await alice.query(adminQuery(room('nokick'), 'set', xml('item', { nick: 'Bob', role: 'moderator' })));
    expect(errorCondition(await bob.query(adminQuery(room('nokick'), 'set', xml('item', { nick: 'Alice', role: 'none' }))))).toBe('not-allowed');
    expect(errorCondition(await bob.query(adminQuery(room('nokick'), 'set', xml('item', { nick: 'Bob', role: 'none' }))))).toBe('conflict');
  });

  it('bans by bare JID (301): the banned person cannot come back, not even from another resource', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('ban'), 'Alice');
    await enter(bob, room('ban'), 'Bob');
    const bobHears = bob.next(unavailableFrom(`${room('ban')}/Bob`));
    await alice.query(adminQuery(room('ban'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'outcast' }, xml('reason', {}, 'spam'))));
    const own = await bobHears;
    expect(statusCodes(own)).toEqual(expect.arrayContaining([110, 301]));
    expect(item(own).affiliation).toBe('outcast');
    const otherDevice = await session('bob');
    expect(errorCondition(await enter(otherDevice, room('ban'), 'Bobby'))).toBe('forbidden');
    const outcasts = await alice.query(adminQuery(room('ban'), 'get', xml('item', { affiliation: 'outcast' })));
    expect(outcasts.getChild('query')!.getChildren('item').map((i) => [i.attrs.jid, i.getChildText('reason')])).toEqual([['bob@localhost', 'spam']]);
  });

  it('gives and takes voice in a moderated room', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('voice'), 'Alice', { 'muc#roomconfig_moderatedroom': '1' });
    const entered = await enter(bob, room('voice'), 'Bob');
    expect(item(entered).role).toBe('visitor');
    const refused = bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await bob.sendStanza(groupchat(room('voice'), 'can I speak?'));
    expect(errorCondition(await refused)).toBe('forbidden');
    const voiced = bob.next((el) => isPresenceFrom(`${room('voice')}/Bob`)(el) && item(el).role === 'participant');
    await alice.query(adminQuery(room('voice'), 'set', xml('item', { nick: 'Bob', role: 'participant' })));
    await voiced;
    await bob.sendStanza(groupchat(room('voice'), 'now I can'));
    await alice.next((el) => el.name === 'message' && el.getChildText('body') === 'now I can');
    const muted = bob.next((el) => isPresenceFrom(`${room('voice')}/Bob`)(el) && item(el).role === 'visitor');
    await alice.query(adminQuery(room('voice'), 'set', xml('item', { nick: 'Bob', role: 'visitor' })));
    await muted;
  });

  it('makes members, lists them to admins, and removes non-members when a room becomes members-only (322)', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await createRoom(alice, room('club'), 'Alice');
    await enter(bob, room('club'), 'Bob');
    await enter(carol, room('club'), 'Carol');
    const promoted = alice.next((el) => isPresenceFrom(`${room('club')}/Bob`)(el) && item(el).affiliation === 'member');
    await alice.query(adminQuery(room('club'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' })));
    await promoted;
    const members = await alice.query(adminQuery(room('club'), 'get', xml('item', { affiliation: 'member' })));
    expect(members.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['bob@localhost']);
    expect(errorCondition(await bob.query(adminQuery(room('club'), 'get', xml('item', { affiliation: 'member' }))))).toBe('forbidden');
    const carolOut = carol.next(unavailableFrom(`${room('club')}/Carol`));
    await alice.query(ownerQuery(room('club'), submitForm({ 'muc#roomconfig_membersonly': '1' })));
    expect(statusCodes(await carolOut)).toContain(322);
    // A member who loses membership leaves a members-only room (321).
    const bobOut = bob.next(unavailableFrom(`${room('club')}/Bob`));
    await alice.query(adminQuery(room('club'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'none' })));
    expect(statusCodes(await bobOut)).toContain(321);
  });

  it('keeps the last owner, and lets only owners make admins', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('owners'), 'Alice');
    expect(errorCondition(await alice.query(adminQuery(room('owners'), 'set', xml('item', { jid: 'alice@localhost', affiliation: 'none' }))))).toBe('conflict');
    await alice.query(adminQuery(room('owners'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'admin' })));
    await enter(bob, room('owners'), 'Bob');
    expect(errorCondition(await bob.query(adminQuery(room('owners'), 'set', xml('item', { jid: 'carol@localhost', affiliation: 'admin' }))))).toBe('forbidden');
    expect((await bob.query(adminQuery(room('owners'), 'set', xml('item', { jid: 'carol@localhost', affiliation: 'member' })))).attrs.type).toBe('result');
  });

  it('shows a new moderator of a semi-anonymous room the real JIDs it could not see before', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await createRoom(alice, room('newmod'), 'Alice');
    await enter(bob, room('newmod'), 'Bob');
    await enter(carol, room('newmod'), 'Carol');
    bob.received.length = 0;
    await alice.query(adminQuery(room('newmod'), 'set', xml('item', { nick: 'Bob', role: 'moderator' })));
    const carolForBob = await bob.next((el) => isPresenceFrom(`${room('newmod')}/Carol`)(el) && item(el).jid !== undefined);
    expect(item(carolForBob).jid).toBe(carol.jid.toString());
  });

  it('tells occupants who see real JIDs, and the person (101), about an affiliation change of someone not in the room', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    const mallory = await session('mallory');
    for (const person of [bob, mallory]) await person.sendStanza(xml('presence')); // online: messages to the bare JID reach them
    await createRoom(alice, room('notify'), 'Alice', { 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone' });
    await alice.query(adminQuery(room('notify'), 'set', xml('item', { jid: 'carol@localhost', affiliation: 'member' })));
    await enter(carol, room('notify'), 'Carol');
    const isNotice = (jid: string, affiliation: string) => (el: Element) =>
      el.name === 'message' && el.attrs.from === room('notify') && item(el).jid === jid && item(el).affiliation === affiliation;

    const aliceHears = alice.next(isNotice('bob@localhost', 'member'));
    const carolHears = carol.next(isNotice('bob@localhost', 'member'));
    const bobHears = bob.next(isNotice('bob@localhost', 'member'));
    await alice.query(adminQuery(room('notify'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' })));
    expect(statusCodes(await aliceHears)).toEqual([]);
    expect(statusCodes(await carolHears)).toEqual([]);
    const own = await bobHears;
    expect(statusCodes(own)).toEqual([101]);
    expect(own.getChild('body')).toBeUndefined();

    const banned = mallory.next(isNotice('mallory@localhost', 'outcast'));
    await alice.query(adminQuery(room('notify'), 'set', xml('item', { jid: 'mallory@localhost', affiliation: 'outcast' }, xml('reason', {}, 'spam'))));
    const notice = await banned;
    expect(statusCodes(notice)).toEqual([101]);
    expect(notice.getChild('x', NS.MUC_USER)!.getChild('item')!.getChildText('reason')).toBe('spam');
    const removed = bob.next(isNotice('bob@localhost', 'none'));
    await alice.query(adminQuery(room('notify'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'none' })));
    expect(statusCodes(await removed)).toEqual([101]);

    // In a semi-anonymous room only moderators see JIDs, so only they hear of it.
    await alice.query(ownerQuery(room('notify'), submitForm({ 'muc#roomconfig_whois': 'moderators' })));
    const aliceAgain = alice.next(isNotice('bob@localhost', 'member'));
    carol.received.length = 0;
    await alice.query(adminQuery(room('notify'), 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' })));
    await aliceAgain;
    await alice.query(xml('iq', { type: 'get', to: room('notify') }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(carol.received.filter(isNotice('bob@localhost', 'member'))).toEqual([]);
  });

  it('gives owners and admins named in the configuration form their roles, and takes them away when dropped', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await carol.sendStanza(xml('presence'));
    await createRoom(alice, room('formadmins'), 'Alice');
    await enter(bob, room('formadmins'), 'Bob');
    const bobPresence = (affiliation: string, role: string) => (el: Element) =>
      isPresenceFrom(`${room('formadmins')}/Bob`)(el) && item(el).affiliation === affiliation && item(el).role === role;
    const promoted = alice.next(bobPresence('admin', 'moderator'));
    const carolTold = carol.next((el) => el.name === 'message' && el.attrs.from === room('formadmins') && item(el).affiliation === 'owner');
    await alice.query(ownerQuery(room('formadmins'), submitForm({ 'muc#roomconfig_roomadmins': ['bob@localhost'], 'muc#roomconfig_roomowners': ['alice@localhost', 'carol@localhost'] })));
    await promoted;
    expect(statusCodes(await carolTold)).toEqual([101]);
    const demoted = bob.next(bobPresence('none', 'participant'));
    await alice.query(ownerQuery(room('formadmins'), submitForm({ 'muc#roomconfig_roomadmins': [] })));
    await demoted;
  });

  it('makes none of the changes in a list when one is not allowed, and answers admins with the XEP\'s errors', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const lists = room('lists');
    await createRoom(alice, lists, 'Alice');
    await alice.query(adminQuery(lists, 'set', xml('item', { jid: 'bob@localhost', affiliation: 'admin' })));
    const outcasts = async () => (await alice.query(adminQuery(lists, 'get', xml('item', { affiliation: 'outcast' })))).getChild('query')!.getChildren('item').map((i) => i.attrs.jid);
    // Banning mallory together with oneself: conflict, and mallory is not banned either (§9.2).
    const both = await alice.query(adminQuery(lists, 'set', xml('item', { jid: 'mallory@localhost', affiliation: 'outcast' }), xml('item', { jid: 'alice@localhost', affiliation: 'outcast' })));
    expect(errorCondition(both)).toBe('conflict');
    expect(await outcasts()).toEqual([]);
    // The last owner handing over to nobody: conflict; handing over and stepping down at once is fine.
    expect(errorCondition(await alice.query(adminQuery(lists, 'set', xml('item', { jid: 'alice@localhost', affiliation: 'member' }))))).toBe('conflict');
    // An admin banning an owner is not-allowed (§9.1); reading the owner or admin list of a semi-anonymous room is for owners (§10.5, §10.8).
    expect(errorCondition(await bob.query(adminQuery(lists, 'set', xml('item', { jid: 'alice@localhost', affiliation: 'outcast' }))))).toBe('not-allowed');
    expect(errorCondition(await bob.query(adminQuery(lists, 'set', xml('item', { jid: 'alice@localhost', affiliation: 'member' }))))).toBe('forbidden');
    expect(errorCondition(await bob.query(adminQuery(lists, 'get', xml('item', { affiliation: 'owner' }))))).toBe('forbidden');
    expect(errorCondition(await bob.query(adminQuery(lists, 'get', xml('item', { affiliation: 'admin' }))))).toBe('forbidden');
    expect((await bob.query(adminQuery(lists, 'get', xml('item', { affiliation: 'member' })))).attrs.type).toBe('result');
    await alice.query(ownerQuery(lists, submitForm({ 'muc#roomconfig_whois': 'anyone' })));
    const owners = await bob.query(adminQuery(lists, 'get', xml('item', { affiliation: 'owner' })));
    expect(owners.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['alice@localhost']);
    const handover = await alice.query(adminQuery(lists, 'set', xml('item', { jid: 'carol@localhost', affiliation: 'owner' }), xml('item', { jid: 'alice@localhost', affiliation: 'admin' })));
    expect(handover.attrs.type).toBe('result');
  });

  it('answers unknown roles and affiliations with bad-request', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('bad'), 'Alice');
    expect(errorCondition(await alice.query(adminQuery(room('bad'), 'set', xml('item', { nick: 'Alice', role: 'emperor' }))))).toBe('bad-request');
    expect(errorCondition(await alice.query(adminQuery(room('bad'), 'set', xml('item', { jid: 'x@localhost', affiliation: 'king' }))))).toBe('bad-request');
  });
});
