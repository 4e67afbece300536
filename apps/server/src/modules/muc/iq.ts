import { randomBytes } from 'node:crypto';
import { cloneElement, iqResult, mamQueryForm, NS, xml, type Element } from '@conexizan/protocol';
import type { StanzaEvent } from '../../core/router.ts';
import { adminQuery, ownerQuery } from './admin.ts';
import { moderate, queryRoomArchive } from './archive.ts';
import { roomInfo, roomItems, roomVcard, serviceInfo, serviceItems, setRoomVcard } from './disco.ts';
import { register, registrationForm, reservedNick, RESERVED_NICK_NODE } from './register.ts';
import { fail, type MucService } from './service.ts';

function uniqueName(svc: MucService): Element {
  let name: string;
  do name = randomBytes(12).toString('hex');
  while (svc.rooms.has(name));
  return xml('unique', { xmlns: NS.MUC_UNIQUE }, name);
}

/**
 * IQs to the service, to a room and to an occupant. An iq to an occupant
 * from another occupant is passed on to the occupant's client with the
 * sender's occupant JID (§7.7, vCards to the bare JID), and its answer
 * comes back the same way; a ping to one's own occupant JID is answered by
 * the room itself (XEP-0410), so a client learns cheaply whether it is
 * still in.
 */
const MAX_PENDING = 10_000;
const PENDING_MS = 60_000;

interface Pending {
  id: string;
  /** the asking occupant's real full JID */
  asker: string;
  /** the occupant JID the answer comes from */
  from: string;
  at: number;
}

export class IqHandler {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly svc: MucService,
    private readonly retentionMs: number,
  ) {}

  /** An iq get/set to the service itself. */
  async toService(event: StanzaEvent): Promise<Element | undefined> {
    const payload = requestPayload(event);
    if (event.type === 'get' && payload.name === 'query' && payload.attrs.xmlns === NS.DISCO_INFO && !payload.attrs.node) return serviceInfo(this.svc);
    if (event.type === 'get' && payload.name === 'query' && payload.attrs.xmlns === NS.DISCO_ITEMS && !payload.attrs.node) return serviceItems(this.svc);
    if (event.type === 'get' && payload.name === 'ping' && payload.attrs.xmlns === NS.PING) return undefined;
    // §10.1.4: a room name nobody has, for a client that wants a private room without choosing a name.
    if (event.type === 'get' && payload.name === 'unique' && payload.attrs.xmlns === NS.MUC_UNIQUE) return uniqueName(this.svc);
    throw fail('service-unavailable', 'cancel');
  }

  async toRoom(event: StanzaEvent): Promise<Element | undefined> {
    const { svc } = this;
    const payload = requestPayload(event);
    const ns = payload.attrs.xmlns as string | undefined;
    const room = svc.rooms.get(event.to.local);
    if (!room) throw fail('item-not-found', 'cancel', 'no such room');
    const type = event.type as 'get' | 'set';
    const key = `${type} ${payload.name} ${ns ?? ''}`;
    switch (key) {
      case `get query ${NS.DISCO_INFO}`:
        if (payload.attrs.node === RESERVED_NICK_NODE) return reservedNick(room, event.from);
        if (payload.attrs.node) throw fail('item-not-found', 'cancel');
        return roomInfo(room, event.from);
      case `get query ${NS.REGISTER}`:
        return registrationForm(room, event.from);
      case `set query ${NS.REGISTER}`:
        await register(svc, room, event.from, payload);
        return undefined;
      case `get query ${NS.DISCO_ITEMS}`:
        if (payload.attrs.node) throw fail('item-not-found', 'cancel');
        return roomItems(room, event.from);
      case `get query ${NS.MUC_ADMIN}`:
      case `set query ${NS.MUC_ADMIN}`:
        return adminQuery(svc, room, event.from, type, payload);
      case `get query ${NS.MUC_OWNER}`:
      case `set query ${NS.MUC_OWNER}`:
        return ownerQuery(svc, room, event.from, type, payload);
      case `get vCard ${NS.VCARD}`:
        return roomVcard(room);
      case `set vCard ${NS.VCARD}`:
        await setRoomVcard(svc, room, event.from, payload);
        return undefined;
      case `get query ${NS.MAM}`:
        if (!room.config.archiving) throw fail('feature-not-implemented', 'cancel', 'this room keeps no archive');
        return mamQueryForm();
      case `set query ${NS.MAM}`:
        return queryRoomArchive(svc, room, event.from, payload, this.retentionMs);
      case `set moderate ${NS.MODERATE}`:
        await moderate(svc, room, event.from, payload);
        return undefined;
      case `get ping ${NS.PING}`:
        return undefined;
      default:
        throw fail('service-unavailable', 'cancel');
    }
  }

  /** An iq to room@service/nick: self-ping, or passed on between occupants. */
  async toOccupant(event: StanzaEvent): Promise<void> {
    const { svc } = this;
    const { stanza, from, to, type } = event;
    const room = svc.rooms.get(to.local);
    if (type === 'result' || type === 'error') {
      await this.#answer(event);
      return;
    }
    const payload = requestPayload(event);
    const sender = room?.occupantOf(from);
    if (!room || !sender) {
      // XEP-0045 §6 (Querying a Room Occupant): disco from outside is a bad request;
      // XEP-0410 §3: anything else (a self-ping) gets not-acceptable, telling a client it is no longer in.
      const ns = payload.attrs.xmlns;
      if (ns === NS.DISCO_INFO || ns === NS.DISCO_ITEMS) throw fail('bad-request', 'modify', 'only occupants may query occupants');
      throw fail('not-acceptable', 'cancel', 'you are not in this room');
    }
    const target = room.occupants.get(to.resource);
    if (!target) throw fail('item-not-found', 'cancel', 'nobody in the room has this nickname');
    if (target === sender && payload.name === 'ping' && payload.attrs.xmlns === NS.PING) {
      await svc.send(iqResult(stanza));
      return;
    }
    this.#expire();
    if (this.#pending.size >= MAX_PENDING) throw fail('resource-constraint', 'wait', 'too many queries in flight');
    const id = randomBytes(12).toString('base64url');
    this.#pending.set(id, { id: stanza.attrs.id as string, asker: from.toString(), from: to.toString(), at: Date.now() });
    const forwarded = cloneElement(stanza);
    forwarded.attrs.id = id;
    forwarded.attrs.from = room.occupantJid(sender.nick).toString();
    const isVcard = payload.name === 'vCard' && payload.attrs.xmlns === NS.VCARD;
    forwarded.attrs.to = isVcard ? target.realBare.toString() : target.primary().jid.toString();
    delete forwarded.attrs.xmlns;
    await svc.send(forwarded);
  }

  async #answer(event: StanzaEvent): Promise<void> {
    const pending = this.#pending.get(event.stanza.attrs.id as string);
    if (!pending) return;
    this.#pending.delete(event.stanza.attrs.id as string);
    const answer = cloneElement(event.stanza);
    answer.attrs.id = pending.id;
    answer.attrs.from = pending.from;
    answer.attrs.to = pending.asker;
    delete answer.attrs.xmlns;
    await this.svc.send(answer);
  }

  #expire(): void {
    const cutoff = Date.now() - PENDING_MS;
    for (const [id, pending] of this.#pending) {
      if (pending.at >= cutoff) break;
      this.#pending.delete(id);
    }
  }
}

function requestPayload(event: StanzaEvent): Element {
  if (!event.stanza.attrs.id) throw fail('bad-request', 'modify', 'an iq needs an id');
  const children = event.stanza.getChildElements();
  if (children.length !== 1) throw fail('bad-request', 'modify', 'an iq get or set carries exactly one child');
  return children[0]!;
}
