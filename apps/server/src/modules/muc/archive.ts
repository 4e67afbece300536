import { cloneElement, mamAnswer, moderatedElement, NS, parseMamQuery, parseModerateRequest, parseXml, xml, xmppDateTime, type Element, type Jid } from '@conexizan/protocol';
import type { Room } from './room.ts';
import { fail, type MucService } from './service.ts';
import { forViewer } from './real-jids.ts';

/**
 * The room archive (XEP-0313 §6 for MUC): anyone who may enter the room
 * may read it, with the same query form and paging as user archives (both
 * are @conexizan/protocol's mam.ts). Moderators retract messages from it
 * (XEP-0425): the entry becomes a tombstone and everyone in the room is told.
 */
export function mayRead(svc: MucService, room: Room, requester: Jid): boolean {
  if (svc.isOperator(requester)) return true;
  const affiliation = room.affiliationOf(requester);
  if (affiliation === 'outcast') return false;
  if (room.config.membersOnly && affiliation === 'none') return false;
  // A password room's archive is for those in it (they knew the password).
  if (room.config.password && affiliation === 'none' && !room.occupantOf(requester)) return false;
  return true;
}

export async function queryRoomArchive(svc: MucService, room: Room, requester: Jid, payload: Element, retentionMs: number): Promise<Element> {
  if (!room.config.archiving) throw fail('feature-not-implemented', 'cancel', 'this room keeps no archive');
  if (!mayRead(svc, room, requester)) throw fail('forbidden', 'auth', 'you may not read this room’s archive');
  const query = parseMamQuery(payload);
  const cutoff = new Date(Date.now() - retentionMs);
  if (!query.filter.start || query.filter.start < cutoff) query.filter.start = cutoff;
  const result = await svc.ctx.storage.muc.query(room.jid.toString(), query.filter, query.page);
  if (!result) throw fail('item-not-found', 'cancel', 'no such message in the archive');
  const { messages, fin } = mamAnswer(result, query, { from: room.jid.toString(), to: requester.toString() });
  const viewer = room.occupantOf(requester);
  for (const message of messages) {
    const original = message.getChild('result', NS.MAM)?.getChild('forwarded', NS.FORWARD)?.getChild('message');
    if (original) forViewer(room, viewer, original);
    await svc.send(message);
  }
  return fin;
}

/** XEP-0425 §4: a moderator retracts a message by its stanza id. */
export async function moderate(svc: MucService, room: Room, requester: Jid, request: Element): Promise<void> {
  const moderator = room.occupantOf(requester);
  if (moderator?.role !== 'moderator') throw fail('forbidden', 'auth', 'only moderators in the room retract messages');
  const { id, retract, reason: given } = parseModerateRequest(request);
  if (!retract) throw fail('feature-not-implemented', 'cancel', 'retracting is the only moderation offered');
  if (!id || id.length > 64) throw fail('bad-request', 'modify', 'name the message by its stanza id');
  const entry = await svc.ctx.storage.muc.entry(room.jid.toString(), id);
  if (!entry) throw fail('item-not-found', 'cancel', 'no message with this id in the archive');
  const reason = given?.slice(0, 512);
  const moderated = () => moderatedElement(room.occupantJid(moderator.nick).toString(), room.occupantId(moderator.realBare));
  // The tombstone keeps who sent it and when, never what it said.
  const original = parseXml(entry.stanza);
  const tombstone = xml('message', { from: original.attrs.from, type: 'groupchat', id: original.attrs.id }, xml('retracted', { xmlns: NS.RETRACT, stamp: xmppDateTime(new Date()) }, moderated(), reason ? xml('reason', {}, reason) : null));
  const occupantId = original.getChild('occupant-id', NS.OCCUPANT_ID);
  if (occupantId) tombstone.append(cloneElement(occupantId));
  await svc.ctx.storage.muc.replaceEntry(room.jid.toString(), id, tombstone.toString());
  room.history = room.history.filter((item) => item.stanza.getChild('stanza-id', NS.SID)?.attrs.id !== id);
  const announcement = xml(
    'message',
    { from: room.jid.toString(), type: 'groupchat', id: `retract-${id}` },
    xml('retract', { xmlns: NS.RETRACT, id }, moderated(), reason ? xml('reason', {}, reason) : null),
    xml('body', {}, 'A moderator retracted a message.'),
    xml('fallback', { xmlns: NS.FALLBACK, for: NS.RETRACT }),
  );
  await svc.toEveryone(room, announcement);
}
