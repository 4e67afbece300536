import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { MUC_COMMAND } from './operator.ts';
import { createRoom, enter, errorCondition, groupchat, item, room, statusCodes } from './testing.ts';

let h: Harness;
let n = 0;
const session = (user: string) => h.connect(user, `r${++n}`);

beforeAll(async () => {
  h = await createHarness({ admins: ['operator@localhost'] });
  for (const user of ['alice', 'bob', 'carol', 'operator']) await h.createUser(user);
});
afterAll(() => h.stop());

function mamQuery(roomJid: string, queryid: string, ...children: Element[]): Element {
  return xml('iq', { type: 'set', to: roomJid }, xml('query', { xmlns: NS.MAM, queryid }, ...children));
}

describe('room archive (XEP-0313 for MUC)', () => {
  it('pages through what was said, for people allowed in, and says which messages with stanza ids', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('archive'), 'Alice');
    const live: string[] = [];
    for (const body of ['a', 'b', 'c']) {
      await alice.sendStanza(groupchat(room('archive'), body));
      const got = await alice.next((el) => el.name === 'message' && el.getChildText('body') === body);
      live.push(got.getChild('stanza-id', NS.SID)!.attrs.id as string);
    }
    const results: Element[] = [];
    const fin = bob.query(mamQuery(room('archive'), 'q1', xml('set', { xmlns: NS.RSM }, xml('max', {}, '2'))));
    const answer = await fin;
    while (bob.received.some((el) => el.getChild('result', NS.MAM))) results.push(await bob.next((el) => el.getChild('result', NS.MAM) !== undefined));
    expect(answer.attrs.type).toBe('result');
    expect(results.map((r) => r.getChild('result', NS.MAM)!.attrs.id)).toEqual(live.slice(0, 2));
    const forwarded = results[0]!.getChild('result', NS.MAM)!.getChild('forwarded', NS.FORWARD)!.getChild('message')!;
    expect(forwarded.attrs.from).toBe(`${room('archive')}/Alice`);
    expect(forwarded.getChildText('body')).toBe('a');
    expect(answer.getChild('fin', NS.MAM)!.getChild('set', NS.RSM)!.getChildText('count')).toBe('3');
  });

  it('keeps a members-only room archive from strangers, and keeps nothing when archiving is off', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('closedarchive'), 'Alice', { 'muc#roomconfig_membersonly': '1' });
    expect(errorCondition(await bob.query(mamQuery(room('closedarchive'), 'q')))).toBe('forbidden');
    await createRoom(alice, room('noarchive'), 'Alice', { 'muc#roomconfig_enablearchiving': '0' });
    const info = (await alice.query(xml('iq', { type: 'get', to: room('noarchive') }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChildren('feature').map((f) => f.attrs.var)).not.toContain(NS.MAM);
    expect(errorCondition(await alice.query(mamQuery(room('noarchive'), 'q')))).toBe('feature-not-implemented');
  });

  it('lets a moderator retract a message (XEP-0425): everyone is told and the archive keeps a tombstone', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('moderated'), 'Alice');
    await enter(bob, room('moderated'), 'Bob');
    await bob.sendStanza(groupchat(room('moderated'), 'something awful'));
    const got = await alice.next((el) => el.name === 'message' && el.getChildText('body') === 'something awful');
    const id = got.getChild('stanza-id', NS.SID)!.attrs.id as string;
    expect(errorCondition(await bob.query(xml('iq', { type: 'set', to: room('moderated') }, xml('moderate', { xmlns: NS.MODERATE, id }, xml('retract', { xmlns: NS.RETRACT })))))).toBe('forbidden');
    const told = bob.next((el) => el.name === 'message' && el.getChild('retract', NS.RETRACT) !== undefined);
    const result = await alice.query(xml('iq', { type: 'set', to: room('moderated') }, xml('moderate', { xmlns: NS.MODERATE, id }, xml('retract', { xmlns: NS.RETRACT }), xml('reason', {}, 'awful'))));
    expect(result.attrs.type).toBe('result');
    const retract = (await told).getChild('retract', NS.RETRACT)!;
    expect(retract.attrs.id).toBe(id);
    expect(retract.getChild('moderated', NS.MODERATE)?.attrs.by).toBe(`${room('moderated')}/Alice`);
    const answer = await alice.query(mamQuery(room('moderated'), 'q2'));
    expect(answer.attrs.type).toBe('result');
    const archived = await alice.next((el) => el.getChild('result', NS.MAM)?.attrs.id === id);
    const stored = archived.getChild('result', NS.MAM)!.getChild('forwarded', NS.FORWARD)!.getChild('message')!;
    expect(stored.getChild('body')).toBeUndefined();
    expect(stored.getChild('retracted', NS.RETRACT)).toBeDefined();
  });
});

describe('room vCard and avatar', () => {
  it('lets the owner set the room vCard; everyone can read it and sees the avatar hash in disco#info', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('avatar'), 'Alice');
    const photo = Buffer.from('not really a png').toString('base64');
    const vcard = xml('vCard', { xmlns: NS.VCARD }, xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, photo)));
    expect(errorCondition(await bob.query(xml('iq', { type: 'set', to: room('avatar') }, vcard)))).toBe('forbidden');
    expect((await alice.query(xml('iq', { type: 'set', to: room('avatar') }, vcard))).attrs.type).toBe('result');
    const read = await bob.query(xml('iq', { type: 'get', to: room('avatar') }, xml('vCard', { xmlns: NS.VCARD })));
    expect(read.getChild('vCard', NS.VCARD)!.getChild('PHOTO')!.getChildText('BINVAL')).toBe(photo);
    const info = (await bob.query(xml('iq', { type: 'get', to: room('avatar') }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    const hash = info.getChild('x', NS.DATA_FORMS)!.getChildren('field').find((f) => f.attrs.var === 'muc#roominfo_avatarhash')?.getChildText('value');
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('invitations and voice requests', () => {
  it('passes a mediated invitation on from the room, and makes the invitee a member of a members-only room', async () => {
    const alice = await session('alice');
    const carol = await session('carol');
    await carol.sendStanza(xml('presence')); // online, so a message to the bare JID reaches this session
    await createRoom(alice, room('invite'), 'Alice', { 'muc#roomconfig_membersonly': '1' });
    // The inviter (a moderator, who sees real JIDs) hears of the new member (XEP-0045 §9 notifications).
    const newMember = alice.next((el) => el.name === 'message' && el.attrs.from === room('invite') && item(el).jid === 'carol@localhost' && item(el).affiliation === 'member');
    await alice.sendStanza(xml('message', { to: room('invite') }, xml('x', { xmlns: NS.MUC_USER }, xml('invite', { to: 'carol@localhost' }, xml('reason', {}, 'join us')))));
    await newMember;
    const invitation = await carol.next((el) => el.name === 'message' && el.attrs.from === room('invite') && !!el.getChild('x', NS.MUC_USER)?.getChild('invite'));
    const invite = invitation.getChild('x', NS.MUC_USER)!.getChild('invite')!;
    expect(invite.attrs.from).toBe('alice@localhost');
    expect(invite.getChildText('reason')).toBe('join us');
    const entered = await enter(carol, room('invite'), 'Carol');
    expect(item(entered).affiliation).toBe('member');
  });

  it('passes a decline back to the inviter, and lets direct invitations (XEP-0249) through untouched', async () => {
    const alice = await session('alice');
    const carol = await session('carol');
    await alice.sendStanza(xml('presence'));
    await carol.sendStanza(xml('presence'));
    await createRoom(alice, room('declined'), 'Alice');
    await carol.sendStanza(xml('message', { to: room('declined') }, xml('x', { xmlns: NS.MUC_USER }, xml('decline', { to: 'alice@localhost' }, xml('reason', {}, 'busy')))));
    const declined = await alice.next((el) => el.name === 'message' && el.attrs.from === room('declined') && el.getChild('x', NS.MUC_USER)?.getChild('decline') !== undefined);
    const decline = declined.getChild('x', NS.MUC_USER)!.getChild('decline')!;
    expect([decline.attrs.from, decline.getChildText('reason')]).toEqual(['carol@localhost', 'busy']);
    await alice.sendStanza(xml('message', { to: 'carol@localhost' }, xml('x', { xmlns: 'jabber:x:conference', jid: room('declined'), reason: 'come along' })));
    const direct = await carol.next((el) => el.name === 'message' && el.getChild('x', 'jabber:x:conference') !== undefined);
    expect(direct.getChild('x', 'jabber:x:conference')!.attrs).toMatchObject({ jid: room('declined'), reason: 'come along' });
  });

  it('passes a voice request to the moderators, and an approval gives voice', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('askvoice'), 'Alice', { 'muc#roomconfig_moderatedroom': '1' });
    await enter(bob, room('askvoice'), 'Bob');
    const request = xml(
      'message',
      { to: room('askvoice') },
      xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${NS.MUC}#request`)), xml('field', { var: 'muc#role', type: 'list-single' }, xml('value', {}, 'participant'))),
    );
    await bob.sendStanza(request);
    const forModerator = await alice.next((el) => el.name === 'message' && el.getChild('x', NS.DATA_FORMS) !== undefined);
    const fields = forModerator.getChild('x', NS.DATA_FORMS)!.getChildren('field');
    expect(fields.find((f) => f.attrs.var === 'muc#roomnick')?.getChildText('value')).toBe('Bob');
    const voiced = bob.next((el) => el.name === 'presence' && el.attrs.from === `${room('askvoice')}/Bob` && item(el).role === 'participant');
    await alice.sendStanza(
      xml(
        'message',
        { to: room('askvoice') },
        xml(
          'x',
          { xmlns: NS.DATA_FORMS, type: 'submit' },
          xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${NS.MUC}#request`)),
          xml('field', { var: 'muc#roomnick' }, xml('value', {}, 'Bob')),
          xml('field', { var: 'muc#request_allow' }, xml('value', {}, 'true')),
        ),
      ),
    );
    await voiced;
  });
});

describe('registering with a room (§7.10, §7.12) and unique room names (§10.1.4)', () => {
  const registerQuery = (roomJid: string, type: 'get' | 'set', ...children: Element[]) => xml('iq', { type, to: roomJid }, xml('query', { xmlns: 'jabber:iq:register' }, ...children));
  const nickForm = (nick: string) =>
    xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${NS.MUC}#register`)), xml('field', { var: 'muc#register_roomnick' }, xml('value', {}, nick)));

  it('reserves a nick for whoever registers it, makes them a member, and keeps others off the nick', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const carol = await session('carol');
    await createRoom(alice, room('registry'), 'Alice');
    const form = await bob.query(registerQuery(room('registry'), 'get'));
    expect(form.getChild('query')!.getChild('x', NS.DATA_FORMS)!.getChildren('field').map((f) => f.attrs.var)).toContain('muc#register_roomnick');
    expect((await bob.query(registerQuery(room('registry'), 'set', nickForm('Bobby')))).attrs.type).toBe('result');
    expect(errorCondition(await carol.query(registerQuery(room('registry'), 'set', nickForm('Bobby'))))).toBe('conflict');
    expect(errorCondition(await enter(carol, room('registry'), 'Bobby'))).toBe('conflict');
    const reserved = await bob.query(xml('iq', { type: 'get', to: room('registry') }, xml('query', { xmlns: NS.DISCO_INFO, node: 'x-roomuser-item' })));
    expect(reserved.getChild('query')!.getChild('identity')?.attrs.name).toBe('Bobby');
    expect(item(await enter(bob, room('registry'), 'Bobby'))).toMatchObject({ affiliation: 'member' });
    const again = await bob.query(registerQuery(room('registry'), 'get'));
    expect(again.getChild('query')!.getChildText('username')).toBe('Bobby');
  });

  it('keeps registration in a members-only room to people on its lists', async () => {
    const alice = await session('alice');
    const carol = await session('carol');
    await createRoom(alice, room('closedregistry'), 'Alice', { 'muc#roomconfig_membersonly': '1' });
    expect(errorCondition(await carol.query(registerQuery(room('closedregistry'), 'set', nickForm('Carol'))))).toBe('registration-required');
  });

  it('hands out a room name nobody uses', async () => {
    const alice = await session('alice');
    const reply = await alice.query(xml('iq', { type: 'get', to: 'conference.localhost' }, xml('unique', { xmlns: `${NS.MUC}#unique` })));
    const name = reply.getChild('unique', `${NS.MUC}#unique`)?.getText();
    expect(name).toMatch(/^[0-9a-f]{24}$/);
    expect(errorCondition(await alice.query(xml('iq', { type: 'get', to: room(name!) }, xml('query', { xmlns: NS.DISCO_INFO }))))).toBe('item-not-found');
  });
});

describe('operators (ad-hoc commands for admins)', () => {
  const command = (node: string, form?: Element, sessionid?: string) => xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, action: form ? 'complete' : 'execute', sessionid }, form ?? null));

  it('lists rooms, closes one (everyone out, nobody in) and destroys one; others are refused', async () => {
    const operator = await session('operator');
    const alice = await session('alice');
    const bob = await session('bob');
    await createRoom(alice, room('ops'), 'Alice');
    expect(errorCondition(await bob.query(command(MUC_COMMAND('list-rooms'))))).toBe('forbidden');
    const listed = await operator.query(command(MUC_COMMAND('list-rooms')));
    const lines = listed.getChild('command')!.getChild('x', NS.DATA_FORMS)!.getChildren('field').find((f) => f.attrs.var === 'rooms')!.getChildren('value').map((v) => v.getText());
    expect(lines.some((line) => line.startsWith(`${room('ops')}: 1 in the room`))).toBe(true);

    const first = await operator.query(command(MUC_COMMAND('close-room')));
    const sessionid = first.getChild('command')!.attrs.sessionid as string;
    const aliceOut = alice.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.attrs.from === `${room('ops')}/Alice`);
    const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'room' }, xml('value', {}, room('ops'))), xml('field', { var: 'closed' }, xml('value', {}, '1')));
    expect((await operator.query(command(MUC_COMMAND('close-room'), form, sessionid))).getChild('command')!.attrs.status).toBe('completed');
    expect(statusCodes(await aliceOut)).toContain(307);
    expect(errorCondition(await enter(alice, room('ops'), 'Alice'))).toBe('not-allowed');

    const destroyStart = await operator.query(command(MUC_COMMAND('destroy-room')));
    const destroyForm = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'room' }, xml('value', {}, room('ops'))), xml('field', { var: 'reason' }, xml('value', {}, 'abuse')));
    await operator.query(command(MUC_COMMAND('destroy-room'), destroyForm, destroyStart.getChild('command')!.attrs.sessionid as string));
    expect(errorCondition(await alice.query(xml('iq', { type: 'get', to: room('ops') }, xml('query', { xmlns: NS.DISCO_INFO }))))).toBe('item-not-found');
  });

  it('limits rooms per person (policy-violation) and occupants per room on the whole service', async () => {
    const small = await createHarness({ muc: { max_rooms_per_user: 1, max_occupants: 2 } });
    try {
      for (const user of ['alice', 'bob', 'carol']) await small.createUser(user);
      const alice = await small.connect('alice');
      await createRoom(alice, room('mine'), 'Alice');
      const refused = await enter(alice, room('another'), 'Alice');
      expect(errorCondition(refused)).toBe('policy-violation');
      expect(refused.getChild('error')!.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toContain('at most 1 rooms');
      await enter(await small.connect('bob'), room('mine'), 'Bob');
      expect(errorCondition(await enter(await small.connect('carol'), room('mine'), 'Carol'))).toBe('service-unavailable');
      // The owner's form offers nothing above the service's limit, and refuses more.
      const tooMany = await alice.query(xml('iq', { type: 'set', to: room('mine') }, xml('query', { xmlns: `${NS.MUC}#owner` }, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'muc#roomconfig_maxusers' }, xml('value', {}, '500'))))));
      expect(errorCondition(tooMany)).toBe('not-acceptable');
    } finally {
      await small.stop();
    }
  });

  it('lets the room creation setting keep rooms to admins', async () => {
    const strict = await createHarness({ admins: ['operator@localhost'], muc: { room_creation: 'admins' } });
    try {
      await strict.createUser('alice');
      await strict.createUser('operator');
      const alice = await strict.connect('alice');
      expect(errorCondition(await enter(alice, room('nope'), 'Alice'))).toBe('not-allowed');
      const operator = await strict.connect('operator');
      expect(statusCodes(await enter(operator, room('yes'), 'Op'))).toContain(201);
    } finally {
      await strict.stop();
    }
  });
});
