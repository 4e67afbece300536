import { mucAdminQuery, type Affiliation, type OccupantPresence } from '@conexizan/protocol/muc';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { OmemoError, buildOmemoMessage, isOmemoError, type MessageSecurity, type OmemoAccount } from '@conexizan/crypto/omemo';
import type { Connection } from '../client.ts';
import { Emitter } from '../events.ts';
import { bare } from '../stanzas.ts';
import type { ChatPreferences } from './chat-preferences.ts';
import type { DeviceListBook } from './device-lists.ts';
import { EncryptionRefusedError } from './errors.ts';
import { SECURITY_MARK_NS, securityMark, without } from './security-mark.ts';

/**
 * Whether a group is end-to-end encrypted, and why not when it is not.
 * - encrypted: a private group (members-only, non-anonymous): messages are
 *   OMEMO-encrypted for every member's devices (OMEMO 2 or 0.3, each
 *   device's newest) and ours; `withoutKeys` are members who have none and
 *   cannot read them;
 * - plain: the user chose to write unencrypted in this group;
 * - unavailable: the group cannot be encrypted: 'public' (anyone may enter,
 *   so there is no list of members to encrypt for) or 'semi-anonymous'
 *   (members' addresses are hidden, and with them their keys);
 * - checking: the room's settings and members are being read.
 */
export type RoomEncryption =
  | { kind: 'checking' }
  | { kind: 'encrypted'; members: string[]; withoutKeys: string[] }
  | { kind: 'plain'; reason: 'chosen' }
  | { kind: 'unavailable'; reason: 'public' | 'semi-anonymous' };

interface RoomState {
  /** undefined until the room's disco#info answered */
  kind?: 'private' | 'public' | 'semi-anonymous';
  /** real bare JID -> affiliation (owner, admin, member) */
  members: Map<string, Affiliation>;
  /** members we looked at and found without an OMEMO device */
  withoutKeys: Set<string>;
  ready: Promise<void>;
}

export interface RoomCryptoContext {
  jid: string;
  connection: Connection;
  account(): Promise<OmemoAccount>;
  lists: DeviceListBook;
  preferences: ChatPreferences;
  inTurn<T>(work: () => Promise<T>): Promise<T>;
  whenAnnounced(): Promise<void>;
  removed(): Promise<boolean>;
  remember(key: string, text: string): Promise<void>;
  /** decrypts a group message (OmemoLayer.open) */
  open(message: Element, options: { sender: string; to?: string[]; requireTo?: boolean; stamp?: Date; remember?: string }): Promise<Element>;
  /** how one of our group messages went out */
  onSent(room: string, id: string, security: MessageSecurity): void;
}

const MEMBER_AFFILIATIONS: Affiliation[] = ['owner', 'admin', 'member'];

/** Where a group message's text is kept: by room, the sender's message id and the sender (ids are chosen by senders). */
const textKey = (room: string, id: string, sender: string) => `${room}/${sender}/${id}`;
/** How long a group member's device list is trusted before it is read again for the next message. */
const MEMBER_LIST_MAX_AGE_MS = 60_000;

/**
 * OMEMO in group chats (XEP-0384 §"Group chats", as Conversations and
 * Converse.js do it): for members-only, non-anonymous rooms, on by default.
 * The members come from the room's member lists (muc#admin, which members
 * of such a room may read) and the real JIDs in occupants' presence; a
 * change of affiliation (someone added, removed, banned) changes whom the
 * next message is encrypted for, so a member who left cannot read what
 * follows. Senders are known by real JID: from their presence, or from the
 * <item jid/> the room puts on history and archived messages.
 */
export class RoomCrypto extends Emitter<{ change: [] }> {
  readonly #rooms = new Map<string, RoomState>();

  constructor(private readonly ctx: RoomCryptoContext) {
    super();
  }

  /** What the group's banner says. */
  state(room: string): RoomEncryption {
    const r = this.#rooms.get(room);
    if (!r || r.kind === undefined) return { kind: 'checking' };
    if (r.kind !== 'private') return { kind: 'unavailable', reason: r.kind };
    if (this.ctx.preferences.cached(room) === 'plain') return { kind: 'plain', reason: 'chosen' };
    const members = [...r.members.keys()].filter((jid) => jid !== this.ctx.jid).sort();
    return { kind: 'encrypted', members, withoutKeys: members.filter((m) => r.withoutKeys.has(m)) };
  }

  /** Whether files for this group are sealed (XEP-0454) before upload. */
  async encrypts(room: string): Promise<boolean> {
    await this.#rooms.get(room)?.ready;
    await this.ctx.preferences.get(room);
    return this.state(room).kind === 'encrypted';
  }

  // -- what GroupChats tells us ----------------------------------------------------

  /** We are in the room: read its settings and, for a private group, its members and their devices. */
  joined(room: string): void {
    const state: RoomState = { members: this.#rooms.get(room)?.members ?? new Map(), withoutKeys: new Set(), ready: Promise.resolve() };
    this.#rooms.set(room, state);
    state.ready = this.#check(room, state).catch(() => {}).finally(() => this.emit('change'));
  }

  left(room: string): void {
    this.#rooms.delete(room);
    this.emit('change');
  }

  /** An occupant's presence: its real JID and affiliation (a member joined, was added, removed or banned). */
  presence(room: string, presence: OccupantPresence): void {
    const r = this.#rooms.get(room);
    if (!r || !presence.jid) return;
    const jid = bare(presence.jid);
    this.#affiliation(room, r, jid, presence.affiliation);
    // A member coming in may have a new device (one without keys before may have some now).
    if (!presence.unavailable && r.members.has(jid) && jid !== this.ctx.jid) void this.#lookForKeys(room, r, [jid], true);
  }

  /** Someone published a new device list: the private groups they are a member of look at their keys again. */
  devicesChanged(jid: string): void {
    for (const [room, r] of this.#rooms) if (r.members.has(jid) && jid !== this.ctx.jid) void this.#lookForKeys(room, r, [jid]);
  }

  /** A room's message without body announcing the affiliation of someone who is not in it (XEP-0045 §9); true if it was one. */
  notice(room: string, stanza: Element): boolean {
    const r = this.#rooms.get(room);
    const x = stanza.getChild('x', NS.MUC_USER);
    if (!r || !x || stanza.getChild('body') || stanza.getChild('subject')) return false;
    const items = x.getChildren('item').filter((i) => i.attrs.jid && i.attrs.affiliation);
    for (const item of items) this.#affiliation(room, r, bare(item.attrs.jid!), item.attrs.affiliation as Affiliation);
    return items.length > 0;
  }

  /**
   * A group message: decrypted if it carries OMEMO (the sender known by real
   * JID), marked unencrypted if not. `sender` is undefined when the room does
   * not tell who it is (then an encrypted message says so).
   */
  incoming(room: string, stanza: Element, sender: { jid?: string; outgoing: boolean; stamp?: Date }): Element | Promise<Element> {
    const message = without(stanza, (c) => c.getNS() === SECURITY_MARK_NS);
    const encrypted = message.getChild('encrypted', NS.OMEMO) ?? message.getChild('encrypted', NS.OMEMO_LEGACY);
    if (!encrypted) {
      if (message.getChildText('body')) message.append(securityMark({ security: 'unencrypted' }));
      return message;
    }
    const jid = sender.outgoing ? this.ctx.jid : sender.jid;
    if (!jid) {
      const plain = without(message, (c) => c.name === 'body' || c.name === 'encrypted');
      plain.append(xml('body', {}, 'The sender of this encrypted message is not known (the group hides who wrote it).'));
      plain.append(securityMark({ security: 'encrypted', undecryptable: 'no-session' }));
      return plain;
    }
    // OMEMO 2 binds the message to this room (<to/> affix, required in groups).
    const remember = message.attrs.id ? textKey(room, message.attrs.id, jid) : undefined;
    return this.ctx.open(message, { sender: jid, to: [room], requireTo: true, stamp: sender.stamp, remember });
  }

  // -- sending --------------------------------------------------------------------

  /**
   * Our message to a group: encrypted for every member when the group is
   * private, unless the user chose plain text; refused (EncryptionRefusedError)
   * when it is meant to be encrypted and nobody else could read it.
   */
  async outgoing(stanza: Element): Promise<Element> {
    const room = bare(stanza.attrs.to ?? '');
    const r = this.#rooms.get(room);
    const body = stanza.getChildText('body');
    const id = stanza.attrs.id ?? crypto.randomUUID();
    if (!r || !body || stanza.getChild('encrypted', NS.OMEMO) || stanza.getChild('encrypted', NS.OMEMO_LEGACY)) return stanza;
    await r.ready;
    await this.ctx.preferences.get(room);
    const state = this.state(room);
    if (state.kind !== 'encrypted') {
      if (body.includes('aesgcm://')) throw new EncryptionRefusedError(room, new OmemoError('bad-media', 'an aesgcm:// link is only sent encrypted'));
      this.ctx.onSent(room, id, 'unencrypted');
      return stanza;
    }
    if (await this.ctx.removed()) throw new EncryptionRefusedError(room, 'removed');
    await this.ctx.whenAnnounced();
    const account = await this.ctx.account();
    // Members who are not our contacts send us no device list changes: look again, at once for those without keys.
    await Promise.all(state.members.map((m) => this.ctx.lists.refresh(m, r.withoutKeys.has(m) ? 0 : MEMBER_LIST_MAX_AGE_MS).catch(() => {})));
    const oob = stanza.getChild('x', NS.OOB);
    const content = [xml('body', { xmlns: NS.CLIENT }, body), ...(oob ? [oob] : [])];
    let result;
    try {
      result = await this.ctx.inTurn(() => account.encryptMessage(state.members, body, { content, to: room, allowMissing: true }));
    } catch (error) {
      if (isOmemoError(error)) throw new EncryptionRefusedError(room, error);
      throw error;
    }
    const missing = new Set(result.skipped.filter((s) => s.reason === 'no-devices').map((s) => s.jid));
    r.withoutKeys = missing;
    this.emit('change');
    if (!result.devices.some((d) => d.jid !== this.ctx.jid)) {
      throw new EncryptionRefusedError(room, new OmemoError('no-devices', 'nobody else in this group has a device that could decrypt the message'));
    }
    await this.ctx.remember(textKey(room, id, this.ctx.jid), body);
    this.ctx.onSent(room, id, 'encrypted');
    const rest = without(stanza, (c) => c.name === 'body' || (c.name === 'x' && c.getNS() === NS.OOB) || (c.name === 'store' && c.getNS() === NS.HINTS));
    const wrapper = buildOmemoMessage({ to: room, id, type: 'groupchat', encrypted: [result.element2, result.element].filter((e) => e !== undefined) });
    for (const child of rest.getChildElements()) wrapper.append(child);
    return wrapper;
  }

  /** The user's choice for this group (kept for all of the account's devices, like a chat's). */
  async setMode(room: string, mode: 'omemo' | 'plain'): Promise<void> {
    await this.ctx.preferences.set(room, mode);
    this.emit('change');
  }

  // -- inside -----------------------------------------------------------------------

  async #check(room: string, state: RoomState): Promise<void> {
    const info = await this.ctx.connection.iq('get', xml('query', { xmlns: NS.DISCO_INFO }), room);
    const features = new Set((info.getChild('query', NS.DISCO_INFO)?.getChildren('feature') ?? []).map((f) => f.attrs.var));
    state.kind = !features.has('muc_membersonly') ? 'public' : !features.has('muc_nonanonymous') ? 'semi-anonymous' : 'private';
    if (state.kind !== 'private') return;
    // XEP-0045 §9.5: members of a non-anonymous room may read who belongs.
    for (const affiliation of MEMBER_AFFILIATIONS) {
      const list = await this.ctx.connection.iq('get', mucAdminQuery([{ affiliation }]), room).catch(() => null);
      for (const item of list?.getChild('query', NS.MUC_ADMIN)?.getChildren('item') ?? []) {
        if (item.attrs.jid) state.members.set(bare(item.attrs.jid), affiliation);
      }
    }
    await this.#lookForKeys(room, state, [...state.members.keys()]);
  }

  #affiliation(room: string, r: RoomState, jid: string, affiliation: Affiliation): void {
    const member = MEMBER_AFFILIATIONS.includes(affiliation);
    if (member === r.members.has(jid) && (!member || r.members.get(jid) === affiliation)) return;
    if (member) {
      r.members.set(jid, affiliation);
      void this.#lookForKeys(room, r, [jid]).finally(() => this.emit('change'));
    } else {
      r.members.delete(jid);
      r.withoutKeys.delete(jid);
    }
    this.emit('change');
  }

  async #lookForKeys(room: string, r: RoomState, jids: string[], again = false): Promise<void> {
    const account = await this.ctx.account();
    for (const jid of jids) {
      if (jid === this.ctx.jid) continue;
      await this.ctx.lists.refresh(jid, again ? 0 : Infinity).catch(() => {});
      const active = (await account.devices(jid)).filter((d) => d.active);
      if (active.length === 0) r.withoutKeys.add(jid);
      else r.withoutKeys.delete(jid);
    }
    if (this.#rooms.get(room) === r) this.emit('change');
  }
}
