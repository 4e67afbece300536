import { parseBookmarkItem } from '@conexizan/protocol/bookmarks';
import {
  MUC_STATUS,
  groupchatMessage,
  instantRoomConfig,
  joinErrorCondition,
  joinPresence,
  leavePresence,
  mucOwnerQuery,
  occupantIdOf,
  parseInvitation,
  parseOccupantPresence,
  parseRoomSettings,
  privateMessage,
  roomConfigSubmit,
  splitOccupantJid,
  subjectMessage,
  type Invitation,
  type OccupantPresence,
  type RoomSettings,
} from '@conexizan/protocol/muc';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXmppDateTime } from '@conexizan/protocol/stanza';
import { cloneElement, xml, type Element } from '@conexizan/protocol/xml';
import type { ArchiveQueries } from '../archive.ts';
import type { Connection } from '../client.ts';
import { Emitter } from '../events.ts';
import type { FileRef } from '../model.ts';
import { MAX_BODY_CHARS, MessageTooLongError } from '../outbox.ts';
import { parseMessage, reactionsMessage, retractionMessage } from '../stanzas.ts';
import { uploadFile } from '../upload.ts';
import { Bookmarks } from './bookmarks.ts';
import { RoomDirectory } from './directory.ts';
import { RoomModeration } from './moderation.ts';
import { RoomStore, type Room, type RoomMessage } from './rooms.ts';

/** Entering a room failed: `condition` is the XMPP error condition (conflict, not-authorized, registration-required …) or 'exists'. */
export class MucJoinError extends Error {
  override name = 'MucJoinError';
  constructor(readonly condition: string) {
    super(condition);
  }
}

export type CreateKind = 'instant' | 'private';

/** Messages asked for when entering: enough to read the room at once; older ones come from its archive. */
const JOIN_HISTORY = 30;
const JOIN_TIMEOUT_MS = 30_000;
/** At most this many missed messages on re-entering; older ones load from the archive on scrolling. */
const MISSED_HISTORY = 200;
const MAX_INVITATIONS = 20;

/** An invitation to a room, with the room's name once its disco#info told it. */
export interface RoomInvitation extends Invitation {
  name?: string;
}

/** A private group as OMEMO will need it: members-only, non-anonymous, persistent, hidden. */
export const PRIVATE_GROUP: RoomSettings = { public: false, membersOnly: true, nonAnonymous: true, persistent: true };

/** What self-presence status codes say about why we are out (XEP-0045 §15.6). */
function leaveReason(codes: number[]): string | undefined {
  if (codes.includes(MUC_STATUS.BANNED)) return 'banned';
  if (codes.includes(MUC_STATUS.KICKED)) return 'kicked';
  if (codes.includes(MUC_STATUS.REMOVED_AFFILIATION) || codes.includes(MUC_STATUS.REMOVED_MEMBERS_ONLY)) return 'removed';
  if (codes.includes(MUC_STATUS.SHUTDOWN)) return 'shutdown';
  return undefined;
}

type PendingJoin = { nick: string; create?: CreateKind; settings?: RoomSettings; resolve(): void; reject(e: Error): void };

export type GroupChatEvents = { change: [] };

/**
 * End-to-end encryption of group messages (session/omemo/rooms.ts), kept
 * behind this interface so group chat works without it: told which rooms we
 * are in and who belongs, and handed each group message to decrypt (or to
 * mark as unencrypted) before it is shown.
 */
export interface GroupEncryption {
  joined(room: string): void;
  left(room: string): void;
  presence(room: string, presence: OccupantPresence): void;
  /** a room's notice of someone's affiliation (not in the room); true if it was one */
  notice(room: string, stanza: Element): boolean;
  /** a plain message comes back at once, an encrypted one when decrypted */
  incoming(room: string, stanza: Element, sender: { jid?: string; outgoing: boolean; stamp?: Date }): Element | Promise<Element>;
  /** whether files for this room are sealed before upload */
  encrypts(room: string): Promise<boolean>;
}

/**
 * Group chat (XEP-0045) for the web client: entering, creating and leaving
 * rooms, their messages (through the same parser as one-to-one chats),
 * occupants, the room archive (XEP-0313), bookmarks (XEP-0402) so rooms come
 * back after a reload, and self-ping (XEP-0410) after a resumed connection.
 */
export class GroupChats extends Emitter<GroupChatEvents> {
  readonly store = new RoomStore();
  #pending = new Map<string, PendingJoin>();
  readonly #bookmarks: Bookmarks;
  readonly directory: RoomDirectory;
  readonly moderation: RoomModeration;
  #invitations: RoomInvitation[] = [];
  #encryption: GroupEncryption | null = null;
  /** group messages are shown in the order they came, however long each one's decryption takes */
  #queue: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(
    private readonly connection: Connection,
    private readonly self: string,
    private readonly domain: string,
    private readonly archive: Pick<ArchiveQueries, 'query'>,
  ) {
    super();
    this.#bookmarks = new Bookmarks(connection);
    this.directory = new RoomDirectory(connection, domain);
    this.moderation = new RoomModeration(connection);
    this.store.on('change', () => this.emit('change'));
  }

  /** Plugs in end-to-end encryption (done by the session once OMEMO is loaded). */
  useEncryption(encryption: GroupEncryption): void {
    this.#encryption = encryption;
    for (const r of this.store.rooms) if (r.state === 'joined') encryption.joined(r.jid);
  }

  get invitations(): RoomInvitation[] {
    return this.#invitations;
  }

  dismissInvitation(room: string): void {
    this.#invitations = this.#invitations.filter((i) => i.room !== room);
    this.emit('change');
  }

  /** Accepting an invitation is entering the room, as ourselves (our usual nickname) with the password it brought. */
  async acceptInvitation(room: string): Promise<void> {
    const invitation = this.#invitations.find((i) => i.room === room);
    await this.join(room, this.#defaultNick(), { password: invitation?.password, name: invitation?.name });
    this.dismissInvitation(room);
  }

  // -- routing ----------------------------------------------------------------

  /** Takes the stanzas that belong to group chat; returns false for everything else. */
  handle(stanza: Element): boolean {
    const from = splitOccupantJid(stanza.attrs.from ?? '');
    const known = this.store.get(from.room) !== undefined || this.#pending.has(from.room);
    if (stanza.name === 'presence') {
      if (!known) return false;
      this.#presence(stanza, from.room, from.nick);
      return true;
    }
    if (stanza.name !== 'message') return false;
    const invitation = parseInvitation(stanza);
    if (invitation) {
      this.#invite(invitation);
      return true;
    }
    if (from.room === this.self && this.#bookmarkEvent(stanza)) return true;
    if (!known) return false;
    if (stanza.attrs.type !== 'groupchat' && stanza.attrs.type !== 'error' && from.nick === '' && this.#encryption?.notice(from.room, stanza)) return true;
    if (stanza.attrs.type === 'groupchat' || (stanza.attrs.type === 'error' && from.nick === '')) {
      this.#deliver(stanza, from.room);
      return true;
    }
    if (from.nick && (stanza.attrs.type === 'chat' || stanza.attrs.type === undefined || stanza.attrs.type === 'normal') && stanza.getChild('body')) {
      // XEP-0045 §7.5: a private message from one occupant; it belongs to the room, not to a contact.
      this.#roomMessage(stanza, from.room, undefined, true, { privateWith: from.nick });
      return true;
    }
    return false;
  }

  #presence(stanza: Element, room: string, nick: string): void {
    const pending = this.#pending.get(room);
    if (stanza.attrs.type === 'error') {
      const condition = joinErrorCondition(stanza);
      if (pending) {
        this.#pending.delete(room);
        pending.reject(new MucJoinError(condition));
      }
      this.store.update(room, (r) => (r.state === 'joined' ? r : { ...r, state: 'error', problem: condition, occupants: [] }));
      return;
    }
    const presence = parseOccupantPresence(stanza);
    if (!presence) return;
    const own = presence.codes.includes(MUC_STATUS.SELF) || (nick === this.store.get(room)?.nick && !!pending);
    if (!own) {
      this.#encryption?.presence(room, presence);
      return this.store.applyOccupant(presence);
    }
    if (presence.unavailable) {
      if (presence.newNick) {
        this.store.update(room, (r) => ({ ...r, nick: presence.newNick! }));
        this.store.applyOccupant(presence);
        return;
      }
      const reason = leaveReason(presence.codes);
      this.store.update(room, (r) => ({ ...r, state: reason ? 'error' : 'left', problem: reason, occupants: [] }));
      if (reason === 'banned' || reason === 'removed') void this.#bookmarks.forget(room);
      return;
    }
    this.store.applyOccupant(presence);
    // Code 210: the service changed our nickname; believe it.
    this.store.update(room, (r) => ({ ...r, nick, role: presence.role, affiliation: presence.affiliation, ownOccupantId: presence.occupantId, state: 'joined', problem: undefined }));
    if (!pending) return;
    this.#pending.delete(room);
    void this.#afterJoin(room, presence.codes.includes(MUC_STATUS.CREATED), pending).then(pending.resolve, pending.reject);
  }

  async #afterJoin(room: string, created: boolean, pending: PendingJoin): Promise<void> {
    if (pending.create && !created) {
      // Someone else's room already has this address: do not pretend we made it.
      await this.leave(room);
      throw new MucJoinError('exists');
    }
    if (created) {
      // XEP-0045 §10.1: a new room stays locked until its owner configures it.
      if (pending.create === 'private') await this.connection.iq('set', roomConfigSubmit({ ...PRIVATE_GROUP, ...pending.settings }), room);
      else if (pending.settings) await this.connection.iq('set', roomConfigSubmit(pending.settings), room);
      else await this.connection.iq('set', instantRoomConfig(), room);
    }
    if (pending.settings?.name) this.store.update(room, (x) => ({ ...x, name: pending.settings!.name! }));
    const r = this.store.get(room);
    if (r) await this.#bookmarks.save({ room, name: r.name || undefined, nick: r.nick, password: r.password, autojoin: true });
    if (r && !r.name) void this.#fetchName(room);
    // Only now: a room we just created became a private group in the configuration above.
    this.#encryption?.joined(room);
  }

  /** A live group message into the room's log, after any still being decrypted (in arrival order). */
  #deliver(stanza: Element, room: string): void {
    const opened = this.#waiting === 0 ? this.#open(stanza, room, undefined) : null;
    if (opened && !(opened instanceof Promise)) return this.#roomMessage(opened, room, undefined, true);
    this.#waiting++;
    this.#queue = this.#queue
      .then(async () => this.#roomMessage(await (opened ?? this.#open(stanza, room, undefined)), room, undefined, true))
      .catch(() => {})
      .finally(() => void this.#waiting--);
  }

  /**
   * A group message as it is shown: decrypted when it carries OMEMO. The
   * sender's real JID comes from the room's <item jid/> on it (history and
   * archive) or from the occupant's presence; ours when we wrote it.
   */
  #open(stanza: Element, room: string, stamp: Date | undefined): Element | Promise<Element> {
    if (!this.#encryption || stanza.attrs.type === 'error') return stanza;
    const r = this.store.get(room);
    const { nick } = splitOccupantJid(stanza.attrs.from ?? '');
    const occupantId = occupantIdOf(stanza);
    const outgoing = nick !== '' && !!r && (occupantId && r.ownOccupantId ? occupantId === r.ownOccupantId : nick === r.nick);
    const occupant = r?.occupants.find((o) => (occupantId && o.occupantId ? o.occupantId === occupantId : o.nick === nick));
    const told = stanza.getChild('x', NS.MUC_USER)?.getChild('item')?.attrs.jid;
    const jid = told ?? occupant?.jid;
    return this.#encryption.incoming(room, stanza, { jid: jid ? splitOccupantJid(jid).room : undefined, outgoing, stamp });
  }

  #roomMessage(stanza: Element, room: string, stamp: Date | undefined, live: boolean, pm?: { privateWith: string }): void {
    const r = this.store.get(room);
    if (!r) return;
    const { nick } = splitOccupantJid(stanza.attrs.from ?? '');
    const subject = stanza.getChild('subject');
    if (subject && stanza.getChild('body') === undefined) {
      // XEP-0045 §8.1: a message with only a subject sets it (empty = none).
      this.store.update(room, (x) => ({ ...x, subject: subject.getText().slice(0, 1000) }));
      return;
    }
    const occupantId = occupantIdOf(stanza);
    const outgoing = !pm && nick !== '' && (occupantId && r.ownOccupantId ? occupantId === r.ownOccupantId : nick === r.nick);
    // The one-to-one parser reads every message feature (replies, corrections, files, reactions);
    // shown a copy addressed as a one-to-one chat with the room, it sees the same things in a room message.
    const copy = cloneElement(stanza);
    copy.attrs.type = stanza.attrs.type === 'error' ? 'error' : 'chat';
    copy.attrs.from = outgoing ? this.self : room;
    copy.attrs.to = outgoing ? room : this.self;
    const delayed = stamp ?? (stanza.getChild('delay', NS.DELAY) ? parseXmppDateTime(stanza.getChild('delay', NS.DELAY)!.attrs.stamp ?? '') ?? undefined : undefined);
    const messages: RoomMessage[] = [];
    for (const event of parseMessage(copy, { self: this.self, archiveBy: room, stamp: delayed })) {
      if (event.kind === 'message') messages.push({ ...event.message, nick, ...(occupantId ? { occupantId } : {}), ...(pm ? { privateWith: pm.privateWith } : {}), markable: false });
      else this.store.applyEvent(room, event, { nick, occupantId });
    }
    this.store.addMessages(room, messages, live && !delayed);
  }

  // -- entering and leaving ------------------------------------------------------

  /**
   * Enters a room (creating it when `create` is set: an instant room, or a
   * private group — members-only, non-anonymous, persistent, hidden). Resolves
   * once we are in; rejects with MucJoinError and the room's reason.
   */
  join(room: string, nick: string, opts: { password?: string; create?: CreateKind; settings?: RoomSettings; name?: string } = {}): Promise<void> {
    room = room.toLowerCase();
    const existing = this.store.get(room);
    this.store.put({
      jid: room,
      nick,
      name: opts.name ?? existing?.name ?? '',
      subject: existing?.subject ?? '',
      state: 'joining',
      password: opts.password,
      occupants: [],
      role: 'none',
      affiliation: 'none',
      messages: existing?.messages ?? [],
      unread: existing?.unread ?? 0,
      historyComplete: existing?.historyComplete ?? false,
    });
    this.#pending.get(room)?.reject(new MucJoinError('superseded'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending.get(room)?.resolve !== done) return;
        this.#pending.delete(room);
        this.store.update(room, (r) => ({ ...r, state: 'error', problem: 'remote-server-timeout' }));
        reject(new MucJoinError('remote-server-timeout'));
      }, JOIN_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#pending.set(room, {
        nick,
        create: opts.create,
        settings: opts.settings,
        resolve: done,
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      // Coming back: what was said since the newest message we have (the rest is on screen already).
      const newest = existing?.messages.filter((m) => m.state !== 'pending' && m.state !== 'failed').at(-1);
      const history = newest ? { maxStanzas: MISSED_HISTORY, since: new Date(newest.timestamp) } : { maxStanzas: JOIN_HISTORY };
      this.connection.send(joinPresence(room, nick, { password: opts.password, history })).catch((e: Error) => {
        this.#pending.delete(room);
        clearTimeout(timer);
        this.store.update(room, (r) => ({ ...r, state: 'error', problem: 'offline' }));
        reject(e);
      });
    });
  }

  /** Leaves the room and forgets it (bookmark removed), so it does not come back on the next login. */
  async leave(room: string): Promise<void> {
    const r = this.store.get(room);
    this.#pending.delete(room);
    if (r && this.connection.status === 'online' && (r.state === 'joined' || r.state === 'joining')) await this.connection.send(leavePresence(room, r.nick)).catch(() => {});
    this.store.remove(room);
    this.#encryption?.left(room);
    await this.#bookmarks.forget(room);
  }

  async changeNick(room: string, nick: string): Promise<void> {
    const r = this.store.get(room);
    if (!r) return;
    await this.connection.send(xml('presence', { to: `${room}/${nick}` }));
  }

  /** After a fresh session (the server forgot our occupancy): enter every room again, then the bookmarked ones. */
  async rejoinAll(): Promise<void> {
    const rooms = this.store.rooms.filter((r) => r.state !== 'error' || r.problem === 'offline' || r.problem === 'remote-server-timeout');
    const bookmarks = await this.#bookmarks.load().catch(() => []);
    const targets = new Map<string, { nick: string; password?: string; name?: string }>();
    for (const b of bookmarks) if (b.autojoin) targets.set(b.room, { nick: b.nick ?? this.#defaultNick(), password: b.password, name: b.name });
    for (const r of rooms) targets.set(r.jid, { nick: r.nick, password: r.password, name: r.name || undefined });
    await Promise.all([...targets].map(([room, t]) => this.join(room, t.nick, { password: t.password, name: t.name }).catch(() => {})));
  }

  /** XEP-0410 after a resumed session: ask each room whether we are still in it, and enter again if not. */
  async selfPing(): Promise<void> {
    await Promise.all(
      this.store.rooms
        .filter((r) => r.state === 'joined')
        .map(async (r) => {
          try {
            await this.connection.iq('get', xml('ping', { xmlns: NS.PING }), `${r.jid}/${r.nick}`, 15_000);
          } catch (error) {
            const condition = (error as { condition?: string }).condition;
            // §4: these mean we are still in (the room or our own client just does not answer pings).
            if (condition === 'service-unavailable' || condition === 'feature-not-implemented' || condition === undefined) return;
            await this.join(r.jid, r.nick, { password: r.password, name: r.name || undefined }).catch(() => {});
          }
        }),
    );
  }

  #defaultNick(): string {
    return this.self.split('@')[0] ?? 'me';
  }

  // -- messages -----------------------------------------------------------------

  async send(room: string, text: string, opts: { replyTo?: RoomMessage; file?: FileRef } = {}): Promise<void> {
    if ([...text].length > MAX_BODY_CHARS) throw new MessageTooLongError(String(MAX_BODY_CHARS));
    const r = this.store.get(room);
    if (!r || r.state !== 'joined' || this.connection.status !== 'online') throw new Error('not in the room');
    const id = crypto.randomUUID();
    let body = text;
    const extra: Element[] = [];
    const reply = opts.replyTo;
    if (reply) {
      const quote = `${reply.body.split('\n').map((l) => `> ${l}`).join('\n')}\n`;
      body = quote + text;
      // XEP-0461 §3 in a room: point at the room's stanza id and the occupant who wrote it.
      extra.push(xml('reply', { xmlns: NS.REPLY, to: `${room}/${reply.nick}`, id: reply.archiveId ?? reply.id }));
      extra.push(xml('fallback', { xmlns: NS.FALLBACK, for: NS.REPLY }, xml('body', { start: '0', end: String([...quote].length) })));
    }
    if (opts.file) extra.push(xml('x', { xmlns: NS.OOB }, xml('url', {}, opts.file.url)));
    const message: RoomMessage = { id, peer: room, outgoing: true, body: text, timestamp: Date.now(), state: 'pending', nick: r.nick };
    if (opts.file) message.file = opts.file;
    if (reply) message.replyTo = { id: reply.archiveId ?? reply.id, text: reply.body.slice(0, 200) };
    if (r.ownOccupantId) message.occupantId = r.ownOccupantId;
    this.store.addMessages(room, [message], false);
    try {
      await this.connection.send(groupchatMessage(room, id, body, extra));
    } catch (error) {
      this.store.setState(room, id, 'failed');
      throw error;
    }
  }

  /** XEP-0363 as in one-to-one chats (never sealed: a room is not end-to-end encrypted): upload, then a message whose body is the link. */
  async sendFile(room: string, file: File): Promise<void> {
    const ref = await uploadFile(this.connection, this.domain, file, { encrypt: (await this.#encryption?.encrypts(room)) ?? false });
    await this.send(room, ref.url, { file: ref });
  }

  /** XEP-0045 §7.5: a private message to one occupant, shown in the room's log marked as private. */
  async sendPrivate(room: string, nick: string, text: string): Promise<void> {
    if ([...text].length > MAX_BODY_CHARS) throw new MessageTooLongError(String(MAX_BODY_CHARS));
    const r = this.store.get(room);
    if (!r || r.state !== 'joined' || this.connection.status !== 'online') throw new Error('not in the room');
    const id = crypto.randomUUID();
    this.store.addMessages(room, [{ id, peer: room, outgoing: true, body: text, timestamp: Date.now(), state: 'sent', nick: r.nick, privateWith: nick }], false);
    await this.connection.send(privateMessage(room, nick, id, text));
  }

  async correct(room: string, id: string, text: string): Promise<void> {
    const newId = crypto.randomUUID();
    await this.connection.send(groupchatMessage(room, newId, text, [xml('replace', { xmlns: NS.CORRECTION, id })]));
  }

  /** Our own message: XEP-0424 in the room (the room's stanza id, as §5 asks for groupchat). */
  async retractOwn(room: string, message: RoomMessage): Promise<void> {
    const stanza = retractionMessage(room, crypto.randomUUID(), message.archiveId ?? message.id);
    stanza.attrs.type = 'groupchat';
    await this.connection.send(stanza);
  }

  async react(room: string, message: RoomMessage, emojis: string[]): Promise<void> {
    if (!message.archiveId) return;
    const stanza = reactionsMessage(room, crypto.randomUUID(), message.archiveId, emojis);
    stanza.attrs.type = 'groupchat';
    await this.connection.send(stanza);
  }

  /** Older messages from the room's archive (XEP-0313 addressed to the room). Returns how many came. */
  async loadOlder(room: string): Promise<number> {
    const r = this.store.get(room);
    if (!r || r.historyComplete || this.connection.status !== 'online') return 0;
    let page;
    try {
      page = await this.archive.query(room, { before: r.messages.find((m) => m.archiveId)?.archiveId ?? '', max: 30 });
    } catch (error) {
      // A room without an archive (or one we may not read) simply has no older history here.
      const condition = (error as { condition?: string }).condition;
      if (condition === 'feature-not-implemented' || condition === 'forbidden' || condition === 'service-unavailable') this.store.update(room, (x) => ({ ...x, historyComplete: true }));
      throw error;
    }
    const countBefore = this.store.get(room)?.messages.length ?? 0;
    for (const { id, message, stamp } of page.results) {
      // The archive's id is the room's stanza id: what retractions and reactions point at.
      if (id && !message.getChildren('stanza-id', NS.SID).some((s) => s.attrs.by === room)) message.append(xml('stanza-id', { xmlns: NS.SID, by: room, id }));
      this.#roomMessage(await this.#open(message, room, stamp ?? undefined), room, stamp ?? undefined, false);
    }
    if (page.complete || page.results.length === 0) this.store.update(room, (x) => ({ ...x, historyComplete: true }));
    return (this.store.get(room)?.messages.length ?? 0) - countBefore;
  }

  async setSubject(room: string, subject: string): Promise<void> {
    await this.connection.send(subjectMessage(room, crypto.randomUUID(), subject.slice(0, 1000)));
  }

  // -- configuration and moderation ----------------------------------------------

  async getSettings(room: string): Promise<RoomSettings> {
    const result = await this.connection.iq('get', mucOwnerQuery(), room);
    const settings = parseRoomSettings(result.getChild('query', NS.MUC_OWNER));
    this.store.update(room, (r) => ({ ...r, settings, name: settings.name || r.name }));
    return settings;
  }

  async configure(room: string, settings: RoomSettings): Promise<void> {
    await this.connection.iq('set', roomConfigSubmit(settings), room);
    // Members-only or non-anonymous may have changed: whether the group is encrypted is decided again.
    this.#encryption?.joined(room);
    this.store.update(room, (r) => ({ ...r, settings: { ...r.settings, ...settings }, name: settings.name ?? r.name, password: settings.password ?? r.password }));
    const r = this.store.get(room);
    if (r && settings.name !== undefined) await this.#bookmarks.save({ room, name: settings.name || undefined, nick: r.nick, password: r.password, autojoin: true }).catch(() => {});
  }

  #invite(invitation: Invitation): void {
    if (this.store.get(invitation.room)?.state === 'joined') return;
    this.#invitations = [invitation, ...this.#invitations.filter((i) => i.room !== invitation.room)].slice(0, MAX_INVITATIONS);
    this.emit('change');
    // The invitation names the room by its address; people know it by its name.
    void this.directory.roomName(invitation.room).then(
      (name) => {
        if (!name) return;
        this.#invitations = this.#invitations.map((i) => (i.room === invitation.room ? { ...i, name } : i));
        this.emit('change');
      },
      () => {},
    );
  }

  // -- directory ----------------------------------------------------------------

  async #fetchName(room: string): Promise<void> {
    const name = await this.directory.roomName(room);
    if (name) this.store.update(room, (r) => ({ ...r, name }));
  }

  // -- XEP-0402 bookmarks ---------------------------------------------------------

  /** Another of our devices added or removed a bookmark: follow it. */
  #bookmarkEvent(stanza: Element): boolean {
    const items = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    if (items?.attrs.node !== NS.BOOKMARKS) return false;
    for (const item of items.getChildren('item')) {
      const b = parseBookmarkItem(item);
      if (!b) continue;
      this.#bookmarks.noted(b);
      if (b.autojoin && !this.store.get(b.room)) void this.join(b.room, b.nick ?? this.#defaultNick(), { password: b.password, name: b.name }).catch(() => {});
    }
    for (const retract of items.getChildren('retract')) {
      const room = retract.attrs.id;
      if (room && this.store.get(room)) void this.leave(room);
    }
    return true;
  }
}

export type { Room, RoomMessage };
