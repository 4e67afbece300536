import { randomBytes } from 'node:crypto';
import { buildDataForm, cloneElement, formValue, MUC_STATUS, NS, occupantIdElement, parseDataForm, parseInviteRequest, roomDecline, roomInvitation, tryParseJid, worthArchiving, xml, type Element } from '@conexizan/protocol';
import type { StanzaEvent } from '../../core/router.ts';
import { leaveSession } from './presence.ts';
import type { Occupant, Room } from './room.ts';
import { fail, type MucService } from './service.ts';
import { announceAffiliation, grantRole } from './roles.ts';
import { annotateSender } from './real-jids.ts';

/**
 * Messages to a room (XEP-0045 §7.4 groupchat, §8.1 subject, §7.8
 * mediated invitations, §8.6 voice requests) and to an occupant (§7.5
 * private messages). What reaches others always comes from the sender's
 * occupant JID, with the room's XEP-0359 stanza id and the XEP-0421
 * occupant id; ids and occupant ids a client put in itself are dropped.
 */
const MAX_SUBJECT = 1024;

export async function handleMessage(svc: MucService, event: StanzaEvent): Promise<void> {
  const { from, to, type, stanza } = event;
  const room = svc.rooms.get(to.local);
  if (!room || room.locked) {
    if (type !== 'error') throw fail('item-not-found', 'cancel', 'no such room');
    return;
  }
  const sender = room.occupantOf(from);
  if (type === 'error') {
    // §7.2: a delivery error means the occupant is gone (status 333).
    if (sender) await leaveSession(svc, room, sender, from, undefined, [MUC_STATUS.REMOVED_ERROR]);
    return;
  }
  // One budget for everything an occupant sends: groupchat, private messages, invitations, requests.
  if (sender && !svc.takeMessageToken(sender)) throw fail('resource-constraint', 'wait', 'you are sending messages too fast; wait a moment');
  if (to.resource) {
    await privateMessage(svc, room, sender, event);
    return;
  }
  const userX = stanza.getChild('x', NS.MUC_USER);
  if (userX?.getChild('invite')) return invite(svc, room, sender, event, userX.getChild('invite')!);
  if (userX?.getChild('decline')) return decline(svc, room, event, userX.getChild('decline')!);
  const requestForm = stanza.getChildren('x', NS.DATA_FORMS).find((x) => x.getChildren('field').some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === NS.MUC_REQUEST));
  if (requestForm && type !== 'groupchat') return voiceRequest(svc, room, sender, requestForm);
  if (type !== 'groupchat') throw fail('bad-request', 'modify', 'messages to a room are of type groupchat');
  if (!sender) throw fail('not-acceptable', 'cancel', 'you are not in this room');

  const subject = stanza.getChild('subject');
  if (subject && !stanza.getChild('body')) return changeSubject(svc, room, sender, stanza, subject.getText());
  if (sender.role === 'visitor' || sender.role === 'none') {
    // Chat states and markers from a visitor's client are dropped quietly; only speaking is an error.
    if (!stanza.getChild('body')) return;
    throw fail('forbidden', 'auth', 'you have no voice in this room');
  }
  await broadcastGroupchat(svc, room, sender, stanza);
}

function asOccupantMessage(room: Room, sender: Occupant, stanza: Element): Element {
  const out = cloneElement(stanza);
  out.attrs.from = room.occupantJid(sender.nick).toString();
  delete out.attrs.to;
  delete out.attrs.xmlns;
  out.children = out.children.filter((child) => typeof child === 'string' || !(child.attrs.xmlns === NS.OCCUPANT_ID || (child.name === 'stanza-id' && child.attrs.xmlns === NS.SID && child.attrs.by === room.jid.toString())));
  out.append(occupantIdElement(room.occupantId(sender.realBare)));
  annotateSender(room, sender, out);
  return out;
}

async function broadcastGroupchat(svc: MucService, room: Room, sender: Occupant, stanza: Element): Promise<void> {
  const out = asOccupantMessage(room, sender, stanza);
  const id = randomBytes(16).toString('base64url');
  const at = new Date();
  // History carries the stanza id too: clients use it to continue from the archive.
  out.append(xml('stanza-id', { xmlns: NS.SID, id, by: room.jid.toString() }));
  // XEP-0313 §5.1.1 for groupchat: bodies, encrypted payloads… but never chat states alone.
  if (worthArchiving(out, 'normal')) {
    const text = out.toString();
    room.history.push({ stanza: out, at, chars: text.length });
    if (room.history.length > svc.settings.history_size) room.history.splice(0, room.history.length - svc.settings.history_size);
    if (room.config.archiving) await svc.ctx.storage.muc.append(room.jid.toString(), { id, peer: room.jid.toString(), peerResource: sender.nick, stanza: text, storedAt: at });
  }
  await svc.toEveryone(room, out);
}

async function changeSubject(svc: MucService, room: Room, sender: Occupant, stanza: Element, text: string): Promise<void> {
  const allowed = sender.role === 'moderator' || (room.config.changeSubject && sender.role === 'participant');
  if (!allowed) throw fail('forbidden', 'auth', 'you may not change the subject of this room');
  if (text.length > MAX_SUBJECT) throw fail('not-acceptable', 'modify', `a subject has at most ${MAX_SUBJECT} characters`);
  room.state.subject = text === '' ? null : { text, nick: sender.nick };
  await svc.persist(room);
  const out = asOccupantMessage(room, sender, stanza);
  out.children = out.children.filter((child) => typeof child !== 'string' && (child.name === 'subject' || child.attrs.xmlns === NS.OCCUPANT_ID));
  await svc.toEveryone(room, out);
}

/** §7.5: private messages between occupants; type groupchat to one person is an error (§7.5.3). */
async function privateMessage(svc: MucService, room: Room, sender: Occupant | undefined, event: StanzaEvent): Promise<void> {
  const { stanza, type, to } = event;
  if (!sender) throw fail('not-acceptable', 'cancel', 'only occupants may send private messages here');
  if (type === 'groupchat') throw fail('bad-request', 'modify', 'a private message is not of type groupchat');
  const target = room.occupants.get(to.resource);
  if (!target) throw fail('item-not-found', 'cancel', 'nobody in the room has this nickname');
  const rule = room.config.allowPm;
  const allowed = rule === 'anyone' || (rule === 'participants' && sender.role !== 'visitor') || (rule === 'moderators' && sender.role === 'moderator');
  if (!allowed && target.role !== 'moderator') throw fail('not-allowed', 'cancel', 'this room does not let you send private messages');
  const out = asOccupantMessage(room, sender, stanza);
  if (!out.getChild('x', NS.MUC_USER)) out.append(xml('x', { xmlns: NS.MUC_USER }));
  await svc.toSessions(target, out);
}

/** §7.8.2: a mediated invitation, sent on from the room; in a members-only room the invitee becomes a member. */
async function invite(svc: MucService, room: Room, sender: Occupant | undefined, event: StanzaEvent, inviteElement: Element): Promise<void> {
  if (!sender) throw fail('not-acceptable', 'cancel', 'only occupants may invite');
  const request = parseInviteRequest(inviteElement);
  if (!request) throw fail('jid-malformed', 'modify', 'an invitation needs a JID in to');
  const invitee = tryParseJid(request.to)!.bare().toString();
  const affiliation = room.affiliationOf(sender.realBare);
  const privileged = affiliation === 'owner' || affiliation === 'admin';
  if (room.config.membersOnly && !privileged && !room.config.allowInvites) throw fail('forbidden', 'auth', 'only admins may invite to this room');
  if (room.config.membersOnly && room.affiliationOf(invitee) === 'none') {
    room.setAffiliation(invitee, 'member');
    await svc.persist(room);
    // The invitation itself tells the invitee; the occupants learn of the new member.
    await announceAffiliation(svc, room, invitee, 'member', undefined, false);
  }
  const from = event.from.bare().toString();
  await svc.send(roomInvitation(room.jid.toString(), request.to, { from, id: event.stanza.attrs.id, reason: request.reason, password: room.config.password || undefined }));
}

/** §7.8.2: an invitee declines; the room passes it to the inviter. */
async function decline(svc: MucService, room: Room, event: StanzaEvent, declineElement: Element): Promise<void> {
  const request = parseInviteRequest(declineElement);
  if (!request) throw fail('jid-malformed', 'modify', 'a decline needs the inviter in to');
  await svc.send(roomDecline(room.jid.toString(), request.to, { from: event.from.bare().toString(), reason: request.reason }));
}

/** §8.6: a visitor asks for voice; every moderator gets the approval form. */
async function voiceRequest(svc: MucService, room: Room, sender: Occupant | undefined, form: Element): Promise<void> {
  const parsed = parseDataForm(form);
  if (parsed.type === 'submit' && formValue(parsed, 'muc#request_allow') !== undefined) {
    // A moderator's answer to a request.
    if (sender?.role !== 'moderator') throw fail('forbidden', 'auth', 'only moderators answer voice requests');
    const allow = ['1', 'true'].includes(formValue(parsed, 'muc#request_allow') ?? '');
    const nick = formValue(parsed, 'muc#roomnick');
    const target = nick ? room.occupants.get(nick) : undefined;
    if (allow && target && target.role === 'visitor') await grantRole(svc, room, sender, target, 'participant', undefined);
    return;
  }
  if (!sender) throw fail('not-acceptable', 'cancel', 'only occupants may ask for voice');
  if (sender.role !== 'visitor') return; // nothing to ask for
  const request = buildDataForm({
    type: 'form',
    title: 'Voice request',
    instructions: ['To approve this request for voice, select the "Grant voice" checkbox and submit the form.'],
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [NS.MUC_REQUEST] },
      { var: 'muc#role', type: 'list-single', label: 'Requested role', values: ['participant'] },
      // Only moderators receive this form, and moderators may see real JIDs in any room.
      { var: 'muc#jid', type: 'jid-single', label: 'User ID', values: [sender.primary().jid.toString()] },
      { var: 'muc#roomnick', type: 'text-single', label: 'Room Nickname', values: [sender.nick] },
      { var: 'muc#request_allow', type: 'boolean', label: 'Grant voice to this person?', values: ['0'] },
    ],
  });
  for (const moderator of room.occupants.values()) {
    if (moderator.role !== 'moderator') continue;
    await svc.toSessions(moderator, xml('message', { from: room.jid.toString() }, cloneElement(request)));
  }
}
