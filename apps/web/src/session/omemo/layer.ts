import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { parseXmppDateTime } from '@conexizan/protocol/stanza';
import {
  OmemoAccount,
  OmemoError,
  OmemoPep,
  DEVICES_NODE_2,
  buildOmemoMessage,
  isOmemoError,
  isEmptyOmemoMessage,
  isEmptyOmemo2Message,
  explainOmemoError,
  type DecryptResult,
  type DeviceInfo,
  type MessageSecurity,
  type OmemoStore,
  type TrustLevel,
} from '@conexizan/crypto/omemo';
import type { Connection, StanzaTransform } from '../client.ts';
import { Emitter } from '../events.ts';
import { bare } from '../stanzas.ts';
import { ChatPreferences, type ChatEncryption } from './chat-preferences.ts';
import { DeviceInfoBook, describeBrowser } from './device-info.ts';
import { DeviceListBook } from './device-lists.ts';
import { EncryptionRefusedError } from './errors.ts';
import { RoomCrypto, type RoomEncryption } from './rooms.ts';
import type { OpenPgpLayer } from '../openpgp/layer.ts';
import { SECURITY_MARK_NS, securityMark, without } from './security-mark.ts';

export type { ChatEncryption } from './chat-preferences.ts';

/** What the chat view shows about one contact. */
export interface PeerEncryption {
  mode: ChatEncryption;
  /** undefined until the contact's device list was looked up in this session */
  hasDevices?: boolean;
  devices: DeviceInfo[];
}

export { EncryptionRefusedError } from './errors.ts';
export type { RoomEncryption } from './rooms.ts';

/** When this device was first announced (ms): until then it sends nothing encrypted, and older messages cannot be for it. */
const ANNOUNCED_KEY = 'web-announced-at';
/** Set when the user removed this browser from the account's devices on another one; it then stays off the list. */
const REMOVED_KEY = 'web-removed';
/** Texts of group messages this device sent or read, by room, message id and sender (see remember). */
const SENT_KEY = 'web-group-text:';
const MAX_SENT_KEPT = 2000;

/** One of the account's devices, as Settings lists it. */
export interface OwnDevice extends DeviceInfo {
  label?: string;
  /** the newer of what the device itself last said and the last message seen from it */
  lastActive?: number;
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export interface OmemoLayerOptions {
  connection: Connection;
  jid: string;
  store: OmemoStore;
  /** our own message `id` to `peer` went out with this protection */
  onSent(peer: string, id: string, security: MessageSecurity): void;
  /** our message `id` to the group `room` went out with this protection */
  onRoomSent?(room: string, id: string, security: MessageSecurity): void;
  preKeyCount?: number;
  /**
   * How long a message to a contact without devices waits for one to appear
   * before it is refused (default 8 s). A contact who has just registered is
   * still generating keys in their browser when the first "hello" arrives.
   */
  deviceWaitMs?: number;
}

/**
 * OMEMO for one-to-one chats, as a transform on the connection: every chat
 * message with a body is encrypted for all of the contact's devices and our
 * own other ones, unless the user chose plain text for that chat; a contact
 * without devices gets nothing until the user decides. Incoming, carbon and
 * archived messages are decrypted; when that fails, the message says why.
 */
export class OmemoLayer extends Emitter<{ change: [] }> implements StanzaTransform {
  readonly pep: OmemoPep;
  #account: Promise<OmemoAccount> | null = null;
  #peers = new Map<string, PeerEncryption>();
  readonly #lists: DeviceListBook;
  #published = false;
  /** this page's first announcement of the device; a message waits for it (or for an earlier page's) */
  #announced = deferred<void>();
  #announcedAt: number | undefined;
  readonly preferences: ChatPreferences;
  readonly deviceInfo: DeviceInfoBook;
  /** OMEMO in group chats: GroupChats tells it about rooms and hands it their messages */
  readonly rooms: RoomCrypto;
  /**
   * Decryptions by sender and <encrypted> element: the same message often comes twice (live and
   * from the archive the chat view loads), and a second decryption would fail
   * as a replay. Both copies get the first result.
   */
  #decrypted = new Map<string, Promise<DecryptResult>>();
  /**
   * Encryptions and decryptions take turns: libsignal orders its own work per
   * address, but the account also keeps state of its own beside it (the
   * count of unanswered messages per device, trust records, replenished
   * pre-keys) that concurrent calls would read and write over each other.
   */
  #turn: Promise<unknown> = Promise.resolve();

  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#turn.then(work, work);
    this.#turn = result.catch(() => {});
    return result;
  }

  constructor(private readonly options: OmemoLayerOptions) {
    super();
    this.pep = new OmemoPep((iq) => options.connection.iq(iq.attrs.type as 'get' | 'set', iq.getChildElements()[0]!, iq.attrs.to));
    this.preferences = new ChatPreferences(options.jid, this.pep, options.store, (peer) => void this.#describe(peer).catch(() => {}));
    this.deviceInfo = new DeviceInfoBook(options.jid, this.pep, () => this.emit('change'), (deviceId) => void this.#removedElsewhere(deviceId));
    this.#lists = new DeviceListBook(this.pep, () => this.account(), () => this.#wasRemoved());
    this.rooms = new RoomCrypto({
      jid: options.jid,
      connection: options.connection,
      account: () => this.account(),
      lists: this.#lists,
      preferences: this.preferences,
      inTurn: (work) => this.#inTurn(work),
      whenAnnounced: () => this.#whenAnnounced(),
      removed: () => this.#wasRemoved(),
      remember: (key, text) => this.remember(key, text),
      open: (message, opts) => this.open(message, opts),
      onSent: (room, id, security) => options.onRoomSent?.(room, id, security),
    });
    this.rooms.on('change', () => this.emit('change'));
  }

  /** This browser's name as its OMEMO 2 device list entry carries it. */
  #label(): string {
    const own = this.#account ? this.deviceInfo.get(this.#ownId ?? -1)?.label : undefined;
    return own ?? describeBrowser();
  }

  #ownId: number | undefined;

  #removed = false;

  /** The user removed this browser from their devices elsewhere: it no longer announces itself or receives encrypted messages. */
  get removed(): boolean {
    return this.#removed;
  }

  async #removedElsewhere(deviceId: number): Promise<void> {
    const account = await this.account();
    if (deviceId !== account.deviceId || this.#retiring) return;
    this.#removed = true;
    await this.options.store.set(REMOVED_KEY, true);
    this.emit('change');
  }

  async #wasRemoved(): Promise<boolean> {
    this.#removed = (await this.options.store.get(REMOVED_KEY)) === true;
    return this.#removed;
  }

  /** After "removed elsewhere": the user wants this browser back among their devices. */
  async useAgain(): Promise<void> {
    await this.options.store.delete(REMOVED_KEY);
    this.#removed = false;
    await this.start();
  }

  #retiring = false;

  #openpgp: OpenPgpLayer | null = null;

  /** OpenPGP for XMPP, for the chats whose user chose it (and to read what contacts send with it). */
  useOpenPgp(openpgp: OpenPgpLayer): void {
    this.#openpgp = openpgp;
  }

  /** When this device was first announced (undefined until it was): older encrypted messages were never for it. */
  get deviceSince(): number | undefined {
    return this.#announcedAt;
  }

  account(): Promise<OmemoAccount> {
    this.#account ??= OmemoAccount.open({ jid: this.options.jid, store: this.options.store, directory: this.pep, preKeyCount: this.options.preKeyCount });
    return this.#account;
  }

  /**
   * On every fresh session: announce this device (bundle, then device list),
   * forget which lists are current, and read the account's choices and
   * device labels that other devices may have changed meanwhile.
   */
  async start(attempts = 3): Promise<void> {
    if (await this.#wasRemoved()) {
      this.emit('change');
      return;
    }
    try {
      await this.#announce();
    } catch (error) {
      if (attempts <= 1) {
        // Messages waiting for the announcement fail now (and stay queued for the next session).
        this.#announced.reject(error);
        this.#announced = deferred();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return this.start(attempts - 1);
    }
    await Promise.all([this.preferences.load(), this.deviceInfo.load()]).catch(() => {});
    void this.account()
      .then((account) => this.deviceInfo.touch(account.deviceId))
      .catch(() => {});
  }

  async #announce(): Promise<void> {
    this.#lists.forget();
    const account = await this.account();
    this.#ownId = account.deviceId;
    if (await account.rotateSignedPreKeyIfDue()) this.#published = false;
    await this.pep.publishDevice(account, this.#label());
    this.#lists.markFresh(this.options.jid);
    this.#published = true;
    if ((await this.#loadAnnouncedAt()) === undefined) {
      this.#announcedAt = Date.now();
      await this.options.store.set(ANNOUNCED_KEY, this.#announcedAt);
    }
    this.#announced.resolve();
    this.emit('change');
  }

  async #loadAnnouncedAt(): Promise<number | undefined> {
    const stored = await this.options.store.get(ANNOUNCED_KEY);
    if (typeof stored === 'number') this.#announcedAt = stored;
    return this.#announcedAt;
  }

  /**
   * A device must be announced before it sends: a receiver looks the sending
   * device up in the device list and bundle, and an independent client
   * (python-omemo) refuses a message from a device it cannot find.
   */
  async #whenAnnounced(): Promise<void> {
    if ((await this.#loadAnnouncedAt()) !== undefined) return;
    await this.#announced.promise;
  }

  get published(): boolean {
    return this.#published;
  }

  /** A PEP notification; true if it was an OMEMO device list or one of the account's own encryption records (handled here). */
  onPepEvent(stanza: Element): boolean {
    if (this.preferences.onEvent(stanza) || this.deviceInfo.onEvent(stanza)) return true;
    const node = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items')?.attrs.node;
    if (!node || !/^(eu\.siacs\.conversations\.axolotl\.devicelist|urn:xmpp:omemo:2:devices)$/.test(node)) return false;
    void this.#lists
      .onEvent(stanza, () => this.#label())
      .then((from) => {
        if (!from) return undefined;
        this.rooms.devicesChanged(from);
        return this.#describe(from);
      })
      .catch(() => {});
    return true;
  }

  peer(peer: string): PeerEncryption {
    return this.#peers.get(peer) ?? { mode: 'omemo', devices: [] };
  }

  /**
   * Looks the contact's devices up (once per session, or again with `again`
   * while none are known: they may be setting up their first device) so the
   * chat can warn before anything is sent.
   */
  async checkPeer(peer: string, again = false): Promise<PeerEncryption> {
    if (again && this.#peers.get(peer)?.hasDevices !== true) this.#lists.forget(peer);
    await this.#lists.refresh(peer).catch(() => {});
    return this.#describe(peer);
  }

  /** The user's choice for this chat, kept for all of the account's devices. */
  async setMode(peer: string, mode: ChatEncryption): Promise<void> {
    await this.preferences.set(peer, mode);
  }

  /** Whether a group is end-to-end encrypted, and why not (for its banner). */
  room(room: string): RoomEncryption {
    return this.rooms.state(room);
  }

  /** The user's choice for a group: encrypted (the default in private groups) or plain text. */
  setRoomMode(room: string, mode: 'omemo' | 'plain'): Promise<void> {
    return this.rooms.setMode(room, mode);
  }

  async setTrust(jid: string, deviceId: number, level: TrustLevel): Promise<void> {
    await (await this.account()).setTrust(jid, deviceId, level);
    await this.#describe(jid);
  }

  /** This device and the account's others, as the own device list says, with their labels and last activity. */
  async ownDevices(): Promise<{ current: OwnDevice & { fingerprint: string }; others: OwnDevice[] }> {
    const account = await this.account();
    // Read the published lists again: the user looks here to see what is really announced.
    this.#lists.forget(this.options.jid);
    await this.#lists.refresh(this.options.jid).catch(() => {});
    const describe = (device: DeviceInfo): OwnDevice => {
      const info = this.deviceInfo.get(device.deviceId);
      const lastActive = Math.max(info?.lastActive ?? 0, device.lastMessageAt ?? 0) || undefined;
      const label = info?.label ?? device.label;
      return { ...device, ...(label ? { label } : {}), ...(lastActive ? { lastActive } : {}) };
    };
    const current = describe({ deviceId: account.deviceId, active: true, versions: ['0.3', '2'], fingerprint: await account.fingerprint() });
    return { current: { ...current, fingerprint: current.fingerprint!, lastActive: Date.now() }, others: (await account.devices(this.options.jid)).map(describe) };
  }

  /** Names this browser in the account's device list (Settings). */
  async renameThisDevice(label: string): Promise<void> {
    const account = await this.account();
    await this.deviceInfo.rename(account.deviceId, label);
    // OMEMO 2 device lists carry names too, so other clients show this one.
    await this.pep.publishOpen(DEVICES_NODE_2, await account.devices2Element(this.#label()));
  }

  /** Takes one of our other devices off the published device list: contacts stop encrypting for it. */
  async removeOwnDevice(deviceId: number): Promise<void> {
    const account = await this.account();
    if (deviceId === account.deviceId) throw new Error('this device cannot remove itself');
    // Its record goes first: a browser that is still running learns from it that it was removed on purpose.
    await this.deviceInfo.forget(deviceId);
    await this.#lists.without(deviceId, true);
    this.emit('change');
  }

  /** This browser forgets its keys: take it off the device list first, so nobody encrypts for it any more. */
  async retire(): Promise<void> {
    if (!this.#account) return;
    this.#retiring = true;
    const account = await this.account();
    await this.#lists.without(account.deviceId, false);
    await this.deviceInfo.forget(account.deviceId);
  }

  async #describe(peer: string): Promise<PeerEncryption> {
    const account = await this.account();
    const mode = await this.preferences.get(peer);
    const devices = await account.devices(peer);
    const active = devices.filter((d) => d.active);
    const info: PeerEncryption = { mode, devices, hasDevices: this.#lists.isFresh(peer) ? active.length > 0 : active.length > 0 || undefined };
    this.#peers.set(peer, info);
    this.emit('change');
    return info;
  }

  // -- the transform -------------------------------------------------------

  /** Messages leave in the order they were written, however long each one's encryption takes. */
  #outgoingTurn: Promise<unknown> = Promise.resolve();

  outgoing(stanza: Element): Promise<Element> {
    const result = this.#outgoingTurn.then(() => this.#outgoing(stanza));
    this.#outgoingTurn = result.catch(() => {});
    return result;
  }

  async #outgoing(stanza: Element): Promise<Element> {
    if (stanza.attrs.type === 'groupchat') return this.rooms.outgoing(stanza);
    const to = bare(stanza.attrs.to ?? '');
    const body = stanza.getChildText('body');
    const skip =
      stanza.attrs.type !== 'chat' ||
      !body ||
      !to ||
      to === this.options.jid ||
      stanza.getChild('encrypted', NS.OMEMO_LEGACY) ||
      stanza.getChild('encrypted', NS.OMEMO) ||
      stanza.getChild('openpgp', NS.OPENPGP) ||
      // a private message to a group chat occupant: the room address has no
      // OMEMO devices of its own, so encrypting it would refuse every one
      stanza.getChild('x', NS.MUC_USER) ||
      // a retraction's body is a fixed fallback sentence, nothing private
      stanza.getChild('retract', NS.RETRACT);
    if (skip) return stanza;
    const id = stanza.attrs.id ?? crypto.randomUUID();
    const mode = await this.preferences.get(to);
    if (mode === 'openpgp' && this.#openpgp) return this.#openpgp.seal(stanza, to, id);
    if (mode === 'plain') {
      // An aesgcm:// link carries the file's key in its fragment: it never goes out in plain text.
      if (body.includes('aesgcm://')) throw new EncryptionRefusedError(to, new OmemoError('bad-media', 'an aesgcm:// link is only sent encrypted'));
      this.options.onSent(to, id, 'unencrypted');
      return stanza;
    }
    const account = await this.account();
    if (await this.#wasRemoved()) throw new EncryptionRefusedError(to, 'removed');
    await this.#whenAnnounced();
    await this.#lists.refresh(to).catch(() => {});
    // OMEMO 2 encrypts the stanza's content (XEP-0420): the text and a file link beside it.
    const oob = stanza.getChild('x', NS.OOB);
    const content = [xml('body', { xmlns: NS.CLIENT }, body), ...(oob ? [oob] : [])];
    const encrypt = () => account.encryptMessage([to], body, { content, to });
    let result;
    try {
      result = await this.#inTurn(encrypt).catch(async (error: unknown) => {
        if (!isOmemoError(error, 'no-devices')) throw error;
        // The list we have may predate the contact's first login, or the contact is still
        // making their keys: look again for a few seconds before refusing.
        const deadline = Date.now() + (this.options.deviceWaitMs ?? 8000);
        for (;;) {
          this.#lists.forget(to);
          await this.#lists.refresh(to).catch(() => {});
          try {
            return await this.#inTurn(encrypt);
          } catch (again) {
            if (!isOmemoError(again, 'no-devices') || Date.now() >= deadline) throw again;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
      });
    } catch (error) {
      if (isOmemoError(error)) {
        void this.#describe(to).catch(() => {});
        throw new EncryptionRefusedError(to, error);
      }
      throw error;
    }
    const toPeer = result.devices.filter((d) => d.jid === to);
    const known = await account.devices(to);
    const verified = toPeer.every((d) => known.find((x) => x.deviceId === d.deviceId)?.trust === 'verified');
    this.options.onSent(to, id, verified ? 'encrypted-verified' : 'encrypted');
    // The body, and a file link beside it (XEP-0066), would give the text away: only the ciphertext goes out.
    const rest = without(stanza, (c) => c.name === 'body' || (c.name === 'x' && c.getNS() === NS.OOB) || (c.name === 'store' && c.getNS() === NS.HINTS));
    const wrapper = buildOmemoMessage({ to: stanza.attrs.to!, id, encrypted: [result.element2, result.element].filter((e) => e !== undefined) });
    for (const child of rest.getChildElements()) wrapper.append(child);
    return wrapper;
  }

  async incoming(stanza: Element, context: { stamp?: Date } = {}): Promise<Element> {
    // Our own result marks are only believed when we put them there.
    const message = without(stanza, (c) => c.getNS() === SECURITY_MARK_NS);
    if (this.#openpgp && message.getChild('openpgp', NS.OPENPGP) && !message.getChild('encrypted', NS.OMEMO) && !message.getChild('encrypted', NS.OMEMO_LEGACY)) {
      const sender = bare(message.attrs.from ?? this.options.jid);
      // The <to/> inside: us, or, for a copy of a message we sent, whom we sent it to.
      const recipients = [this.options.jid, ...(sender === this.options.jid && message.attrs.to ? [bare(message.attrs.to)] : [])];
      return this.#openpgp.open(message, { sender, recipients });
    }
    if (!message.getChild('encrypted', NS.OMEMO) && !message.getChild('encrypted', NS.OMEMO_LEGACY)) {
      if (message.getChildText('body')) message.append(securityMark({ security: 'unencrypted' }));
      return message;
    }
    const sender = bare(message.attrs.from ?? this.options.jid);
    // The <to> affix of OMEMO 2: us, or, for a copy of a message we sent, whom we sent it to.
    const to = [this.options.jid, ...(sender === this.options.jid && message.attrs.to ? [bare(message.attrs.to)] : [])];
    return this.open(message, { sender, to, stamp: context.stamp });
  }

  /**
   * Decrypts the OMEMO element of `message` (from a chat or a group) sent
   * by `sender` (a bare JID); returns the message with the text as its body
   * and a security mark, or with a sentence saying why it cannot be read.
   * `remember` names a group message whose text is kept once read (or sent
   * by us): a group's history comes back from the room after a reload, and
   * a message already decrypted cannot be decrypted again (its key is
   * spent), nor can one this device sent.
   */
  async open(message: Element, options: { sender: string; to?: string[]; requireTo?: boolean; stamp?: Date; remember?: string }): Promise<Element> {
    const account = await this.account();
    const encrypted = pickEncrypted(message, this.options.jid, account.deviceId)!;
    const sender = options.sender;
    // A file link outside the encryption is not believed: the sender's link is inside it.
    const plain = without(message, (c) => c.name === 'body' || c.name === 'encrypted' || (c.name === 'encryption' && c.getNS() === NS.EME) || (c.name === 'x' && c.getNS() === NS.OOB) || c.getNS() === NS.SCE || c.getNS() === SECURITY_MARK_NS);
    // The whole element, not just its IV: a different message reusing an IV must not borrow another's result.
    const key = `${sender} ${encrypted.toString()}`;
    let decryption = this.#decrypted.get(key);
    const first = !decryption;
    if (!decryption) {
      const delay = parseXmppDateTime(message.getChild('delay', NS.DELAY)?.attrs.stamp ?? '');
      const sentAt = (options.stamp ?? delay ?? new Date()).getTime();
      decryption = this.#inTurn(() => account.decryptMessage(encrypted, sender, { sentAt, to: options.to, requireTo: options.requireTo }));
      this.#decrypted.set(key, decryption);
      if (this.#decrypted.size > 1000) this.#decrypted.delete(this.#decrypted.keys().next().value!);
    }
    try {
      const result = await decryption;
      if (first && result.heartbeat) {
        void this.options.connection.send(buildOmemoMessage({ to: sender, id: crypto.randomUUID(), encrypted: result.heartbeat })).catch(() => {});
      }
      if (first && result.bundleChanged) void this.pep.publishBundle(account).catch(() => {});
      // An empty OMEMO message (heartbeat, key transport) has nothing to show.
      if (result.plaintext === null) return plain;
      if (first && options.remember) await this.remember(options.remember, result.plaintext, result.security);
      // OMEMO 0.3 encrypts only the body, so senders leave XEP-0066 out and a lone link is the file (as in
      // Conversations); OMEMO 2 may carry the link inside its encrypted content.
      return withText(plain, result.plaintext, result.security, result.content?.getChild('x', NS.OOB)?.getChildText('url') ?? undefined);
    } catch (thrown) {
      // Whatever went wrong, the message stays, saying it could not be read (nothing is silently dropped).
      if (!isOmemoError(thrown)) console.warn('OMEMO decryption failed unexpectedly:', (thrown as Error)?.message);
      const error = isOmemoError(thrown) ? thrown : new OmemoError('corrupted', 'the message could not be decrypted', { cause: thrown });
      // A heartbeat or key transport has no text: failing to open one (it was
      // for another of our devices, or a carbon of one we sent) shows nothing,
      // and a <body> beside it is not believed either.
      if (encrypted.getNS() === NS.OMEMO ? isEmptyOmemo2Message(encrypted) : isEmptyOmemoMessage(encrypted)) return plain;
      if ((error.code === 'sent-by-this-device' || error.code === 'duplicate' || error.code === 'replayed-prekey') && options.remember) {
        const kept = (await this.options.store.get(SENT_KEY + options.remember)) as { text: string; security?: MessageSecurity } | undefined;
        if (kept) return withText(plain, kept.text, kept.security ?? 'encrypted');
      }
      // No key material in here: explainOmemoError says what happened in words.
      plain.append(xml('body', {}, explainOmemoError(error)));
      plain.append(securityMark({ security: 'encrypted', undecryptable: error.code }));
      return plain;
    }
  }

  /**
   * Keeps the text of a group message this device sent or read: the room
   * sends it back (and its archive keeps it) encrypted, and it cannot be
   * decrypted twice. Sealed in the OMEMO store like everything else; the
   * oldest go first.
   */
  async remember(key: string, text: string, security: MessageSecurity = 'encrypted'): Promise<void> {
    await this.options.store.set(SENT_KEY + key, { text, security, at: Date.now() });
    if (++this.#sentSinceTrim < 100) return;
    this.#sentSinceTrim = 0;
    const keys = await this.options.store.keys(SENT_KEY);
    if (keys.length <= MAX_SENT_KEPT) return;
    const dated = await Promise.all(keys.map(async (k) => [k, ((await this.options.store.get(k)) as { at?: number } | undefined)?.at ?? 0] as const));
    for (const [k] of dated.sort((a, b) => a[1] - b[1]).slice(0, keys.length - MAX_SENT_KEPT)) await this.options.store.delete(k);
  }

  #sentSinceTrim = 0;
}

/** A message with its decrypted text as the body, a file link as XEP-0066, and how it travelled. */
function withText(plain: Element, text: string, security: MessageSecurity, url?: string): Element {
  plain.append(xml('body', {}, text));
  if (url || /^(https?|aesgcm):\/\/\S+$/.test(text)) plain.append(xml('x', { xmlns: NS.OOB }, xml('url', {}, url ?? text)));
  plain.append(securityMark({ security }));
  return plain;
}

/**
 * The <encrypted/> to open when a stanza carries OMEMO 2 and 0.3 both: the
 * one with a key for this device (OMEMO 2 first); else one of them, so the
 * message can say it was not encrypted for this device.
 */
export function pickEncrypted(message: Element, ownJid: string, deviceId: number): Element | undefined {
  const v2 = message.getChild('encrypted', NS.OMEMO);
  const v03 = message.getChild('encrypted', NS.OMEMO_LEGACY);
  const rid = String(deviceId);
  const forUs2 = v2?.getChild('header')?.getChildren('keys').some((keys) => bare(String(keys.attrs.jid ?? '')) === ownJid && keys.getChildren('key').some((k) => k.attrs.rid === rid));
  if (v2 && forUs2) return v2;
  const forUs03 = v03?.getChild('header')?.getChildren('key').some((k) => k.attrs.rid === rid);
  if (v03 && forUs03) return v03;
  return v2 ?? v03;
}
