import { cloneElement, NS, parseXml, xml, xmppDateTime, type Element, type Jid } from '@conexizan/protocol';
import { parseQuery, queryForm } from '../mam/query.ts';
import type { Room } from './room.ts';
import { NS_MODERATE, NS_RETRACT } from './disco.ts';
import { fail, NS_OCCUPANT_ID, type MucService } from './service.ts';

/**
 * The room archive (XEP-0313 §6 for MUC): anyone who may enter the room
 * may read it, with the same query form and paging as user archives (the
 * parsing is mam/query.ts). Moderators retract messages from it
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

export function archiveForm(): Element {
  return queryForm();
}

export async function queryRoomArchive(svc: MucService, room: Room, requester: Jid, query: Element, retentionMs: number): Promise<Element> {
  if (!room.config.archiving) throw fail('feature-not-implemented', 'cancel', 'this room keeps no archive');
  if (!mayRead(svc, room, requester)) throw fail('forbidden', 'auth', 'you may not read this room’s archive');
  const { queryid, filter, page, flip } = parseQuery(query);
  const cutoff = new Date(Date.now() - retentionMs);
  if (!filter.start || filter.start < cutoff) filter.start = cutoff;
  const result = await svc.ctx.storage.muc.query(room.jid.toString(), filter, page);
  if (!result) throw fail('item-not-found', 'cancel', 'no such message in the archive');
  const entries = flip ? [...result.items].reverse() : result.items;
  for (const entry of entries) {
    let original: Element;
    try {
      original = parseXml(entry.stanza);
    } catch {
      continue;
    }
    original.attrs.xmlns = NS.CLIENT;
    const message = xml(
      'message',
      { from: room.jid.toString(), to: requester.toString() },
      xml('result', { xmlns: NS.MAM, queryid, id: entry.id }, xml('forwarded', { xmlns: NS.FORWARD }, xml('delay', { xmlns: NS.DELAY, stamp: xmppDateTime(entry.storedAt) }), original)),
    );
    await svc.send(message);
  }
  const set = xml('set', { xmlns: NS.RSM });
  const first = result.items[0];
  const last = result.items.at(-1);
  if (first && last) set.append(xml('first', { index: String(result.firstIndex ?? 0) }, first.id), xml('last', {}, last.id));
  set.append(xml('count', {}, String(result.count)));
  return xml('fin', { xmlns: NS.MAM, complete: result.complete ? 'true' : undefined }, set);
}

/** XEP-0425 §4: a moderator retracts a message by its stanza id. */
export async function moderate(svc: MucService, room: Room, requester: Jid, request: Element): Promise<void> {
  const moderator = room.occupantOf(requester);
  if (moderator?.role !== 'moderator') throw fail('forbidden', 'auth', 'only moderators in the room retract messages');
  if (!request.getChild('retract', NS_RETRACT)) throw fail('feature-not-implemented', 'cancel', 'retracting is the only moderation offered');
  const id = request.attrs.id as string | undefined;
  if (!id || id.length > 64) throw fail('bad-request', 'modify', 'name the message by its stanza id');
  const entry = await svc.ctx.storage.muc.entry(room.jid.toString(), id);
  if (!entry) throw fail('item-not-found', 'cancel', 'no message with this id in the archive');
  const reason = request.getChildText('reason')?.slice(0, 512);
  const moderated = () =>
    xml('moderated', { xmlns: NS_MODERATE, by: room.occupantJid(moderator.nick).toString() }, xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: room.occupantId(moderator.realBare) }));
  // The tombstone keeps who sent it and when, never what it said.
  const original = parseXml(entry.stanza);
  const tombstone = xml('message', { from: original.attrs.from, type: 'groupchat', id: original.attrs.id }, xml('retracted', { xmlns: NS_RETRACT, stamp: xmppDateTime(new Date()) }, moderated(), reason ? xml('reason', {}, reason) : null));
  const occupantId = original.getChild('occupant-id', NS_OCCUPANT_ID);
  if (occupantId) tombstone.append(cloneElement(occupantId));
  await svc.ctx.storage.muc.replaceEntry(room.jid.toString(), id, tombstone.toString());
  room.history = room.history.filter((item) => item.stanza.getChild('stanza-id', NS.SID)?.attrs.id !== id);
  const announcement = xml(
    'message',
    { from: room.jid.toString(), type: 'groupchat', id: `retract-${id}` },
    xml('retract', { xmlns: NS_RETRACT, id }, moderated(), reason ? xml('reason', {}, reason) : null),
    xml('body', {}, 'A moderator retracted a message.'),
    xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: NS_RETRACT }),
  );
  await svc.toEveryone(room, announcement);
}
