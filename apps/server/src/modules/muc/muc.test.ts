import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { createRoom, enter, errorCondition, groupchat, isMessageFrom, isPresenceFrom, item, ownerQuery, room, SERVICE, statusCodes, submitForm } from './testing.ts';

let h: Harness;
let n = 0;
/** A fresh session per test, so tests do not see each other's stanzas. */
const session = (user: string) => h.connect(user, `r${++n}`);

beforeAll(async () => {
  h = await createHarness({ muc: { max_rooms_per_user: 50, message_burst: 5, messages_per_minute: 60 } });
  for (const user of ['alice', 'bob', 'carol', 'mallory']) await h.createUser(user);
});
afterAll(() => h.stop());

describe('group chat service (XEP-0045)', () => {
  it('is the first item in the domain disco#items and describes itself as conference/text', async () => {
    const alice = await session('alice');
    const items = (await alice.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(items[0]?.attrs.jid).toBe(SERVICE);
    const info = (await alice.query(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChild('identity')?.attrs).toMatchObject({ category: 'conference', type: 'text' });
    expect(info.getChildren('feature').map((f) => f.attrs.var)).toContain(NS.MUC);
  });

  it('creates a locked room (201) that strangers cannot enter until the owner accepts the instant configuration', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const self = await enter(alice, room('instant'), 'Alice');
    expect(statusCodes(self)).toEqual(expect.arrayContaining([110, 201]));
    expect(item(self)).toMatchObject({ affiliation: 'owner', role: 'moderator' });
    const refused = await enter(bob, room('instant'), 'Bob');
    expect(errorCondition(refused)).toBe('item-not-found');
    const result = await alice.query(ownerQuery(room('instant'), xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' })));
    expect(result.attrs.type).toBe('result');
    const entered = await enter(bob, room('instant'), 'Bob');
    expect(item(entered)).toMatchObject({ affiliation: 'none', role: 'participant' });
    const subject = await bob.next(isMessageFrom(room('instant')));
    expect(subject.getChild('subject')).toBeDefined();
  });

  it('gives a reserved room the owner form and applies what the owner submits', async () => {
    const alice = await session('alice');
    await enter(alice, room('reserved'), 'Alice');
    const form = (await alice.query(xml('iq', { type: 'get', to: room('reserved') }, xml('query', { xmlns: `${NS.MUC}#owner` })))).getChild('query')!.getChild('x', NS.DATA_FORMS)!;
    const vars = form.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(expect.arrayContaining(['muc#roomconfig_roomname', 'muc#roomconfig_membersonly', 'muc#roomconfig_whois', 'muc#roomconfig_enablearchiving']));
    const result = await alice.query(ownerQuery(room('reserved'), submitForm({ 'muc#roomconfig_roomname': 'Reserved', 'muc#roomconfig_publicroom': '0' })));
    expect(result.attrs.type).toBe('result');
    const info = (await alice.query(xml('iq', { type: 'get', to: room('reserved') }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChild('identity')?.attrs.name).toBe('Reserved');
    expect(info.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining(['muc_hidden', 'muc_persistent', NS.MAM, NS.VCARD]));
  });

  it('refuses a configuration form with nonsense values, and the room keeps its configuration', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('nonsense'), 'Alice', { 'muc#roomconfig_roomname': 'Sane' });
    const nonsense: Record<string, string | string[]>[] = [
      { 'muc#roomconfig_maxusers': 'lots' },
      { 'muc#roomconfig_whois': 'everybody' },
      { 'muc#roomconfig_membersonly': 'maybe' },
      { 'muc#roomconfig_passwordprotectedroom': '1' },
      { 'muc#roomconfig_roomowners': [] },
    ];
    for (const fields of nonsense) {
      const reply = await alice.query(ownerQuery(room('nonsense'), submitForm({ 'muc#roomconfig_roomname': 'Insane', ...fields })));
      expect(reply.attrs.type, JSON.stringify(fields)).toBe('error');
      expect(['not-acceptable', 'bad-request']).toContain(errorCondition(reply));
    }
    const info = (await alice.query(xml('iq', { type: 'get', to: room('nonsense') }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChild('identity')?.attrs.name).toBe('Sane');
  });

  it('shows each newcomer the others first, then itself; the others see the newcomer', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('order'), 'Alice');
    const seen: string[] = [];
    const self = enter(bob, room('order'), 'Bob');
    const alicePresence = await bob.next(isPresenceFrom(`${room('order')}/Alice`));
    seen.push(alicePresence.attrs.from as string);
    await self;
    // Semi-anonymous by default: Bob (a participant) does not see Alice's real JID, Alice (a moderator) sees Bob's.
    expect(item(alicePresence).jid).toBeUndefined();
    const bobForAlice = await alice.next(isPresenceFrom(`${room('order')}/Bob`));
    expect(item(bobForAlice).jid).toBe(bob.jid.toString());
    expect(statusCodes(bobForAlice)).not.toContain(110);
  });

  it('carries groupchat messages to everyone with the room stanza id and occupant id, and refuses strangers', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const mallory = await session('mallory');
    await createRoom(alice, room('talk'), 'Alice');
    await enter(bob, room('talk'), 'Bob');
    await bob.sendStanza(groupchat(room('talk'), 'hello room'));
    const got = await alice.next((el) => el.name === 'message' && el.getChildText('body') === 'hello room');
    expect(got.attrs.from).toBe(`${room('talk')}/Bob`);
    expect(got.getChild('stanza-id', NS.SID)?.attrs.by).toBe(room('talk'));
    expect(got.getChild('occupant-id', 'urn:xmpp:occupant-id:0')?.attrs.id).toBeTruthy();
    const echo = await bob.next((el) => el.name === 'message' && el.getChildText('body') === 'hello room');
    expect(echo.attrs.to).toBe(bob.jid.toString());

    const refused = mallory.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await mallory.sendStanza(groupchat(room('talk'), 'I am not here'));
    expect(errorCondition(await refused)).toBe('not-acceptable');
  });

  it('sends the history the client asks for, with delay, then the subject', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('history'), 'Alice');
    for (const body of ['one', 'two', 'three']) await alice.sendStanza(groupchat(room('history'), body));
    await alice.sendStanza(xml('message', { to: room('history'), type: 'groupchat' }, xml('subject', {}, 'Plans')));
    await enter(bob, room('history'), 'Bob', [xml('history', { maxstanzas: '2' })]);
    const first = await bob.next((el) => el.name === 'message' && el.getChild('body') !== undefined);
    const second = await bob.next((el) => el.name === 'message' && el.getChild('body') !== undefined);
    expect([first.getChildText('body'), second.getChildText('body')]).toEqual(['two', 'three']);
    expect(first.getChild('delay', NS.DELAY)?.attrs.from).toBe(room('history'));
    // The room's stanza id comes with history too, so a client can go on from there in the archive.
    expect(first.getChild('stanza-id', NS.SID)?.attrs.by).toBe(room('history'));
    const subject = await bob.next((el) => el.name === 'message' && el.getChild('subject') !== undefined);
    expect(subject.getChildText('subject')).toBe('Plans');
    expect(subject.attrs.from).toBe(`${room('history')}/Alice`);
  });

  it('lets only moderators change the subject unless the room allows it', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('subject'), 'Alice');
    await enter(bob, room('subject'), 'Bob');
    const refused = bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await bob.sendStanza(xml('message', { to: room('subject'), type: 'groupchat' }, xml('subject', {}, 'mine now')));
    expect(errorCondition(await refused)).toBe('forbidden');
  });

  it('refuses a taken nickname with conflict, and changes nicknames with 303', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('nicks'), 'Alice');
    expect(errorCondition(await enter(bob, room('nicks'), 'Alice'))).toBe('conflict');
    await enter(bob, room('nicks'), 'Bob');
    const conflict = bob.next((el) => el.name === 'presence' && el.attrs.type === 'error');
    await bob.sendStanza(xml('presence', { to: `${room('nicks')}/Alice` }));
    expect(errorCondition(await conflict)).toBe('conflict');
    await bob.sendStanza(xml('presence', { to: `${room('nicks')}/Robert` }));
    const gone = await alice.next((el) => el.name === 'presence' && el.attrs.from === `${room('nicks')}/Bob` && el.attrs.type === 'unavailable');
    expect(statusCodes(gone)).toContain(303);
    expect(item(gone).nick).toBe('Robert');
    await alice.next(isPresenceFrom(`${room('nicks')}/Robert`));
    const selfGone = await bob.next((el) => el.name === 'presence' && el.attrs.from === `${room('nicks')}/Bob` && el.attrs.type === 'unavailable');
    expect(statusCodes(selfGone)).toEqual(expect.arrayContaining([110, 303]));
  });

  it('delivers private messages between occupants from the occupant JID, and refuses unknown nicks', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('pm'), 'Alice');
    await enter(bob, room('pm'), 'Bob');
    await bob.sendStanza(xml('message', { to: `${room('pm')}/Alice`, type: 'chat' }, xml('body', {}, 'psst')));
    const pm = await alice.next((el) => el.name === 'message' && el.getChildText('body') === 'psst');
    expect(pm.attrs.from).toBe(`${room('pm')}/Bob`);
    expect(pm.getChild('x', NS.MUC_USER)).toBeDefined();
    const refused = bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await bob.sendStanza(xml('message', { to: `${room('pm')}/Nobody`, type: 'chat' }, xml('body', {}, 'hello?')));
    expect(errorCondition(await refused)).toBe('item-not-found');
  });

  it('keeps members-only rooms to members (registration-required) and password rooms to those who know it (not-authorized)', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('private'), 'Alice', { 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_publicroom': '0' });
    expect(errorCondition(await enter(bob, room('private'), 'Bob'))).toBe('registration-required');
    // Outsiders learn that the private group exists, not its subject or how many are in it.
    const info = (await bob.query(xml('iq', { type: 'get', to: room('private') }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    const fields = info.getChild('x', NS.DATA_FORMS)!.getChildren('field').map((f) => f.attrs.var);
    expect(fields).not.toContain('muc#roominfo_subject');
    expect(fields).not.toContain('muc#roominfo_occupants');
    expect(info.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining(['muc_membersonly', 'muc_nonanonymous']));
    await createRoom(alice, room('secret'), 'Alice', { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'swordfish' });
    expect(errorCondition(await enter(bob, room('secret'), 'Bob', [xml('password', {}, 'guess')]))).toBe('not-authorized');
    expect(errorCondition(await enter(bob, room('secret'), 'Bob'))).toBe('not-authorized');
    const inside = await enter(bob, room('secret'), 'Bob', [xml('password', {}, 'swordfish')]);
    expect(item(inside).role).toBe('participant');
  });

  it('shows real JIDs to every member of a non-anonymous room (status 100), as OMEMO needs', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('omemo'), 'Alice', { 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone' });
    await alice.query(xml('iq', { type: 'set', to: room('omemo') }, xml('query', { xmlns: `${NS.MUC}#admin` }, xml('item', { affiliation: 'member', jid: 'bob@localhost' }))));
    const aliceSeen = bob.next(isPresenceFrom(`${room('omemo')}/Alice`));
    const self = await enter(bob, room('omemo'), 'Bob');
    expect(statusCodes(self)).toContain(100);
    expect(item(await aliceSeen).jid).toBe(alice.jid.toString());
    // Members may read the member list (to encrypt to everyone).
    const members = await bob.query(xml('iq', { type: 'get', to: room('omemo') }, xml('query', { xmlns: `${NS.MUC}#admin` }, xml('item', { affiliation: 'member' }))));
    expect(members.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['bob@localhost']);
  });

  it("tells members of a non-anonymous room who wrote each message, live, in history and in the archive, and never believes a sender's own claim", async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('omemo-senders'), 'Alice', { 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone' });
    await alice.query(xml('iq', { type: 'set', to: room('omemo-senders') }, xml('query', { xmlns: `${NS.MUC}#admin` }, xml('item', { affiliation: 'member', jid: 'bob@localhost' }))));
    await enter(bob, room('omemo-senders'), 'Bob');
    const live = bob.next(isMessageFrom(`${room('omemo-senders')}/Alice`));
    // Alice's client claims to be Mallory: the room replaces that with who she is.
    await alice.sendStanza(xml('message', { to: room('omemo-senders'), type: 'groupchat' }, xml('body', {}, 'who am I?'), xml('x', { xmlns: NS.MUC_USER }, xml('item', { jid: 'mallory@localhost' }))));
    const seen = await live;
    expect(seen.getChildren('x', NS.MUC_USER).map((x) => x.getChild('item')?.attrs.jid)).toEqual(['alice@localhost']);
    const carol = await session('carol');
    await alice.query(xml('iq', { type: 'set', to: room('omemo-senders') }, xml('query', { xmlns: `${NS.MUC}#admin` }, xml('item', { affiliation: 'member', jid: 'carol@localhost' }))));
    const history = carol.next(isMessageFrom(`${room('omemo-senders')}/Alice`));
    await enter(carol, room('omemo-senders'), 'Carol');
    expect(item(await history).jid).toBe('alice@localhost');
  });

  it('keeps real JIDs off the messages of a semi-anonymous room', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('semi-senders'), 'Alice', { 'muc#roomconfig_whois': 'moderators' });
    await enter(bob, room('semi-senders'), 'Bob');
    const live = bob.next(isMessageFrom(`${room('semi-senders')}/Alice`));
    await alice.sendStanza(xml('message', { to: room('semi-senders'), type: 'groupchat' }, xml('body', {}, 'hidden'), xml('x', { xmlns: NS.MUC_USER }, xml('item', { jid: 'mallory@localhost' }))));
    expect((await live).getChild('x', NS.MUC_USER)).toBeUndefined();
  });

  it('refuses a room when it is full (service-unavailable)', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await createRoom(alice, room('small'), 'Alice', { 'muc#roomconfig_maxusers': '2' });
    await enter(bob, room('small'), 'Bob');
    expect(errorCondition(await enter(carol, room('small'), 'Carol'))).toBe('service-unavailable');
  });

  it('slows down a flood of messages (resource-constraint) while the others keep talking', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('flood'), 'Alice');
    await enter(bob, room('flood'), 'Bob');
    for (let i = 0; i < 12; i++) await bob.sendStanza(groupchat(room('flood'), `spam ${i}`));
    const refused = await bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorCondition(refused)).toBe('resource-constraint');
    // Private messages come out of the same budget.
    bob.received.length = 0;
    await bob.sendStanza(xml('message', { to: `${room('flood')}/Alice`, type: 'chat' }, xml('body', {}, 'pm spam')));
    expect(errorCondition(await bob.next((el) => el.name === 'message' && el.attrs.type === 'error'))).toBe('resource-constraint');
    await alice.sendStanza(groupchat(room('flood'), 'still here'));
    const got = await bob.next((el) => el.name === 'message' && el.getChildText('body') === 'still here');
    expect(got.attrs.from).toBe(`${room('flood')}/Alice`);
  });

  it('lets a temporary room vanish with its last occupant', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('fleeting'), 'Alice', { 'muc#roomconfig_persistentroom': '0' });
    await alice.sendStanza(xml('presence', { to: `${room('fleeting')}/Alice`, type: 'unavailable' }));
    const gone = await alice.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable');
    expect(statusCodes(gone)).toContain(110);
    const info = await alice.query(xml('iq', { type: 'get', to: room('fleeting') }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(errorCondition(info)).toBe('item-not-found');
  });

  it('lists public rooms on the service and occupants to occupants only', async () => {
    const alice = await session('alice');
    const mallory = await session('mallory');
    await createRoom(alice, room('listed'), 'Alice', { 'muc#roomconfig_roomname': 'Listed' });
    const rooms = (await mallory.query(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(rooms.find((r) => r.attrs.jid === room('listed'))?.attrs.name).toBe('Listed');
    const forAlice = (await alice.query(xml('iq', { type: 'get', to: room('listed') }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(forAlice.map((i) => i.attrs.jid)).toEqual([`${room('listed')}/Alice`]);
    const forMallory = (await mallory.query(xml('iq', { type: 'get', to: room('listed') }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(forMallory).toEqual([]);
  });

  it('answers a self-ping for an occupant and not-acceptable for someone who is not in (XEP-0410)', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('ping'), 'Alice');
    const ping = (to: string) => xml('iq', { type: 'get', to }, xml('ping', { xmlns: NS.PING }));
    expect((await alice.query(ping(`${room('ping')}/Alice`))).attrs.type).toBe('result');
    expect(errorCondition(await bob.query(ping(`${room('ping')}/Alice`)))).toBe('not-acceptable');
  });

  it('destroys a room with a reason and an alternate venue', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('doomed'), 'Alice');
    await enter(bob, room('doomed'), 'Bob');
    const told = bob.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.attrs.from === `${room('doomed')}/Bob`);
    const result = await alice.query(ownerQuery(room('doomed'), xml('destroy', { jid: room('elsewhere') }, xml('reason', {}, 'moving'))));
    expect(result.attrs.type).toBe('result');
    const destroy = (await told).getChild('x', NS.MUC_USER)!.getChild('destroy')!;
    expect(destroy.attrs.jid).toBe(room('elsewhere'));
    expect(destroy.getChildText('reason')).toBe('moving');
    expect(errorCondition(await bob.query(xml('iq', { type: 'get', to: room('doomed') }, xml('query', { xmlns: NS.DISCO_INFO }))))).toBe('item-not-found');
  });

  it('takes an occupant out when the session ends (unavailable from the presence module)', async () => {
    const alice = await session('alice');
    const bob: TestSession = await session('bob');
    await createRoom(alice, room('gone'), 'Alice');
    await bob.sendStanza(xml('presence'));
    await enter(bob, room('gone'), 'Bob');
    await bob.disconnect();
    const left = await alice.next((el) => el.name === 'presence' && el.attrs.from === `${room('gone')}/Bob` && el.attrs.type === 'unavailable');
    expect(item(left).role).toBe('none');
  });

  it("passes an occupant's query to another occupant and the answer back, without showing real JIDs (§7.7)", async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('queries'), 'Alice');
    await enter(bob, room('queries'), 'Bob');
    const asked = alice.next((el) => el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS.VERSION) !== undefined);
    const answer = bob.query(xml('iq', { type: 'get', to: `${room('queries')}/Alice` }, xml('query', { xmlns: NS.VERSION })));
    const request = await asked;
    expect(request.attrs.from).toBe(`${room('queries')}/Bob`);
    await alice.sendStanza(xml('iq', { type: 'result', to: request.attrs.from, id: request.attrs.id }, xml('query', { xmlns: NS.VERSION }, xml('name', {}, 'test client'))));
    const reply = await answer;
    expect(reply.attrs.from).toBe(`${room('queries')}/Alice`);
    expect(reply.getChild('query', NS.VERSION)?.getChildText('name')).toBe('test client');
  });

  it('gives a client that enters again while still in the room the whole join again, history and subject included', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('rejoin'), 'Alice');
    await alice.sendStanza(groupchat(room('rejoin'), 'before the rejoin'));
    await enter(bob, room('rejoin'), 'Bob');
    bob.received.length = 0;
    const self = await enter(bob, room('rejoin'), 'Bob');
    expect(statusCodes(self)).toContain(110);
    expect(bob.received.some((el) => isPresenceFrom(`${room('rejoin')}/Alice`)(el))).toBe(true);
    await bob.next((el) => el.name === 'message' && el.getChildText('body') === 'before the rejoin');
    await bob.next((el) => el.name === 'message' && el.getChild('subject') !== undefined);
    // For Alice it is only a presence update, not a second Bob.
    const items = (await alice.query(xml('iq', { type: 'get', to: room('rejoin') }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(items.map((i) => i.attrs.jid)).toEqual([`${room('rejoin')}/Alice`, `${room('rejoin')}/Bob`]);
  });

  it('lets one person be in a room from two devices under one nick, and keeps them in until both leave', async () => {
    const alice = await session('alice');
    const phone = await session('bob');
    const laptop = await session('bob');
    await createRoom(alice, room('devices'), 'Alice');
    await enter(phone, room('devices'), 'Bob');
    await enter(laptop, room('devices'), 'Bob');
    await alice.sendStanza(groupchat(room('devices'), 'to both'));
    await phone.next((el) => el.name === 'message' && el.getChildText('body') === 'to both');
    await laptop.next((el) => el.name === 'message' && el.getChildText('body') === 'to both');
    await phone.sendStanza(xml('presence', { to: `${room('devices')}/Bob`, type: 'unavailable' }));
    await phone.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && statusCodes(el).includes(110));
    await alice.sendStanza(groupchat(room('devices'), 'laptop only'));
    await laptop.next((el) => el.name === 'message' && el.getChildText('body') === 'laptop only');
    const items = (await alice.query(xml('iq', { type: 'get', to: room('devices') }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item');
    expect(items.map((i) => i.attrs.jid)).toEqual([`${room('devices')}/Alice`, `${room('devices')}/Bob`]);
  });
});
