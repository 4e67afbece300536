import { NS, buildDataForm, parseDataForm, tryParseJid, xml, xmppDateTime, type DataFormField, type Element } from '@conexizan/protocol';

/** Namespaces only the group chat client needs (the server keeps its own copies beside its modules). */
export const MUC_NS = {
  OWNER: 'http://jabber.org/protocol/muc#owner',
  ADMIN: 'http://jabber.org/protocol/muc#admin',
  ROOMCONFIG: 'http://jabber.org/protocol/muc#roomconfig',
  CONFERENCE: 'jabber:x:conference',
  BOOKMARKS: 'urn:xmpp:bookmarks:1',
  OCCUPANT_ID: 'urn:xmpp:occupant-id:0',
  MODERATE: 'urn:xmpp:message-moderate:1',
} as const;

export type Role = 'moderator' | 'participant' | 'visitor' | 'none';
export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none';

export interface OccupantPresence {
  room: string;
  nick: string;
  unavailable: boolean;
  role: Role;
  affiliation: Affiliation;
  /** real JID, only in non-anonymous rooms or for moderators */
  jid?: string;
  /** XEP-0421: stable across nickname changes within this room */
  occupantId?: string;
  /** XEP-0045 §15.6 status codes (110 = this is us, 201 = room created, 303 = nick change, 307 kicked, 301 banned …) */
  codes: number[];
  /** with code 303: the new nickname */
  newNick?: string;
  show?: string;
}

const ROLES: Role[] = ['moderator', 'participant', 'visitor', 'none'];
const AFFILIATIONS: Affiliation[] = ['owner', 'admin', 'member', 'outcast', 'none'];

export function splitJid(full: string): { bare: string; resource: string } {
  const slash = full.indexOf('/');
  return slash === -1 ? { bare: full.toLowerCase(), resource: '' } : { bare: full.slice(0, slash).toLowerCase(), resource: full.slice(slash + 1) };
}

/** XEP-0045 §7.2: enter a room; `history` asks for that many recent messages, `since` only for those after a moment (§7.2.13). */
export function joinPresence(room: string, nick: string, opts: { password?: string; history?: number; since?: Date } = {}): Element {
  const attrs: Record<string, string> = {};
  if (opts.history !== undefined) attrs.maxstanzas = String(opts.history);
  if (opts.since) attrs.since = xmppDateTime(opts.since);
  return xml(
    'presence',
    { to: `${room}/${nick}` },
    xml('x', { xmlns: NS.MUC }, Object.keys(attrs).length ? xml('history', attrs) : null, opts.password ? xml('password', {}, opts.password) : null),
  );
}

export function leavePresence(room: string, nick: string): Element {
  return xml('presence', { to: `${room}/${nick}`, type: 'unavailable' });
}

/** An occupant's presence broadcast by the room, or null for anything else (errors are read by mucError). */
export function parseOccupantPresence(stanza: Element): OccupantPresence | null {
  if (stanza.name !== 'presence' || stanza.attrs.type === 'error') return null;
  const x = stanza.getChild('x', NS.MUC_USER);
  const { bare, resource } = splitJid(stanza.attrs.from ?? '');
  if (!x || !resource) return null;
  const item = x.getChild('item');
  const role = ROLES.find((r) => r === item?.attrs.role) ?? 'none';
  const affiliation = AFFILIATIONS.find((a) => a === item?.attrs.affiliation) ?? 'none';
  const codes = x.getChildren('status').map((s) => Number(s.attrs.code)).filter((n) => Number.isInteger(n));
  const presence: OccupantPresence = { room: bare, nick: resource, unavailable: stanza.attrs.type === 'unavailable', role, affiliation, codes };
  const real = tryParseJid(item?.attrs.jid);
  if (real) presence.jid = real.toString();
  const occupantId = stanza.getChild('occupant-id', MUC_NS.OCCUPANT_ID)?.attrs.id;
  if (occupantId) presence.occupantId = occupantId;
  if (codes.includes(303) && item?.attrs.nick) presence.newNick = item.attrs.nick;
  const show = stanza.getChildText('show');
  if (show) presence.show = show;
  return presence;
}

/** The defined condition of an error stanza (RFC 6120 §8.3), e.g. 'conflict' for a nickname in use. */
export function errorCondition(stanza: Element): string {
  const error = stanza.getChild('error');
  const condition = error?.getChildElements().find((c) => c.getNS() === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text');
  return condition?.name ?? 'undefined-condition';
}

export function groupchatMessage(room: string, id: string, body: string, extra: Element[] = []): Element {
  return xml('message', { type: 'groupchat', to: room, id }, xml('body', {}, body), xml('origin-id', { xmlns: NS.SID, id }), ...extra);
}

export function subjectMessage(room: string, subject: string): Element {
  return xml('message', { type: 'groupchat', to: room, id: crypto.randomUUID() }, xml('subject', {}, subject));
}

/** XEP-0045 §10.1.2: accept the default configuration (an instant room). */
export function instantRoomConfig(): Element {
  return xml('query', { xmlns: MUC_NS.OWNER }, buildDataForm({ type: 'submit', fields: [] }));
}

export interface RoomSettings {
  name?: string;
  description?: string;
  /** listed in the service's directory */
  public?: boolean;
  membersOnly?: boolean;
  /** real JIDs visible to everyone (what OMEMO in a group needs) */
  nonAnonymous?: boolean;
  persistent?: boolean;
  moderated?: boolean;
  /** '' removes it */
  password?: string;
  archiving?: boolean;
}

/** A private group as OMEMO will need it: members-only, non-anonymous, persistent, hidden. */
export const PRIVATE_GROUP: RoomSettings = { public: false, membersOnly: true, nonAnonymous: true, persistent: true };
export const PUBLIC_CHANNEL: RoomSettings = { public: true, membersOnly: false, nonAnonymous: false, persistent: true };

const bool = (b: boolean) => (b ? '1' : '0');

/** XEP-0045 §10.2: submit a muc#roomconfig form with only the fields we change. */
export function roomConfigSubmit(settings: RoomSettings): Element {
  const fields: DataFormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: [MUC_NS.ROOMCONFIG] }];
  const put = (v: string, value: string | undefined) => value !== undefined && fields.push({ var: v, values: [value] });
  put('muc#roomconfig_roomname', settings.name);
  put('muc#roomconfig_roomdesc', settings.description);
  put('muc#roomconfig_publicroom', settings.public === undefined ? undefined : bool(settings.public));
  put('muc#roomconfig_membersonly', settings.membersOnly === undefined ? undefined : bool(settings.membersOnly));
  put('muc#roomconfig_whois', settings.nonAnonymous === undefined ? undefined : settings.nonAnonymous ? 'anyone' : 'moderators');
  put('muc#roomconfig_persistentroom', settings.persistent === undefined ? undefined : bool(settings.persistent));
  put('muc#roomconfig_moderatedroom', settings.moderated === undefined ? undefined : bool(settings.moderated));
  if (settings.password !== undefined) {
    put('muc#roomconfig_passwordprotectedroom', bool(settings.password !== ''));
    put('muc#roomconfig_roomsecret', settings.password);
  }
  put('muc#roomconfig_enablearchiving', settings.archiving === undefined ? undefined : bool(settings.archiving));
  return xml('query', { xmlns: MUC_NS.OWNER }, buildDataForm({ type: 'submit', fields }));
}

/** Reads the owner's configuration form (XEP-0045 §10.2) into the settings we offer to change. */
export function parseRoomConfig(query: Element | undefined): RoomSettings {
  const x = query?.getChild('x', NS.DATA_FORMS);
  if (!x) return {};
  const form = parseDataForm(x);
  const value = (v: string) => form.fields.find((f) => f.var === v)?.values[0];
  const flag = (v: string) => {
    const s = value(v);
    return s === undefined ? undefined : s === '1' || s === 'true';
  };
  return {
    name: value('muc#roomconfig_roomname') ?? '',
    description: value('muc#roomconfig_roomdesc') ?? '',
    public: flag('muc#roomconfig_publicroom'),
    membersOnly: flag('muc#roomconfig_membersonly'),
    nonAnonymous: value('muc#roomconfig_whois') === undefined ? undefined : value('muc#roomconfig_whois') === 'anyone',
    persistent: flag('muc#roomconfig_persistentroom'),
    moderated: flag('muc#roomconfig_moderatedroom'),
    password: value('muc#roomconfig_roomsecret') ?? '',
    archiving: flag('muc#roomconfig_enablearchiving'),
  };
}

// -- XEP-0402 bookmarks -------------------------------------------------------

export interface Bookmark {
  room: string;
  name?: string;
  nick?: string;
  password?: string;
  autojoin: boolean;
}

export function parseBookmarkItem(item: Element): Bookmark | null {
  const room = tryParseJid(item.attrs.id);
  const conference = item.getChild('conference', MUC_NS.BOOKMARKS);
  if (!room || room.resource || !room.local || !conference) return null;
  const bookmark: Bookmark = { room: room.toString(), autojoin: conference.attrs.autojoin === 'true' || conference.attrs.autojoin === '1' };
  if (conference.attrs.name) bookmark.name = conference.attrs.name;
  const nick = conference.getChildText('nick');
  if (nick) bookmark.nick = nick;
  const password = conference.getChildText('password');
  if (password) bookmark.password = password;
  return bookmark;
}

export function bookmarksRequest(): Element {
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: MUC_NS.BOOKMARKS }));
}

/** XEP-0402 §3.3: publish with the node's required options, so it stays private to the account. */
export function publishBookmark(b: Bookmark): Element {
  const conference = xml('conference', { xmlns: MUC_NS.BOOKMARKS, autojoin: String(b.autojoin), name: b.name }, b.nick ? xml('nick', {}, b.nick) : null, b.password ? xml('password', {}, b.password) : null);
  const options = buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: ['http://jabber.org/protocol/pubsub#publish-options'] },
      { var: 'pubsub#persist_items', values: ['true'] },
      { var: 'pubsub#max_items', values: ['max'] },
      { var: 'pubsub#send_last_published_item', values: ['never'] },
      { var: 'pubsub#access_model', values: ['whitelist'] },
    ],
  });
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: MUC_NS.BOOKMARKS }, xml('item', { id: b.room }, conference)), xml('publish-options', {}, options));
}

export function retractBookmark(room: string): Element {
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('retract', { node: MUC_NS.BOOKMARKS, notify: 'true' }, xml('item', { id: room })));
}

// -- invitations ------------------------------------------------------------

export interface Invitation {
  room: string;
  from: string;
  reason?: string;
  password?: string;
}

/** A mediated (XEP-0045 §7.8.2, from the room) or direct (XEP-0249) invitation, else null. */
export function parseInvitation(stanza: Element): Invitation | null {
  if (stanza.name !== 'message' || stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return null;
  const direct = stanza.getChild('x', MUC_NS.CONFERENCE);
  const directRoom = tryParseJid(direct?.attrs.jid);
  if (direct && directRoom && !directRoom.resource && stanza.attrs.from) {
    const invitation: Invitation = { room: directRoom.toString(), from: splitJid(stanza.attrs.from).bare };
    if (direct.attrs.reason) invitation.reason = direct.attrs.reason.slice(0, 500);
    if (direct.attrs.password) invitation.password = direct.attrs.password;
    return invitation;
  }
  const invite = stanza.getChild('x', NS.MUC_USER)?.getChild('invite');
  const inviter = tryParseJid(invite?.attrs.from);
  const room = tryParseJid(stanza.attrs.from);
  if (!invite || !inviter || !room || room.resource) return null;
  const invitation: Invitation = { room: room.toString(), from: inviter.bare().toString() };
  const reason = invite.getChildText('reason');
  if (reason) invitation.reason = reason.slice(0, 500);
  const password = stanza.getChild('x', NS.MUC_USER)?.getChildText('password');
  if (password) invitation.password = password;
  return invitation;
}

export function mediatedInvite(room: string, to: string, reason?: string): Element {
  return xml('message', { to: room, id: crypto.randomUUID() }, xml('x', { xmlns: NS.MUC_USER }, xml('invite', { to }, reason ? xml('reason', {}, reason) : null)));
}

/** XEP-0045 §8/§9: change one occupant's role (kick = none, voice = participant) or one JID's affiliation (ban = outcast). */
export function adminItem(attrs: { nick?: string; jid?: string; role?: Role; affiliation?: Affiliation }, reason?: string): Element {
  return xml('query', { xmlns: MUC_NS.ADMIN }, xml('item', attrs, reason ? xml('reason', {}, reason) : null));
}

/** XEP-0425: ask the room to retract someone's message (by the room's stanza id). */
export function moderateRetraction(archiveId: string, reason?: string): Element {
  return xml('moderate', { xmlns: MUC_NS.MODERATE, id: archiveId }, xml('retract', { xmlns: NS.RETRACT }), reason ? xml('reason', {}, reason) : null);
}
