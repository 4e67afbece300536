// XEP-0402 PEP native bookmarks: one item per room on the urn:xmpp:bookmarks:1 node, its id the
// room's JID, its payload a <conference/>. What makes joined rooms come back after a reload and
// on the account's other devices.
import { xml, type Element } from './xml.ts';
import { NS } from './namespaces.ts';
import { tryParseJid } from './jid.ts';
import { buildDataForm } from './dataforms.ts';

export interface Bookmark {
  /** the room's bare JID */
  room: string;
  name?: string;
  nick?: string;
  password?: string;
  autojoin: boolean;
}

/** XEP-0402 §3.1: 'true' and '1' are both true (xs:boolean). */
export const isTrue = (value: string | undefined): boolean => value === 'true' || value === '1';

/** The <conference/> payload of a bookmark. */
export function conferenceElement(b: Omit<Bookmark, 'room'>): Element {
  return xml('conference', { xmlns: NS.BOOKMARKS, name: b.name, autojoin: String(b.autojoin) }, b.nick ? xml('nick', {}, b.nick) : null, b.password ? xml('password', {}, b.password) : null);
}

/** A pubsub <item/> of the bookmarks node, or null when it does not name a room or has no <conference/>. */
export function parseBookmarkItem(item: Element): Bookmark | null {
  const room = tryParseJid(item.attrs.id);
  const conference = item.getChild('conference', NS.BOOKMARKS);
  if (!room || room.resource || !room.local || !conference) return null;
  const bookmark: Bookmark = { room: room.toString(), autojoin: isTrue(conference.attrs.autojoin) };
  if (conference.attrs.name) bookmark.name = conference.attrs.name;
  const nick = conference.getChildText('nick');
  if (nick) bookmark.nick = nick;
  const password = conference.getChildText('password');
  if (password) bookmark.password = password;
  return bookmark;
}

/** The pubsub payload of an iq get for all bookmarks. */
export function bookmarksRequest(): Element {
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: NS.BOOKMARKS }));
}

/** §3.3: publish one bookmark with the node's required options, so it stays private to the account. */
export function publishBookmark(b: Bookmark): Element {
  const options = buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [NS.PUBSUB_PUBLISH_OPTIONS] },
      { var: 'pubsub#persist_items', values: ['true'] },
      { var: 'pubsub#max_items', values: ['max'] },
      { var: 'pubsub#send_last_published_item', values: ['never'] },
      { var: 'pubsub#access_model', values: ['whitelist'] },
    ],
  });
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: NS.BOOKMARKS }, xml('item', { id: b.room }, conferenceElement(b))), xml('publish-options', {}, options));
}

/** §3.4: remove one bookmark, telling the account's other devices. */
export function retractBookmark(room: string): Element {
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('retract', { node: NS.BOOKMARKS, notify: 'true' }, xml('item', { id: room })));
}
