import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { Occupant, Room } from './room.ts';

/**
 * The sender's real JID on a groupchat message, as `<x xmlns='…muc#user'>
 * <item jid='…'/></x>` (what Prosody's archive does and Conversations
 * reads): in a non-anonymous room every member may know who wrote what,
 * and group OMEMO needs it to find the sender's keys, above all for history
 * and archived messages whose sender has since left. Added only while the
 * room is non-anonymous, and taken off again for anyone the room no longer
 * shows real JIDs to. A client's own muc#user element is never passed on,
 * so nobody can claim to be someone else.
 */
export function annotateSender(room: Room, sender: Occupant, message: Element): void {
  message.children = message.children.filter((child) => typeof child === 'string' || !isMucUser(child));
  if (room.config.whois === 'anyone') message.append(xml('x', { xmlns: NS.MUC_USER }, xml('item', { jid: sender.realBare.toString() })));
}

/** A stored message as `viewer` may see it: without the sender's real JID unless the room shows real JIDs to them. */
export function forViewer(room: Room, viewer: Occupant | undefined, message: Element): Element {
  if (room.showsRealJidsTo(viewer)) return message;
  message.children = message.children.filter((child) => typeof child === 'string' || !isMucUser(child));
  return message;
}

function isMucUser(child: Element): boolean {
  return child.name === 'x' && child.attrs.xmlns === NS.MUC_USER;
}
