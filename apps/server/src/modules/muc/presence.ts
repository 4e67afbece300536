import { cloneElement, delayElement, MUC_STATUS, NS, parseHistoryRequest, xml, type Element, type Jid } from '@conexizan/protocol';
import type { StanzaEvent } from '../../core/router.ts';
import { Occupant, Room, type HistoryEntry } from './room.ts';
import { fail, type MucService } from './service.ts';
import { forViewer } from './real-jids.ts';

/**
 * Presence to an occupant JID (room@service/nick), XEP-0045 §7.1–7.6 and
 * §10.1: entering (and creating) a room, with every check a room makes
 * before letting someone in; changing nick; changing status; leaving.
 */
const MAX_NICK = 64;
/** XEP-0045 business rules (Addresses): no invisible nicknames, made of spaces only (PRECIS already refuses zero-width characters in a resource). */
const INVISIBLE_NICK = /^[\s\p{Zs}]*$/u;

function checkNick(nick: string): void {
  if ([...nick].length > MAX_NICK) throw fail('not-acceptable', 'modify', `a nickname has at most ${MAX_NICK} characters`);
  if (INVISIBLE_NICK.test(nick)) throw fail('jid-malformed', 'modify', 'a nickname needs at least one visible character');
}

export async function handlePresence(svc: MucService, event: StanzaEvent): Promise<void> {
  const { from, to, type } = event;
  const room = svc.rooms.get(to.local);
  const occupant = room?.occupantOf(from);
  if (type === 'error') {
    // §7.2.x: a client that answers with an error is gone; do not keep a ghost.
    if (room && occupant) await leaveSession(svc, room, occupant, from, undefined, [MUC_STATUS.REMOVED_ERROR]);
    return;
  }
  if (type === 'unavailable') {
    if (room && occupant) await leaveSession(svc, room, occupant, from, event.stanza);
    return;
  }
  if (type !== 'available') return; // probes and subscriptions mean nothing to a room
  if (!to.resource) throw fail('jid-malformed', 'modify', 'enter a room as room@service/nick');
  const marker = event.stanza.getChild('x', NS.MUC);
  if (room && occupant) {
    if (occupant.nick !== to.resource) await changeNick(svc, room, occupant, to.resource, event);
    else if (marker) await rejoin(svc, room, occupant, from, event.stanza, marker);
    else await updateStatus(svc, room, occupant, from, event.stanza);
    return;
  }
  // Entering needs the MUC marker: a client's ordinary presence broadcast to a room it
  // was thrown out of (it still counts as directed presence) must not walk back in.
  if (!marker) return;
  await enter(svc, room, event, marker);
}

async function enter(svc: MucService, existing: Room | undefined, event: StanzaEvent, marker: Element): Promise<void> {
  const { from, to } = event;
  const nick = to.resource;
  checkNick(nick);
  let room = existing;
  let created = false;
  if (!room) {
    if (!svc.mayCreate(from)) throw fail('not-allowed', 'cancel', 'this service does not let you create rooms');
    if (svc.rooms.size >= svc.settings.max_rooms) throw fail('resource-constraint', 'wait', 'this service holds as many rooms as it may');
    const creator = from.bare().toString();
    if (!svc.isOperator(from) && svc.roomsCreatedBy(creator) >= svc.settings.max_rooms_per_user) {
      throw fail('policy-violation', 'modify', `you may own at most ${svc.settings.max_rooms_per_user} rooms here`);
    }
    room = Room.fresh(svc.roomJid(to.local), svc.defaultConfig(), from);
    room.locked = true; // §10.1.1: until the owner configures it or accepts the defaults
    svc.created(room);
    created = true;
  }
  const affiliation = room.affiliationOf(from);
  if (!created) {
    if (room.state.closed && !svc.isOperator(from)) throw fail('not-allowed', 'cancel', 'an operator closed this room');
    if (room.locked && affiliation !== 'owner') throw fail('item-not-found', 'cancel', 'this room is being set up by its owner');
    if (affiliation === 'outcast') throw fail('forbidden', 'auth', 'you are banned from this room');
    if (room.config.membersOnly && affiliation === 'none') throw fail('registration-required', 'auth', 'this room is for members only');
    const password = marker.getChildText('password');
    if (room.config.password !== '' && password !== room.config.password) throw fail('not-authorized', 'auth', 'this room needs the right password');
  }
  const holder = room.occupants.get(nick);
  if (holder && !holder.realBare.equals(from.bare())) throw fail('conflict', 'cancel', 'someone in the room already has this nickname');
  const reservedBy = room.nickOwner(nick);
  if (reservedBy && reservedBy !== from.bare().toString()) throw fail('conflict', 'cancel', 'someone registered this nickname in this room');
  const limit = Math.min(room.config.maxUsers, svc.settings.max_occupants);
  if (!holder && room.occupants.size >= limit && affiliation !== 'owner' && affiliation !== 'admin') {
    throw fail('service-unavailable', 'wait', `this room holds at most ${limit} people`);
  }

  const occupant = holder ?? new Occupant(nick, from.bare(), room.defaultRole(affiliation), svc.settings.message_burst);
  const self = { jid: from, presence: event.stanza, joinedAt: Date.now() };
  // §7.2.3: the others' presence first, to the newcomer only.
  for (const other of room.occupants.values()) {
    if (other === occupant || !room.presenceShown(other.role)) continue;
    const presence = svc.occupantPresence(room, other, occupant);
    presence.attrs.to = from.toString();
    await svc.send(presence);
  }
  occupant.sessions.set(from.toString(), self);
  room.occupants.set(nick, occupant);
  room.nickOf.set(from.toString(), nick);

  const selfCodes: number[] = [];
  if (room.config.whois === 'anyone') selfCodes.push(MUC_STATUS.NON_ANONYMOUS);
  if (room.config.archiving) selfCodes.push(MUC_STATUS.ARCHIVING_ON);
  if (created) selfCodes.push(MUC_STATUS.CREATED);
  // Everyone else sees the newcomer; the newcomer's own presence comes last (with 110).
  for (const viewer of room.occupants.values()) {
    if (viewer === occupant || !room.presenceShown(occupant.role)) continue;
    await svc.toSessions(viewer, svc.occupantPresence(room, occupant, viewer));
  }
  const own = svc.occupantPresence(room, occupant, occupant, { selfCodes });
  // Other sessions of the same occupant learn about the new one as a presence update.
  for (const session of occupant.sessions.values()) {
    const copy = cloneElement(own);
    copy.attrs.to = session.jid.toString();
    await svc.send(copy);
  }
  // §7.2.15: the (possibly empty) subject tells the client it is in, even in a room it just created.
  if (!created) await sendHistory(svc, room, from, marker.getChild('history'));
  await sendSubject(svc, room, from);
}

/** §7.2.14: the most recent messages the client asked for, as they were, with a delay stamp. */
async function sendHistory(svc: MucService, room: Room, to: Jid, history: Element | undefined): Promise<void> {
  const { maxStanzas = svc.settings.default_history, seconds, since, maxChars } = parseHistoryRequest(history);
  let entries: HistoryEntry[] = room.history;
  if (seconds !== undefined) entries = entries.filter((entry) => entry.at.getTime() >= Date.now() - seconds * 1000);
  if (since) entries = entries.filter((entry) => entry.at >= since);
  entries = maxStanzas <= 0 ? [] : entries.slice(-Math.min(maxStanzas, svc.settings.history_size));
  if (maxChars !== undefined) {
    let total = 0;
    const kept: HistoryEntry[] = [];
    for (const entry of [...entries].reverse()) {
      total += entry.chars;
      if (total > maxChars) break;
      kept.unshift(entry);
    }
    entries = kept;
  }
  const viewer = room.occupantOf(to);
  for (const entry of entries) {
    const message = forViewer(room, viewer, cloneElement(entry.stanza));
    message.attrs.to = to.toString();
    message.append(delayElement(room.jid.toString(), entry.at));
    await svc.send(message);
  }
}

/** §7.2.15: the subject always comes after the history, empty when there is none. */
export async function sendSubject(svc: MucService, room: Room, to: Jid): Promise<void> {
  const subject = room.state.subject;
  const from = subject?.nick ? room.occupantJid(subject.nick).toString() : room.jid.toString();
  await svc.send(xml('message', { from, to: to.toString(), type: 'groupchat', id: `subject-${Date.now().toString(36)}` }, xml('subject', {}, subject?.text ?? '')));
}

/**
 * A client that thinks it is out (it lost its state, or never saw the end
 * of its join) enters again while the room still has it: it gets the whole
 * join again, and the others only see a presence update.
 */
async function rejoin(svc: MucService, room: Room, occupant: Occupant, from: Jid, stanza: Element, marker: Element): Promise<void> {
  const session = occupant.sessions.get(from.toString());
  if (session) {
    session.presence = stanza;
    session.joinedAt = Date.now();
  }
  for (const other of room.occupants.values()) {
    if (other === occupant) continue;
    if (room.presenceShown(occupant.role)) await svc.toSessions(other, svc.occupantPresence(room, occupant, other));
    if (!room.presenceShown(other.role)) continue;
    const presence = svc.occupantPresence(room, other, occupant);
    presence.attrs.to = from.toString();
    await svc.send(presence);
  }
  const selfCodes = [...(room.config.whois === 'anyone' ? [MUC_STATUS.NON_ANONYMOUS] : []), ...(room.config.archiving ? [MUC_STATUS.ARCHIVING_ON] : [])];
  const own = svc.occupantPresence(room, occupant, occupant, { selfCodes });
  own.attrs.to = from.toString();
  await svc.send(own);
  await sendHistory(svc, room, from, marker.getChild('history'));
  await sendSubject(svc, room, from);
}

async function updateStatus(svc: MucService, room: Room, occupant: Occupant, from: Jid, stanza: Element): Promise<void> {
  const session = occupant.sessions.get(from.toString());
  if (!session) return;
  session.presence = stanza;
  session.joinedAt = Date.now();
  await svc.broadcastPresence(room, occupant);
}

/** §7.6: an unavailable presence with 303 from the old nick, then presence from the new one. */
async function changeNick(svc: MucService, room: Room, occupant: Occupant, nick: string, event: StanzaEvent): Promise<void> {
  checkNick(nick);
  const holder = room.occupants.get(nick);
  if (holder) throw fail('conflict', 'cancel', 'someone in the room already has this nickname');
  const reservedBy = room.nickOwner(nick);
  if (reservedBy && reservedBy !== occupant.realBare.toString()) throw fail('conflict', 'cancel', 'someone registered this nickname in this room');
  const old = occupant.nick;
  await svc.broadcastPresence(room, occupant, { unavailable: true, nick: old, newNick: nick, codes: [MUC_STATUS.NICK_CHANGED] });
  room.occupants.delete(old);
  occupant.nick = nick;
  room.occupants.set(nick, occupant);
  for (const key of occupant.sessions.keys()) room.nickOf.set(key, nick);
  const session = occupant.sessions.get(event.from.toString());
  if (session) session.presence = event.stanza;
  await svc.broadcastPresence(room, occupant);
}

/** One session leaves; the occupant leaves with its last session (§7.14). */
export async function leaveSession(svc: MucService, room: Room, occupant: Occupant, session: Jid, stanza: Element | undefined, codes: number[] = []): Promise<void> {
  if (occupant.sessions.size <= 1) {
    await svc.removeOccupant(room, occupant, { unavailableStanza: stanza, codes });
    return;
  }
  // The leaving session hears it left; everyone else sees the occupant's remaining presence.
  const leaving = svc.occupantPresence(room, occupant, occupant, { unavailable: true, unavailableStanza: stanza, codes });
  leaving.attrs.to = session.toString();
  occupant.sessions.delete(session.toString());
  room.nickOf.delete(session.toString());
  await svc.send(leaving);
  await svc.broadcastPresence(room, occupant);
}
