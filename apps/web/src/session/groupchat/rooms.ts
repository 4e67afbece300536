import { Emitter } from '../events.ts';
import type { ChatMessage } from '../model.ts';
import type { MessageEvent } from '../stanzas.ts';
import type { Affiliation, OccupantPresence, Role, RoomSettings } from '@conexizan/protocol/muc';

/** A room message: a ChatMessage whose peer is the room, plus who in the room said it. */
export interface RoomMessage extends ChatMessage {
  /** the sender's nickname when it was sent ('' for the room itself) */
  nick: string;
  /** XEP-0421: who sent it, stable across nickname changes */
  occupantId?: string;
  /** a private message (XEP-0045 §7.5) from or to this occupant's nickname */
  privateWith?: string;
}

export interface Occupant {
  nick: string;
  role: Role;
  affiliation: Affiliation;
  jid?: string;
  occupantId?: string;
  show?: string;
}

export type RoomState = 'joining' | 'joined' | 'left' | 'error';

/** Why we are not (or no longer) in a room: an XMPP error condition or a status code's meaning. */
export type RoomProblem = string;

export interface Room {
  jid: string;
  nick: string;
  /** the room's name (disco#info or bookmark), '' when unknown */
  name: string;
  subject: string;
  state: RoomState;
  problem?: RoomProblem;
  password?: string;
  occupants: Occupant[];
  /** our own role and affiliation, from our self-presence */
  role: Role;
  affiliation: Affiliation;
  ownOccupantId?: string;
  messages: RoomMessage[];
  unread: number;
  historyComplete: boolean;
  settings?: RoomSettings;
}

const MAX_ROOM_MESSAGES = 1000;

export type RoomStoreEvents = { change: []; incoming: [RoomMessage] };

/** All rooms this account is in or was invited to: pure state transitions, no network. */
export class RoomStore extends Emitter<RoomStoreEvents> {
  #rooms = new Map<string, Room>();
  #snapshot: Room[] = [];
  #active: string | null = null;

  get rooms(): Room[] {
    return this.#snapshot;
  }

  get(jid: string): Room | undefined {
    return this.#rooms.get(jid);
  }

  get totalUnread(): number {
    return this.#snapshot.reduce((n, r) => n + r.unread, 0);
  }

  get active(): string | null {
    return this.#active;
  }

  setActive(jid: string | null): void {
    this.#active = jid;
    if (jid && this.#rooms.has(jid)) this.update(jid, (r) => ({ ...r, unread: 0 }));
  }

  put(room: Room): void {
    this.#rooms.set(room.jid, room);
    this.#snapshot = [...this.#rooms.values()].sort((a, b) => (a.name || a.jid).localeCompare(b.name || b.jid));
    this.emit('change');
  }

  update(jid: string, change: (room: Room) => Room): void {
    const room = this.#rooms.get(jid);
    if (room) this.put(change(room));
  }

  remove(jid: string): void {
    if (!this.#rooms.delete(jid)) return;
    this.#snapshot = this.#snapshot.filter((r) => r.jid !== jid);
    if (this.#active === jid) this.#active = null;
    this.emit('change');
  }

  /** An occupant came, changed or left; returns nothing, the room's list is replaced. */
  applyOccupant(p: OccupantPresence): void {
    this.update(p.room, (room) => {
      const others = room.occupants.filter((o) => o.nick !== p.nick);
      const occupants = p.unavailable ? others : [...others, { nick: p.nick, role: p.role, affiliation: p.affiliation, jid: p.jid, occupantId: p.occupantId, show: p.show }];
      occupants.sort((a, b) => a.nick.localeCompare(b.nick));
      return { ...room, occupants };
    });
  }

  /** Messages from the room (live, join history or archive); duplicates by id or room stanza id are merged. */
  addMessages(jid: string, incoming: RoomMessage[], live: boolean): void {
    const room = this.#rooms.get(jid);
    if (!room || incoming.length === 0) return;
    const list = [...room.messages];
    let unread = room.unread;
    for (const m of incoming) {
      const at = list.findIndex((x) => (m.archiveId !== undefined && x.archiveId === m.archiveId) || (x.id === m.id && x.nick === m.nick));
      if (at !== -1) {
        const old = list[at]!;
        // Our own message coming back from the room: now it has been sent, and has the room's id.
        list[at] = { ...old, archiveId: old.archiveId ?? m.archiveId, occupantId: old.occupantId ?? m.occupantId, state: old.state === 'pending' || old.state === 'failed' ? m.state : old.state };
        continue;
      }
      list.push(m);
      if (live && !m.outgoing) {
        if (this.#active !== jid) unread += 1;
        this.emit('incoming', m);
      }
    }
    list.sort((a, b) => a.timestamp - b.timestamp);
    const messages = list.length > MAX_ROOM_MESSAGES ? list.slice(list.length - MAX_ROOM_MESSAGES) : list;
    this.put({ ...room, messages, unread });
  }

  #patch(jid: string, match: (m: RoomMessage) => boolean, change: (m: RoomMessage) => RoomMessage): void {
    this.update(jid, (room) => (room.messages.some(match) ? { ...room, messages: room.messages.map((m) => (match(m) ? change(m) : m)) } : room));
  }

  setState(jid: string, id: string, state: ChatMessage['state']): void {
    this.#patch(jid, (m) => m.outgoing && m.id === id, (m) => ({ ...m, state }));
  }

  /** How one of our messages went out (OMEMO or plain), once the encryption layer has decided. */
  setSecurity(jid: string, id: string, security: NonNullable<ChatMessage['security']>): void {
    this.#patch(jid, (m) => m.outgoing && m.id === id, (m) => ({ ...m, security }));
  }

  /**
   * Corrections, retractions and reactions inside a room. Only the same
   * sender may correct or retract (same occupant id, else same nickname);
   * a moderator's retraction comes from the room itself (nick '') and names
   * the room's stanza id.
   */
  applyEvent(jid: string, event: MessageEvent, sender: { nick: string; occupantId?: string }): void {
    const sameSender = (m: RoomMessage) => (m.occupantId && sender.occupantId ? m.occupantId === sender.occupantId : m.nick === sender.nick);
    switch (event.kind) {
      case 'correction':
        this.#patch(jid, (m) => m.id === event.replaces && sameSender(m) && !m.retracted, (m) => ({ ...m, body: event.body, edited: true, file: undefined }));
        return;
      case 'retraction':
        if (sender.nick === '') this.#patch(jid, (m) => m.archiveId === event.id, (m) => ({ ...m, body: '', retracted: true, file: undefined, reactions: undefined }));
        else this.#patch(jid, (m) => (m.id === event.id || m.archiveId === event.id) && sameSender(m), (m) => ({ ...m, body: '', retracted: true, file: undefined, reactions: undefined }));
        return;
      case 'reactions': {
        const reactor = sender.occupantId ?? sender.nick;
        this.#patch(jid, (m) => m.archiveId === event.id || m.id === event.id, (m) => {
          const reactions = { ...(m.reactions ?? {}) };
          if (event.emojis.length === 0) delete reactions[reactor];
          else reactions[reactor] = event.emojis;
          return { ...m, reactions };
        });
        return;
      }
      case 'error':
        this.setState(jid, event.id, 'failed');
        return;
      default:
        return;
    }
  }
}
