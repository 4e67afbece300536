import { cloneElement, errorReplyFrom, jid, MUC_STATUS, mucUserElement, NS, occupantIdElement, parseXml, StanzaError, tryParseJid, xml, type Element, type Jid, type MucItem } from '@conexizan/protocol';
import type { Config } from '../../config/schema.ts';
import { iqErrorReply } from '../../core/iq.ts';
import type { ModuleContext } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { Occupant, Room, type Affiliation, type RoomConfig, type StoredRoomState } from './room.ts';

/**
 * The rooms of one MUC service (conference.<domain>) and what every
 * handler needs: settings and limits, persistence, one-at-a-time handling
 * per room, and building/sending the stanzas XEP-0045 defines. Everything
 * leaves through the router with full JIDs, so occupants on other servers
 * are served the same way once federation routes them.
 */
export type MucSettings = Config['muc'];

/**
 * What the rooms need from the server: the module passes its context; the
 * command line (`conexizan room …`, server stopped, nobody in any room)
 * passes storage and a router that has nowhere to send.
 */
export interface MucContext {
  readonly storage: ModuleContext['storage'];
  readonly config: ModuleContext['config'];
  readonly domain: string;
  readonly log: ModuleContext['log'];
  readonly router: Pick<ModuleContext['router'], 'route'>;
  readonly cluster: ModuleContext['cluster'];
}

/**
 * Where rooms live. Every node knows every stored room (`rooms`: for the
 * service's listings and limits), but a room is live (has occupants, takes
 * stanzas) on one node at a time: the node that holds its placement
 * (core/cluster.ts; in one process, always this one). A node becomes a
 * room's host by taking it from storage on the first stanza that needs it;
 * the others forward there (index.ts). A host that dies takes its
 * occupants with it: the next host starts from storage, and the occupants
 * learn through self-ping (XEP-0410) that they must enter again.
 */
export class MucService {
  /** every stored room, and the temporary ones live here; only those in #live have occupants */
  readonly rooms = new Map<string, Room>();
  /** rooms this node hosts */
  readonly #live = new Set<string>();
  readonly jid: string;
  readonly #queues = new Map<string, Promise<unknown>>();
  #operators: Set<string> | undefined;

  constructor(
    readonly ctx: MucContext,
    readonly settings: MucSettings,
    jid: string,
  ) {
    this.jid = jid;
    // Another node changed or removed a stored room: read it again.
    ctx.cluster.onBroadcast('muc/room', (local) => {
      const reading = local === null ? this.load() : this.serialize(local, () => this.#refresh(local));
      reading.catch((error: unknown) => ctx.log.warn({ err: error, room: local }, 'could not read a stored room again'));
    });
    // Another node took a room this one hosted (this one was cut off): its occupants here are gone.
    ctx.cluster.placement.onLost((name) => {
      const local = this.#localOf(name);
      if (local === null) return;
      this.#live.delete(local);
      this.serialize(local, () => this.#refresh(local)).catch((error: unknown) => ctx.log.warn({ err: error, room: local }, 'could not read a stored room again'));
    });
  }

  defaultConfig(): RoomConfig {
    const s = this.settings;
    return {
      name: '',
      description: '',
      language: '',
      persistent: s.default_persistent,
      public: s.default_public,
      membersOnly: false,
      moderated: false,
      password: '',
      whois: 'moderators',
      maxUsers: s.max_occupants,
      changeSubject: false,
      allowInvites: false,
      allowPm: 'anyone',
      archiving: s.archive_by_default,
      presenceBroadcast: ['moderator', 'participant', 'visitor'],
      getMemberList: ['moderator'],
    };
  }

  /** Handles stanzas for one room name one after another, so joins, kicks and messages never interleave. */
  serialize<T>(room: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(room) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.#queues.set(room, tail);
    void tail.then(() => {
      if (this.#queues.get(room) === tail) this.#queues.delete(room);
    });
    return run;
  }

  /** Every stored room of this service (at start, and when the other nodes' news may have been missed). */
  async load(): Promise<void> {
    for (const record of await this.ctx.storage.muc.listRooms()) {
      const [local, domain] = record.jid.split('@') as [string, string];
      // Rooms of a service name the operator changed stay stored, untouched, but are not served.
      if (domain !== this.jid || this.#live.has(local)) continue;
      const room = this.#fromRecord(local, record.state);
      if (room) this.rooms.set(local, room);
      // Made temporary before its host stopped: it ended with that process (unless another node hosts it now).
      else if ((await this.ctx.cluster.placement.locate(this.#placeName(local))).local) await this.#takeOver(local);
    }
  }

  /** The stored room, or null (unreadable, or temporary: it ended with the process that held it). */
  #fromRecord(local: string, text: string): Room | null {
    let state: StoredRoomState;
    try {
      state = JSON.parse(text) as StoredRoomState;
    } catch {
      this.ctx.log.warn('a stored room could not be read; it is skipped');
      return null;
    }
    state.config = { ...this.defaultConfig(), ...state.config };
    return state.config.persistent ? new Room(this.roomJid(local), state) : null;
  }

  /** A room that is not live here, as storage has it now. */
  async #refresh(local: string): Promise<void> {
    if (this.#live.has(local)) return;
    const record = await this.ctx.storage.muc.getRoom(this.roomJid(local).toString());
    const room = record && this.#fromRecord(local, record.state);
    if (room) this.rooms.set(local, room);
    else this.rooms.delete(local);
  }

  /**
   * Where a room lives: here (made live from storage first, if it was not)
   * or on another node, which then gets its stanzas.
   */
  async locate(local: string): Promise<{ local: true } | { local: false; node: string }> {
    const place = await this.ctx.cluster.placement.locate(this.#placeName(local));
    if (!place.local) return { local: false, node: place.node };
    if (!this.#live.has(local)) await this.serialize(local, () => this.#takeOver(local));
    return { local: true };
  }

  /**
   * This node hosts the room from now on: as it is stored (its occupants
   * come back by entering again). A name with no room stays not live: a
   * stanza to a made-up name must not hold memory for ever (created() makes
   * a new room live).
   */
  async #takeOver(local: string): Promise<void> {
    if (this.#live.has(local)) return;
    const record = await this.ctx.storage.muc.getRoom(this.roomJid(local).toString());
    if (this.#live.has(local)) return; // created here meanwhile
    const room = record && this.#fromRecord(local, record.state);
    if (room) {
      if (room.config.archiving) await this.loadHistory(room);
      this.rooms.set(local, room);
      this.#live.add(local);
    } else {
      this.rooms.delete(local);
      if (record) await this.ctx.storage.muc.deleteRoom(record.jid); // made temporary, and its host is gone
    }
  }

  /** A room made on this node (its first occupant entered): it is hosted here. */
  created(room: Room): void {
    this.rooms.set(room.jid.local, room);
    this.#live.add(room.jid.local);
  }

  #placeName(local: string): string {
    return `muc/${this.roomJid(local).toString()}`;
  }

  #localOf(name: string): string | null {
    const prefix = `muc/`;
    const suffix = `@${this.jid}`;
    return name.startsWith(prefix) && name.endsWith(suffix) ? name.slice(prefix.length, -suffix.length) : null;
  }

  /** After a restart, recent history comes from the room's archive. */
  async loadHistory(room: Room): Promise<void> {
    const page = await this.ctx.storage.muc.query(room.jid.toString(), {}, { max: this.settings.history_size, before: '' });
    room.history = [];
    for (const entry of page?.items ?? []) {
      try {
        const stanza = parseXml(entry.stanza);
        room.history.push({ stanza, at: entry.storedAt, chars: entry.stanza.length });
      } catch {
        // an unreadable entry is left out of the history, not fatal
      }
    }
  }

  roomJid(local: string): Jid {
    return jid(local, this.jid);
  }

  /** Saves a persistent room's state (a temporary room is only in memory), and tells the other nodes. */
  async persist(room: Room, evenIfTemporary = false): Promise<void> {
    if (!room.config.persistent && !evenIfTemporary) return;
    await this.ctx.storage.muc.saveRoom(room.jid.toString(), JSON.stringify(room.state));
    this.ctx.cluster.broadcast('muc/room', room.jid.local);
  }

  /** Forgets a room: in memory, in storage, and its archive; another node may host one of that name later. */
  async remove(room: Room): Promise<void> {
    this.rooms.delete(room.jid.local);
    this.#live.delete(room.jid.local);
    await this.ctx.storage.muc.deleteRoom(room.jid.toString());
    this.ctx.cluster.broadcast('muc/room', room.jid.local);
    await this.ctx.cluster.placement.release(this.#placeName(room.jid.local));
  }

  /** The rooms live on this node (with occupants). */
  liveRooms(): Room[] {
    return [...this.#live].map((local) => this.rooms.get(local)).filter((room): room is Room => room !== undefined);
  }

  roomsCreatedBy(bare: string): number {
    let count = 0;
    for (const room of this.rooms.values()) if (room.state.creator === bare) count++;
    return count;
  }

  isOperator(jid: Jid): boolean {
    this.#operators ??= new Set(this.ctx.config.admins.map((entry) => tryParseJid(entry)?.bare().toString()).filter((entry): entry is string => !!entry));
    return jid.domain === this.ctx.domain && this.#operators.has(jid.bare().toString());
  }

  mayCreate(jid: Jid): boolean {
    switch (this.settings.room_creation) {
      case 'everyone':
        return true;
      case 'local':
        return jid.domain === this.ctx.domain;
      case 'admins':
        return this.isOperator(jid);
    }
  }

  send(stanza: Element): Promise<void> {
    return this.ctx.router.route(stanza);
  }

  /** The XEP's error for a stanza that came in (none for errors and iq results). */
  async reject(event: StanzaEvent, error: StanzaError): Promise<void> {
    if (event.type === 'error' || (event.kind === 'iq' && event.type === 'result')) return;
    const reply = event.kind === 'iq' ? iqErrorReply(event.stanza, error) : errorReplyFrom(event.stanza, error);
    reply.attrs.from = event.to.toString();
    reply.attrs.to = event.from.toString();
    await this.send(reply);
  }

  /**
   * The presence of `occupant` as `viewer` sees it (§7.2.3): what the
   * occupant's client sent, with the muc#user item (the real JID only where
   * the room shows it to this viewer) and status codes, and the XEP-0421 id.
   */
  occupantPresence(room: Room, occupant: Occupant, viewer: Occupant | undefined, options: PresenceOptions = {}): Element {
    const primary = occupant.primary();
    const presence = xml('presence', { from: room.occupantJid(options.nick ?? occupant.nick).toString(), type: options.unavailable ? 'unavailable' : undefined });
    const source = options.unavailable ? options.unavailableStanza : primary.presence;
    for (const child of source?.getChildElements() ?? []) {
      const ns = child.attrs.xmlns as string | undefined;
      if (ns === NS.MUC || ns === NS.MUC_USER || ns === NS.OCCUPANT_ID || child.name === 'error') continue;
      if (options.unavailable && child.name !== 'status') continue;
      presence.append(cloneElement(child));
    }
    const item: MucItem = {
      affiliation: options.affiliation ?? room.affiliationOf(occupant.realBare),
      role: options.unavailable ? 'none' : occupant.role,
      jid: room.showsRealJidsTo(viewer) || viewer === occupant ? primary.jid.toString() : undefined,
      nick: options.newNick,
      actor: options.actor,
      reason: options.reason,
    };
    const codes = viewer === occupant ? [...(options.codes ?? []), MUC_STATUS.SELF, ...(options.selfCodes ?? [])] : options.codes;
    presence.append(mucUserElement({ item, codes, destroy: options.destroy }));
    presence.append(occupantIdElement(room.occupantId(occupant.realBare)));
    return presence;
  }

  /** Sends the occupant's presence to everyone in the room (each of their sessions), as each one sees it. */
  async broadcastPresence(room: Room, occupant: Occupant, options: PresenceOptions = {}, alsoTo: Occupant[] = []): Promise<void> {
    const viewers = new Set([...room.occupants.values(), ...alsoTo]);
    const shown = room.presenceShown(occupant.role);
    for (const viewer of viewers) {
      if (viewer !== occupant && !shown) continue;
      const presence = this.occupantPresence(room, occupant, viewer, options);
      await this.toSessions(viewer, presence);
    }
  }

  /**
   * §9.6: someone who just became a moderator of a semi-anonymous room now
   * may see real JIDs; the others' presence is sent again with them.
   */
  async showRealJidsToNewModerator(room: Room, moderator: Occupant, previousRole: Occupant['role']): Promise<void> {
    if (room.config.whois === 'anyone' || previousRole === 'moderator' || moderator.role !== 'moderator') return;
    for (const other of room.occupants.values()) {
      if (other !== moderator && room.presenceShown(other.role)) await this.toSessions(moderator, this.occupantPresence(room, other, moderator));
    }
  }

  /**
   * A new role, told as updated presence (§8, §9). When the new role is one
   * whose presence the room does not broadcast but the old one was, the
   * others see the occupant leave their view instead; the occupant still
   * gets the update.
   */
  async announceRole(room: Room, occupant: Occupant, previousRole: Occupant['role'], options: PresenceOptions = {}): Promise<void> {
    if (!room.presenceShown(occupant.role) && room.presenceShown(previousRole)) await this.hideFromOthers(room, occupant, options);
    await this.broadcastPresence(room, occupant, options);
    await this.showRealJidsToNewModerator(room, occupant, previousRole);
  }

  /** The others see `occupant` leave (unavailable), though the occupant stays in the room. */
  async hideFromOthers(room: Room, occupant: Occupant, options: PresenceOptions = {}): Promise<void> {
    for (const viewer of room.occupants.values()) {
      if (viewer !== occupant) await this.toSessions(viewer, this.occupantPresence(room, occupant, viewer, { ...options, unavailable: true }));
    }
  }

  /** Sends a copy of `stanza` to every session of `occupant`. */
  async toSessions(occupant: Occupant, stanza: Element): Promise<void> {
    for (const session of occupant.sessions.values()) {
      const copy = cloneElement(stanza);
      copy.attrs.to = session.jid.toString();
      await this.send(copy);
    }
  }

  async toEveryone(room: Room, stanza: Element): Promise<void> {
    for (const occupant of room.occupants.values()) await this.toSessions(occupant, stanza);
  }

  /** A message from the room itself with status codes (§10.2.1: configuration changes). */
  async statusMessage(room: Room, codes: number[]): Promise<void> {
    if (codes.length === 0) return;
    await this.toEveryone(room, xml('message', { from: room.jid.toString(), type: 'groupchat' }, mucUserElement({ codes })));
  }

  /**
   * Takes an occupant out of the room with an unavailable presence to
   * everyone (and to the occupant's own sessions), e.g. kicked (307),
   * banned (301), no longer a member (321, 322), or an error (333).
   */
  async removeOccupant(room: Room, occupant: Occupant, options: PresenceOptions): Promise<void> {
    room.occupants.delete(occupant.nick);
    for (const key of occupant.sessions.keys()) room.nickOf.delete(key);
    await this.broadcastPresence(room, occupant, { ...options, unavailable: true }, [occupant]);
    occupant.role = 'none';
    await this.afterLeave(room);
  }

  /** A temporary room vanishes with its last occupant, and so does a new room nobody configured. */
  async afterLeave(room: Room): Promise<void> {
    if (!room.isEmpty()) return;
    if (!room.config.persistent || room.locked) await this.remove(room);
  }

  /** Takes a token from the occupant's bucket; false when they are sending too fast. */
  takeMessageToken(occupant: Occupant): boolean {
    const perMs = this.settings.messages_per_minute / 60_000;
    const now = Date.now();
    occupant.tokens = Math.min(this.settings.message_burst, occupant.tokens + (now - occupant.refilledAt) * perMs);
    occupant.refilledAt = now;
    if (occupant.tokens < 1) return false;
    occupant.tokens -= 1;
    return true;
  }
}

export interface PresenceOptions {
  unavailable?: boolean;
  /** the unavailable presence the occupant sent (its <status/> is passed on) */
  unavailableStanza?: Element;
  codes?: number[];
  /** codes only the occupant's own sessions see (with 110) */
  selfCodes?: number[];
  /** the nick to send from (for the unavailable presence of a nick change) */
  nick?: string;
  /** §7.6: the new nick, in the unavailable presence with 303 */
  newNick?: string;
  affiliation?: Affiliation;
  actor?: string;
  reason?: string;
  destroy?: Element;
}

/** A stanza error; handlers throw these and the dispatcher answers with them. */
export const fail = (condition: ConstructorParameters<typeof StanzaError>[0], type: 'auth' | 'cancel' | 'modify' | 'wait', text?: string) =>
  new StanzaError(condition, { type, ...(text ? { text } : {}) });
