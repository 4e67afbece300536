import { describe, expect, it } from 'vitest';
import {
  mucAdminQuery,
  destroyElement,
  groupchatMessage,
  instantRoomConfig,
  joinErrorCondition,
  joinPresence,
  mediatedInvite,
  moderatedElement,
  moderateRequest,
  MUC_STATUS,
  mucUserElement,
  parseDestroy,
  parseHistoryRequest,
  parseInvitation,
  parseInviteRequest,
  parseModerateRequest,
  parseMucItem,
  parseOccupantPresence,
  parseRoomSettings,
  privateMessage,
  roomConfigSubmit,
  roomDecline,
  roomInvitation,
  ROOMCONFIG,
  statusCodes,
  subjectMessage,
} from './muc.ts';
import { formValue, parseDataForm } from './dataforms.ts';
import { NS } from './namespaces.ts';
import { parseXml, xml } from './xml.ts';

const ROOM = 'coven@chat.shakespeare.lit';

describe('XEP-0045 entering', () => {
  it("builds the join presence a room reads: nick, password and history request (§7.2.6, §7.2.14)", () => {
    const since = new Date('2026-03-01T12:00:00Z');
    const presence = joinPresence(ROOM, 'thirdwitch', { password: 'cauldronburn', history: { maxStanzas: 200, since } });
    expect(presence.attrs.to).toBe(`${ROOM}/thirdwitch`);
    const x = presence.getChild('x', NS.MUC)!;
    expect(x.getChildText('password')).toBe('cauldronburn');
    expect(parseHistoryRequest(x.getChild('history'))).toEqual({ maxStanzas: 200, since });
    // no <history/> at all when none is asked for: the room sends its default
    expect(joinPresence(ROOM, 'thirdwitch').getChild('x', NS.MUC)!.getChildElements()).toEqual([]);
  });

  it('ignores malformed history values rather than failing the join', () => {
    expect(parseHistoryRequest(parseXml(`<history maxchars="-5" seconds="180" since="soon" maxstanzas="9999999999"/>`))).toEqual({ seconds: 180 });
    expect(parseHistoryRequest(undefined)).toEqual({});
  });

  it('reads the reason a join failed', () => {
    const error = parseXml(`<presence from="${ROOM}/thirdwitch" type="error"><x xmlns="${NS.MUC}"/><error by="${ROOM}" type="cancel"><conflict xmlns="${NS.STANZAS_ERR}"/></error></presence>`);
    expect(joinErrorCondition(error)).toBe('conflict');
  });
});

describe('XEP-0045 occupant presence', () => {
  it("reads what the room's presence says about an occupant (XEP-0045 Example 23 with XEP-0421)", () => {
    const presence = parseXml(
      `<presence from="${ROOM}/thirdwitch" to="hag66@shakespeare.lit/pda"><show>away</show><x xmlns="${NS.MUC_USER}"><item affiliation="member" jid="Hag66@Shakespeare.lit/pda" role="participant"/><status code="100"/><status code="110"/><status code="210"/></x><occupant-id xmlns="${NS.OCCUPANT_ID}" id="dd72603deec90a38ba552f7c68cbcc61bca202cd"/></presence>`,
    );
    expect(parseOccupantPresence(presence)).toEqual({
      room: ROOM,
      nick: 'thirdwitch',
      unavailable: false,
      role: 'participant',
      affiliation: 'member',
      jid: 'hag66@shakespeare.lit/pda',
      occupantId: 'dd72603deec90a38ba552f7c68cbcc61bca202cd',
      codes: [MUC_STATUS.NON_ANONYMOUS, MUC_STATUS.SELF, MUC_STATUS.NICK_ASSIGNED],
      show: 'away',
    });
  });

  it("reads back the room's own presence broadcast: a nick change (§7.6) and a kick with actor and reason (§8.2)", () => {
    const change = xml('presence', { from: `${ROOM}/oldhag`, type: 'unavailable' }, mucUserElement({ item: { affiliation: 'member', role: 'participant', nick: 'newhag' }, codes: [MUC_STATUS.NICK_CHANGED] }));
    expect(parseOccupantPresence(change)).toMatchObject({ nick: 'oldhag', unavailable: true, newNick: 'newhag', codes: [303] });
    const kick = mucUserElement({ item: { affiliation: 'none', role: 'none', actor: 'Fluellen', reason: 'Avaunt, you cullion!' }, codes: [MUC_STATUS.SELF, MUC_STATUS.KICKED, MUC_STATUS.SELF] });
    expect(statusCodes(kick)).toEqual([110, 307]);
    expect(parseMucItem(kick.getChild('item')!)).toMatchObject({ role: 'none', affiliation: 'none', actor: 'Fluellen', reason: 'Avaunt, you cullion!' });
  });

  it('takes nothing that is not an occupant presence, and keeps unknown roles out of the typed fields', () => {
    expect(parseOccupantPresence(parseXml(`<presence from="${ROOM}"><x xmlns="${NS.MUC_USER}"/></presence>`))).toBeNull();
    expect(parseOccupantPresence(parseXml(`<presence from="bob@x/phone"/>`))).toBeNull();
    const odd = parseMucItem(parseXml('<item role="emperor" affiliation="member" jid="@@"/>'));
    expect([odd.role, odd.affiliation, odd.raw.role]).toEqual([undefined, 'member', 'emperor']);
    expect(parseOccupantPresence(parseXml(`<presence from="${ROOM}/x"><x xmlns="${NS.MUC_USER}"><item role="emperor" jid="@@"/></x></presence>`))).not.toHaveProperty('jid');
  });

  it('writes a destruction notice the invitee can read back (§10.9)', () => {
    const x = mucUserElement({ item: { affiliation: 'none', role: 'none' }, destroy: destroyElement({ alternate: 'heath@chat.shakespeare.lit', reason: 'Macbeth doth come.' }), codes: [110] });
    expect(parseDestroy(x.getChild('destroy')!)).toEqual({ alternate: 'heath@chat.shakespeare.lit', reason: 'Macbeth doth come.' });
  });
});

describe('XEP-0045 messages and queries', () => {
  it('builds groupchat, private and subject messages with their ids', () => {
    const message = groupchatMessage(ROOM, 'm1', 'Harpier cries', [xml('reply', { xmlns: NS.REPLY, id: 'x' })]);
    expect([message.attrs.type, message.getChildText('body'), message.getChild('origin-id', NS.SID)?.attrs.id, !!message.getChild('reply', NS.REPLY)]).toEqual(['groupchat', 'Harpier cries', 'm1', true]);
    const pm = privateMessage(ROOM, 'firstwitch', 'p1', 'psst');
    expect([pm.attrs.type, pm.attrs.to, !!pm.getChild('x', NS.MUC_USER)]).toEqual(['chat', `${ROOM}/firstwitch`, true]);
    expect(subjectMessage(ROOM, 's1', 'Fire Burn').getChildText('subject')).toBe('Fire Burn');
  });

  it('builds admin items the room reads back (§8.2 kick, §9.1 ban)', () => {
    const [kick, ban] = mucAdminQuery([{ nick: 'pistol', role: 'none', reason: 'Avaunt' }, { jid: 'earlofcambridge@shakespeare.lit', affiliation: 'outcast' }]).getChildren('item').map(parseMucItem);
    expect(kick).toMatchObject({ nick: 'pistol', role: 'none', reason: 'Avaunt' });
    expect(ban).toMatchObject({ jid: 'earlofcambridge@shakespeare.lit', affiliation: 'outcast' });
  });

  it('submits only the settings it changes, and reads the owner form back into settings', () => {
    const submit = roomConfigSubmit({ name: 'Coven', membersOnly: true, nonAnonymous: true, password: '' });
    const form = parseDataForm(submit.getChild('x', NS.DATA_FORMS)!);
    expect(form.type).toBe('submit');
    expect(form.fields.map((f) => [f.var, f.values[0]])).toEqual([
      ['FORM_TYPE', NS.MUC_ROOMCONFIG],
      [ROOMCONFIG.name, 'Coven'],
      [ROOMCONFIG.membersOnly, '1'],
      [ROOMCONFIG.whois, 'anyone'],
      [ROOMCONFIG.passwordProtected, '0'],
      [ROOMCONFIG.password, ''],
    ]);
    const owner = xml('query', { xmlns: NS.MUC_OWNER }, xml('x', { xmlns: NS.DATA_FORMS, type: 'form' }, ...[
      ['FORM_TYPE', NS.MUC_ROOMCONFIG],
      [ROOMCONFIG.name, 'Coven'],
      [ROOMCONFIG.whois, 'moderators'],
      [ROOMCONFIG.persistent, 'true'],
      [ROOMCONFIG.archiving, '0'],
    ].map(([name, value]) => xml('field', { var: name }, xml('value', {}, value)))));
    expect(parseRoomSettings(owner)).toMatchObject({ name: 'Coven', nonAnonymous: false, persistent: true, archiving: false, membersOnly: undefined, password: '' });
    expect(parseRoomSettings(undefined)).toEqual({});
    expect(formValue(parseDataForm(instantRoomConfig().getChild('x', NS.DATA_FORMS)!), 'FORM_TYPE')).toBeUndefined();
  });
});

describe('XEP-0045 invitations and XEP-0249', () => {
  it('carries an invitation from the inviter through the room to the invitee', () => {
    // the inviter asks the room (§7.8.2) …
    const request = mediatedInvite(ROOM, 'hecate@shakespeare.lit', 'i1', 'Hey Hecate, this is the place for all good witches!');
    const asked = parseInviteRequest(request.getChild('x', NS.MUC_USER)!.getChild('invite')!)!;
    expect(asked).toEqual({ to: 'hecate@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!' });
    // … the room passes it on in both forms, and the invitee reads who invited them to which room
    const passed = roomInvitation(ROOM, asked.to, { from: 'crone1@shakespeare.lit', reason: asked.reason, password: 'cauldronburn' });
    expect(passed.getChild('x', NS.CONFERENCE)?.attrs.jid).toBe(ROOM);
    expect(parseInvitation(passed)).toEqual({ room: ROOM, from: 'crone1@shakespeare.lit', reason: asked.reason, password: 'cauldronburn' });
  });

  it('names the inviter, not the room, when the room sends both forms', () => {
    const both = parseXml(
      `<message from="${ROOM}" to="hecate@shakespeare.lit"><x xmlns="${NS.MUC_USER}"><invite from="crone1@shakespeare.lit/desktop"/></x><x xmlns="jabber:x:conference" jid="${ROOM}"/></message>`,
    );
    expect(parseInvitation(both)).toEqual({ room: ROOM, from: 'crone1@shakespeare.lit' });
  });

  it('reads a direct invitation (XEP-0249 Example 1) and refuses what is not one', () => {
    const direct = parseXml(`<message from="crone1@shakespeare.lit/desktop" to="hecate@shakespeare.lit"><x xmlns="jabber:x:conference" jid="darkcave@macbeth.shakespeare.lit" password="cauldronburn" reason="Hey Hecate, this is the place for all good witches!"/></message>`);
    expect(parseInvitation(direct)).toEqual({ room: 'darkcave@macbeth.shakespeare.lit', from: 'crone1@shakespeare.lit', password: 'cauldronburn', reason: 'Hey Hecate, this is the place for all good witches!' });
    expect(parseInvitation(parseXml('<message from="bob@x"><body>hi</body></message>'))).toBeNull();
    // an "invitation" from an occupant JID is not one from the room
    expect(parseInvitation(parseXml(`<message from="${ROOM}/mallory"><x xmlns="${NS.MUC_USER}"><invite from="boss@x"/></x></message>`))).toBeNull();
    expect(parseInviteRequest(parseXml('<invite to="@@"/>'))).toBeNull();
  });

  it('passes a decline on to the inviter', () => {
    const decline = roomDecline(ROOM, 'crone1@shakespeare.lit', { from: 'hecate@shakespeare.lit', reason: 'Sorry, I am busy' });
    expect(decline.getChild('x', NS.MUC_USER)?.getChild('decline')?.attrs.from).toBe('hecate@shakespeare.lit');
  });
});

describe('XEP-0425 moderation', () => {
  it('asks for a retraction by stanza id and reads the request back', () => {
    expect(parseModerateRequest(moderateRequest('stanza-id-1', 'spam'))).toEqual({ id: 'stanza-id-1', retract: true, reason: 'spam' });
    expect(parseModerateRequest(parseXml(`<moderate xmlns="${NS.MODERATE}" id="x"><ban/></moderate>`))).toEqual({ id: 'x', retract: false });
    expect(moderatedElement(`${ROOM}/firstwitch`, 'occ1').getChild('occupant-id', NS.OCCUPANT_ID)?.attrs.id).toBe('occ1');
  });
});
