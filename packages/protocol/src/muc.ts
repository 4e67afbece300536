// XEP-0045 Multi-User Chat: what a room and its occupants' clients both write and read. Entering
// (the join presence and its history request), the muc#user <x/> with its item and status codes,
// the muc#admin and muc#owner queries (roles, affiliations, configuration, destruction),
// mediated (§7.8) and direct (XEP-0249) invitations, XEP-0421 occupant ids and XEP-0425
// moderation. What a room decides (who may do what) stays in the server's muc module.
import { xml, type Element } from './xml.ts';
import { NS } from './namespaces.ts';
import { tryParseJid } from './jid.ts';
import { parseStanzaError } from './errors.ts';
import { buildDataForm, formType, parseDataForm, type DataFormField } from './dataforms.ts';
import { parseXmppDateTime, xmppDateTime } from './stanza.ts';

export type Role = 'moderator' | 'participant' | 'visitor' | 'none';
export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none';

export const ROLES: readonly Role[] = ['moderator', 'participant', 'visitor', 'none'];
export const AFFILIATIONS: readonly Affiliation[] = ['owner', 'admin', 'member', 'none', 'outcast'];

export const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);
export const isAffiliation = (value: unknown): value is Affiliation => (AFFILIATIONS as readonly unknown[]).includes(value);

/** §15.6.2 status codes, by what they say. */
export const MUC_STATUS = {
  /** a message to someone outside the room about their new affiliation */
  AFFILIATION_CHANGED: 101,
  /** the room shows real JIDs to everyone */
  NON_ANONYMOUS: 100,
  /** a configuration change other than privacy */
  CONFIG_CHANGED: 104,
  /** this presence is about you */
  SELF: 110,
  ARCHIVING_ON: 170,
  ARCHIVING_OFF: 171,
  NOW_NON_ANONYMOUS: 172,
  NOW_SEMI_ANONYMOUS: 173,
  /** you created the room */
  CREATED: 201,
  /** the service changed your nickname */
  NICK_ASSIGNED: 210,
  BANNED: 301,
  NICK_CHANGED: 303,
  KICKED: 307,
  /** removed because you are no longer a member */
  REMOVED_AFFILIATION: 321,
  /** removed because the room became members-only */
  REMOVED_MEMBERS_ONLY: 322,
  /** removed because the service is shutting down */
  SHUTDOWN: 332,
  /** removed because of an error (your client or server failed) */
  REMOVED_ERROR: 333,
} as const;

/** The status codes of a muc#user <x/> (whole numbers only). */
export function statusCodes(x: Element | undefined): number[] {
  return (x?.getChildren('status') ?? []).map((s) => Number(s.attrs.code)).filter((n) => Number.isInteger(n));
}

// -- entering ---------------------------------------------------------------------

/** §7.2.13–7.2.14: how much history to send on entering. */
export interface HistoryRequest {
  maxStanzas?: number;
  maxChars?: number;
  seconds?: number;
  since?: Date;
}

/** §7.2: enter a room (or change status in it) as `nick`, with a password and a history request. */
export function joinPresence(room: string, nick: string, options: { password?: string; history?: HistoryRequest } = {}): Element {
  const h = options.history;
  const history = h
    ? xml('history', {
        maxstanzas: h.maxStanzas === undefined ? undefined : String(h.maxStanzas),
        maxchars: h.maxChars === undefined ? undefined : String(h.maxChars),
        seconds: h.seconds === undefined ? undefined : String(h.seconds),
        since: h.since ? xmppDateTime(h.since) : undefined,
      })
    : null;
  return xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS.MUC }, history, options.password ? xml('password', {}, options.password) : null));
}

/** §7.14: leave. */
export function leavePresence(room: string, nick: string): Element {
  return xml('presence', { to: `${room}/${nick}`, type: 'unavailable' });
}

/** The history request of a join's <x xmlns='…muc'/>; malformed values are ignored. */
export function parseHistoryRequest(history: Element | undefined): HistoryRequest {
  const request: HistoryRequest = {};
  if (!history) return request;
  const number = (name: string) => {
    const value = history.attrs[name];
    return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
  };
  const maxStanzas = number('maxstanzas');
  const maxChars = number('maxchars');
  const seconds = number('seconds');
  const since = history.attrs.since ? parseXmppDateTime(history.attrs.since) : null;
  if (maxStanzas !== undefined) request.maxStanzas = maxStanzas;
  if (maxChars !== undefined) request.maxChars = maxChars;
  if (seconds !== undefined) request.seconds = seconds;
  if (since) request.since = since;
  return request;
}

// -- the muc#user item and occupant presence ------------------------------------

/** An <item/> of muc#user, muc#admin or muc#owner: who (nick or real JID), their role and affiliation, and why. */
export interface MucItem {
  nick?: string;
  jid?: string;
  role?: Role;
  affiliation?: Affiliation;
  /** the nickname of who made the change (§8.2) */
  actor?: string;
  reason?: string;
}

export function mucItem(item: MucItem): Element {
  return xml(
    'item',
    { affiliation: item.affiliation, role: item.role, jid: item.jid, nick: item.nick },
    item.actor ? xml('actor', { nick: item.actor }) : null,
    item.reason ? xml('reason', {}, item.reason) : null,
  );
}

/**
 * Reads an <item/>. Attributes are taken as written (an unknown role or
 * affiliation is kept as undefined, `raw` has what was there), so a room can
 * answer bad input with the right error.
 */
export function parseMucItem(item: Element): MucItem & { raw: { role?: string; affiliation?: string } } {
  const { role, affiliation, nick, jid } = item.attrs;
  const parsed: MucItem & { raw: { role?: string; affiliation?: string } } = { raw: { role, affiliation } };
  if (isRole(role)) parsed.role = role;
  if (isAffiliation(affiliation)) parsed.affiliation = affiliation;
  if (nick !== undefined) parsed.nick = nick;
  if (jid !== undefined) parsed.jid = jid;
  const actor = item.getChild('actor')?.attrs.nick;
  if (actor) parsed.actor = actor;
  const reason = item.getChildText('reason');
  if (reason) parsed.reason = reason;
  return parsed;
}

/** The muc#user <x/> of an occupant's presence or a room's notice: the item, status codes, and a destruction notice. */
export function mucUserElement(parts: { item?: MucItem; codes?: Iterable<number>; destroy?: Element }): Element {
  const x = xml('x', { xmlns: NS.MUC_USER });
  if (parts.item) x.append(mucItem(parts.item));
  if (parts.destroy) x.append(parts.destroy);
  for (const code of [...new Set(parts.codes ?? [])].sort()) x.append(xml('status', { code: String(code) }));
  return x;
}

/** An occupant's presence as the room broadcast it. */
export interface OccupantPresence {
  /** the room's bare JID, lower-cased */
  room: string;
  nick: string;
  unavailable: boolean;
  role: Role;
  affiliation: Affiliation;
  /** real JID, only in non-anonymous rooms or for moderators */
  jid?: string;
  /** XEP-0421: stable across nickname changes within this room */
  occupantId?: string;
  /** §15.6 status codes (see MUC_STATUS) */
  codes: number[];
  /** with NICK_CHANGED: the new nickname */
  newNick?: string;
  show?: string;
}

/** Splits room@service/nick; the bare part is lower-cased (rooms are compared that way), the nick kept as written. */
export function splitOccupantJid(full: string): { room: string; nick: string } {
  const slash = full.indexOf('/');
  return slash === -1 ? { room: full.toLowerCase(), nick: '' } : { room: full.slice(0, slash).toLowerCase(), nick: full.slice(slash + 1) };
}

/** An occupant's presence from a room, or null for anything else (errors are read with parseStanzaError). */
export function parseOccupantPresence(stanza: Element): OccupantPresence | null {
  if (stanza.name !== 'presence' || stanza.attrs.type === 'error') return null;
  const x = stanza.getChild('x', NS.MUC_USER);
  const { room, nick } = splitOccupantJid(stanza.attrs.from ?? '');
  if (!x || !nick) return null;
  const element = x.getChild('item');
  const item = element ? parseMucItem(element) : undefined;
  const codes = statusCodes(x);
  const presence: OccupantPresence = {
    room,
    nick,
    unavailable: stanza.attrs.type === 'unavailable',
    role: item?.role ?? 'none',
    affiliation: item?.affiliation ?? 'none',
    codes,
  };
  const real = tryParseJid(item?.jid);
  if (real) presence.jid = real.toString();
  const occupantId = occupantIdOf(stanza);
  if (occupantId) presence.occupantId = occupantId;
  if (codes.includes(MUC_STATUS.NICK_CHANGED) && item?.nick) presence.newNick = item.nick;
  const show = stanza.getChildText('show');
  if (show) presence.show = show;
  return presence;
}

/** Why a join failed: the defined condition of the error presence (conflict for a nickname in use …). */
export function joinErrorCondition(stanza: Element): string {
  return parseStanzaError(stanza)?.condition ?? 'undefined-condition';
}

// -- XEP-0421 occupant ids -----------------------------------------------------------

export function occupantIdElement(id: string): Element {
  return xml('occupant-id', { xmlns: NS.OCCUPANT_ID, id });
}

export function occupantIdOf(stanza: Element): string | undefined {
  return stanza.getChild('occupant-id', NS.OCCUPANT_ID)?.attrs.id || undefined;
}

// -- messages ----------------------------------------------------------------------

/** §7.4: a message to everyone, with its XEP-0359 origin id; `extra` carries replies, files … */
export function groupchatMessage(room: string, id: string, body: string, extra: Element[] = []): Element {
  return xml('message', { type: 'groupchat', to: room, id }, xml('body', {}, body), xml('origin-id', { xmlns: NS.SID, id }), ...extra);
}

/** §7.5: a private message to one occupant, marked as coming through the room. */
export function privateMessage(room: string, nick: string, id: string, body: string): Element {
  return xml('message', { type: 'chat', to: `${room}/${nick}`, id }, xml('body', {}, body), xml('x', { xmlns: NS.MUC_USER }), xml('origin-id', { xmlns: NS.SID, id }));
}

/** §8.1: change the subject ('' removes it). */
export function subjectMessage(room: string, id: string, subject: string): Element {
  return xml('message', { type: 'groupchat', to: room, id }, xml('subject', {}, subject));
}

// -- muc#admin and muc#owner -------------------------------------------------------

/** §8, §9: change roles (kick = none, voice = participant) or affiliations (ban = outcast), or (type get) ask for a list. */
export function mucAdminQuery(items: MucItem[]): Element {
  return xml('query', { xmlns: NS.MUC_ADMIN }, ...items.map(mucItem));
}

/** §10: a muc#owner query, empty (asks for the configuration form) or with a form or <destroy/>. */
export function mucOwnerQuery(...children: Element[]): Element {
  return xml('query', { xmlns: NS.MUC_OWNER }, ...children);
}

/** §10.1.2: accept the default configuration (an instant room). */
export function instantRoomConfig(): Element {
  return mucOwnerQuery(buildDataForm({ type: 'submit', fields: [] }));
}

/** §10.9: the room is gone; join the alternate venue instead. */
export interface RoomDestruction {
  alternate?: string;
  reason?: string;
  password?: string;
}

export function destroyElement(d: RoomDestruction): Element {
  return xml('destroy', { jid: d.alternate }, d.reason ? xml('reason', {}, d.reason) : null, d.password ? xml('password', {}, d.password) : null);
}

export function parseDestroy(destroy: Element): RoomDestruction {
  const d: RoomDestruction = {};
  const alternate = tryParseJid(destroy.attrs.jid);
  if (alternate) d.alternate = alternate.toString();
  const reason = destroy.getChildText('reason');
  if (reason) d.reason = reason;
  const password = destroy.getChildText('password');
  if (password) d.password = password;
  return d;
}

// -- the room configuration form (§10.2, muc#roomconfig §15.5.3) --------------------

/** The muc#roomconfig fields, by what they set. */
export const ROOMCONFIG = {
  name: 'muc#roomconfig_roomname',
  description: 'muc#roomconfig_roomdesc',
  language: 'muc#roomconfig_lang',
  persistent: 'muc#roomconfig_persistentroom',
  public: 'muc#roomconfig_publicroom',
  membersOnly: 'muc#roomconfig_membersonly',
  moderated: 'muc#roomconfig_moderatedroom',
  passwordProtected: 'muc#roomconfig_passwordprotectedroom',
  password: 'muc#roomconfig_roomsecret',
  whois: 'muc#roomconfig_whois',
  maxUsers: 'muc#roomconfig_maxusers',
  changeSubject: 'muc#roomconfig_changesubject',
  allowInvites: 'muc#roomconfig_allowinvites',
  allowPm: 'muc#roomconfig_allowpm',
  presenceBroadcast: 'muc#roomconfig_presencebroadcast',
  getMemberList: 'muc#roomconfig_getmemberlist',
  /** Prosody's name for the archiving switch; the compliance tester looks for it (XEP-0313 names none) */
  archiving: 'muc#roomconfig_enablearchiving',
  owners: 'muc#roomconfig_roomowners',
  admins: 'muc#roomconfig_roomadmins',
} as const;

/** The settings a client offers to change; what is left undefined stays as it is. */
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

const bool = (b: boolean) => (b ? '1' : '0');

/** §10.2: a submitted muc#roomconfig form with only the given settings. */
export function roomConfigSubmit(settings: RoomSettings): Element {
  const fields: DataFormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.MUC_ROOMCONFIG] }];
  const put = (name: string, value: string | undefined) => value !== undefined && fields.push({ var: name, values: [value] });
  const flag = (value: boolean | undefined) => (value === undefined ? undefined : bool(value));
  put(ROOMCONFIG.name, settings.name);
  put(ROOMCONFIG.description, settings.description);
  put(ROOMCONFIG.public, flag(settings.public));
  put(ROOMCONFIG.membersOnly, flag(settings.membersOnly));
  put(ROOMCONFIG.whois, settings.nonAnonymous === undefined ? undefined : settings.nonAnonymous ? 'anyone' : 'moderators');
  put(ROOMCONFIG.persistent, flag(settings.persistent));
  put(ROOMCONFIG.moderated, flag(settings.moderated));
  if (settings.password !== undefined) {
    put(ROOMCONFIG.passwordProtected, bool(settings.password !== ''));
    put(ROOMCONFIG.password, settings.password);
  }
  put(ROOMCONFIG.archiving, flag(settings.archiving));
  return mucOwnerQuery(buildDataForm({ type: 'submit', fields }));
}

/** Reads the owner's configuration form (the result of an empty owner query) into RoomSettings. */
export function parseRoomSettings(query: Element | undefined): RoomSettings {
  const x = query?.getChild('x', NS.DATA_FORMS);
  if (!x) return {};
  const form = parseDataForm(x);
  if (formType(form) !== undefined && formType(form) !== NS.MUC_ROOMCONFIG) return {};
  const value = (name: string) => form.fields.find((f) => f.var === name)?.values[0];
  const flag = (name: string) => {
    const s = value(name);
    return s === undefined ? undefined : s === '1' || s === 'true';
  };
  const whois = value(ROOMCONFIG.whois);
  return {
    name: value(ROOMCONFIG.name) ?? '',
    description: value(ROOMCONFIG.description) ?? '',
    public: flag(ROOMCONFIG.public),
    membersOnly: flag(ROOMCONFIG.membersOnly),
    nonAnonymous: whois === undefined ? undefined : whois === 'anyone',
    persistent: flag(ROOMCONFIG.persistent),
    moderated: flag(ROOMCONFIG.moderated),
    password: value(ROOMCONFIG.password) ?? '',
    archiving: flag(ROOMCONFIG.archiving),
  };
}

// -- invitations ---------------------------------------------------------------------

/** An invitation as the invitee sees it. */
export interface Invitation {
  /** the room's bare JID */
  room: string;
  /** the bare JID of who invited */
  from: string;
  reason?: string;
  password?: string;
}

const MAX_REASON = 500;

/** §7.8.2: ask the room to invite someone (it passes the invitation on, from itself). */
export function mediatedInvite(room: string, to: string, id: string, reason?: string): Element {
  return xml('message', { to: room, id }, xml('x', { xmlns: NS.MUC_USER }, xml('invite', { to }, reason ? xml('reason', {}, reason) : null)));
}

/** The <invite/> or <decline/> a client sent the room: to whom, and why. Null when `to` is not a JID. */
export function parseInviteRequest(element: Element): { to: string; reason?: string } | null {
  const to = tryParseJid(element.attrs.to);
  if (!to) return null;
  const reason = element.getChildText('reason')?.slice(0, MAX_REASON);
  return reason ? { to: to.toString(), reason } : { to: to.toString() };
}

/**
 * The invitation the room sends the invitee (§7.8.2): the mediated form, and
 * the XEP-0249 direct form beside it for clients that only read that one.
 */
export function roomInvitation(room: string, to: string, invitation: { from: string; id?: string; reason?: string; password?: string }): Element {
  const reason = invitation.reason ? invitation.reason.slice(0, MAX_REASON) : undefined;
  return xml(
    'message',
    { from: room, to, id: invitation.id },
    xml('x', { xmlns: NS.MUC_USER }, xml('invite', { from: invitation.from }, reason ? xml('reason', {}, reason) : null), invitation.password ? xml('password', {}, invitation.password) : null),
    xml('x', { xmlns: NS.CONFERENCE, jid: room, reason }),
  );
}

/** §7.8.2: the room passes a decline on to the inviter. */
export function roomDecline(room: string, to: string, decline: { from: string; reason?: string }): Element {
  return xml('message', { from: room, to }, xml('x', { xmlns: NS.MUC_USER }, xml('decline', { from: decline.from }, decline.reason ? xml('reason', {}, decline.reason) : null)));
}

/**
 * A mediated (from the room, §7.8.2) or direct (XEP-0249) invitation, else
 * null. A room sends both forms; the mediated one is read first, because
 * only it names who invited (the direct form's sender is then the room).
 * Reasons are cut to 500 characters.
 */
export function parseInvitation(stanza: Element): Invitation | null {
  if (stanza.name !== 'message' || stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return null;
  const sender = tryParseJid(stanza.attrs.from);
  if (!sender) return null;
  const x = stanza.getChild('x', NS.MUC_USER);
  const invite = x?.getChild('invite');
  const inviter = tryParseJid(invite?.attrs.from);
  if (x && invite && inviter && !sender.resource) {
    const invitation: Invitation = { room: sender.toString(), from: inviter.bare().toString() };
    const reason = invite.getChildText('reason');
    if (reason) invitation.reason = reason.slice(0, MAX_REASON);
    const password = x.getChildText('password');
    if (password) invitation.password = password;
    return invitation;
  }
  const direct = stanza.getChild('x', NS.CONFERENCE);
  const room = tryParseJid(direct?.attrs.jid);
  if (!direct || !room || room.resource) return null;
  const invitation: Invitation = { room: room.toString(), from: sender.bare().toString() };
  if (direct.attrs.reason) invitation.reason = direct.attrs.reason.slice(0, MAX_REASON);
  if (direct.attrs.password) invitation.password = direct.attrs.password;
  return invitation;
}

// -- XEP-0425 moderation -------------------------------------------------------------

/** Ask the room to retract someone's message, named by the room's stanza id. */
export function moderateRequest(archiveId: string, reason?: string): Element {
  return xml('moderate', { xmlns: NS.MODERATE, id: archiveId }, xml('retract', { xmlns: NS.RETRACT }), reason ? xml('reason', {}, reason) : null);
}

/** What a moderation request asks: the message's stanza id, whether it is a retraction (the only kind defined), and why. */
export function parseModerateRequest(moderate: Element): { id: string | undefined; retract: boolean; reason?: string } {
  const reason = moderate.getChildText('reason');
  return { id: moderate.attrs.id, retract: moderate.getChild('retract', NS.RETRACT) !== undefined, ...(reason ? { reason } : {}) };
}

/** The <moderated/> that says who retracted a message (inside the room's <retract/> and the archive's tombstone). */
export function moderatedElement(by: string, occupantId: string): Element {
  return xml('moderated', { xmlns: NS.MODERATE, by }, occupantIdElement(occupantId));
}
