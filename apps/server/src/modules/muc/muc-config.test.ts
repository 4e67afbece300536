import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, parseDataForm, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { adminQuery, createRoom, enter, errorCondition, isPresenceFrom, item, ownerQuery, room, submitForm } from './testing.ts';

/** Room configuration options beyond the basics (XEP-0045 §10.2, the muc#roomconfig registry). */
let h: Harness;
let n = 0;
const session = (user: string) => h.connect(user, `c${++n}`);

beforeAll(async () => {
  h = await createHarness();
  for (const user of ['alice', 'bob', 'carol']) await h.createUser(user);
});
afterAll(() => h.stop());

const presencesFrom = (received: Element[], from: string) => received.filter(isPresenceFrom(from));

describe('muc#roomconfig_presencebroadcast', () => {
  it('shows the presence of occupants only in the chosen roles, and follows role and configuration changes', async () => {
    const alice = await session('alice');
    const bob = await session('bob');
    const lurk = room('lurk');
    await createRoom(alice, lurk, 'Alice', { 'muc#roomconfig_moderatedroom': '1', 'muc#roomconfig_presencebroadcast': ['moderator', 'participant'] });
    const form = parseDataForm((await alice.query(xml('iq', { type: 'get', to: lurk }, xml('query', { xmlns: `${NS.MUC}#owner` })))).getChild('query')!.getChild('x', NS.DATA_FORMS)!);
    expect(form.fields.find((f) => f.var === 'muc#roomconfig_presencebroadcast')).toMatchObject({ type: 'list-multi', values: ['moderator', 'participant'] });

    // A visitor enters: it sees the moderator and itself, nobody sees it.
    alice.received.length = 0;
    const own = await enter(bob, lurk, 'Bob');
    expect(item(own).role).toBe('visitor');
    expect(presencesFrom(bob.received, `${lurk}/Alice`)).toHaveLength(1);
    expect(presencesFrom(alice.received, `${lurk}/Bob`)).toEqual([]);

    // Given voice, the participant appears; silenced again, it leaves the others' view but stays in.
    const appears = alice.next((el) => isPresenceFrom(`${lurk}/Bob`)(el) && item(el).role === 'participant');
    await alice.query(adminQuery(lurk, 'set', xml('item', { nick: 'Bob', role: 'participant' })));
    await appears;
    const hidden = alice.next((el) => isPresenceFrom(`${lurk}/Bob`)(el) && el.attrs.type === 'unavailable');
    const bobUpdated = bob.next((el) => isPresenceFrom(`${lurk}/Bob`)(el) && item(el).role === 'visitor' && el.attrs.type === undefined);
    await alice.query(adminQuery(lurk, 'set', xml('item', { nick: 'Bob', role: 'visitor' })));
    await hidden;
    await bobUpdated;

    // The owner shows visitors again: Bob appears.
    const shownAgain = alice.next((el) => isPresenceFrom(`${lurk}/Bob`)(el) && item(el).role === 'visitor' && el.attrs.type === undefined);
    await alice.query(ownerQuery(lurk, submitForm({ 'muc#roomconfig_presencebroadcast': ['moderator', 'participant', 'visitor'] })));
    await shownAgain;
  });

  it('refuses a role that does not exist', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('badroles'), 'Alice');
    const reply = await alice.query(ownerQuery(room('badroles'), submitForm({ 'muc#roomconfig_presencebroadcast': ['moderator', 'emperor'] })));
    expect(errorCondition(reply)).toBe('not-acceptable');
  });
});

describe('muc#roomconfig_getmemberlist', () => {
  it('lets occupants in the chosen roles read who belongs, and nobody else but owners and admins', async () => {
    const alice = await session('alice');
    const carol = await session('carol');
    const club = room('memberlist');
    await createRoom(alice, club, 'Alice', { 'muc#roomconfig_whois': 'anyone' });
    await alice.query(adminQuery(club, 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' })));
    await enter(carol, club, 'Carol');
    const askMembers = () => carol.query(adminQuery(club, 'get', xml('item', { affiliation: 'member' })));
    expect(errorCondition(await askMembers())).toBe('forbidden');
    await alice.query(ownerQuery(club, submitForm({ 'muc#roomconfig_getmemberlist': ['moderator', 'participant'] })));
    const members = await askMembers();
    expect(members.attrs.type).toBe('result');
    expect(members.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['bob@localhost']);
    // Not the ban list, whatever the roles.
    expect(errorCondition(await carol.query(adminQuery(club, 'get', xml('item', { affiliation: 'outcast' }))))).toBe('forbidden');
    // A semi-anonymous room hides real JIDs from participants, member list included (§5.2).
    await alice.query(ownerQuery(club, submitForm({ 'muc#roomconfig_whois': 'moderators' })));
    expect(errorCondition(await askMembers())).toBe('forbidden');
  });
});
