import { NS } from '@conexizan/protocol/namespaces';
import { xmppDateTime } from '@conexizan/protocol/stanza';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { MessageSecurity, OmemoPep, OmemoStore } from '@conexizan/crypto/omemo';
import type { OxError, OxErrorCode } from '@conexizan/crypto/openpgp';
import { base64Decode, base64Encode } from '@conexizan/crypto/bytes';
import { Emitter } from '../events.ts';
import { bare } from '../stanzas.ts';
import { EncryptionRefusedError } from '../omemo/errors.ts';
import { SECURITY_MARK_NS, securityMark, without } from '../omemo/security-mark.ts';

/**
 * OpenPGP for XMPP (XEP-0373/0374), beside OMEMO, for the chats whose user
 * chose it: one OpenPGP key per account, made here or imported (from GnuPG),
 * published in PEP for contacts, and backed up on the server encrypted with
 * a backup code shown once (§5), from which another browser restores it.
 * OpenPGP.js is large: it is loaded (one dynamic import) only once a key or
 * an OpenPGP message is in play.
 */
const ox = () => import('@conexizan/crypto/openpgp');

const PUBLIC_KEYS_NODE = `${NS.OPENPGP}:public-keys`;
const SECRET_KEY_NODE = `${NS.OPENPGP}:secret-key`;
const OWN_KEY = 'ox-key';
const PEER_KEY = 'ox-peer:';
const BACKED_UP_KEY = 'ox-backed-up';
/** How a contact's published key stays believed before it is looked up again. */
const PEER_KEY_FRESH_MS = 10 * 60_000;
export const OPENPGP_FALLBACK_BODY = 'This message is encrypted with OpenPGP for XMPP (XEP-0374), which your client does not show.';

interface StoredKey {
  secretKey: string;
  publicKey: string;
  fingerprint: string;
  created: number;
}

interface StoredPeer {
  fingerprint: string;
  publicKey: string;
  checkedAt: number;
  /** the user compared this fingerprint with the contact's */
  verified?: boolean;
}

/** This account's OpenPGP key as Settings shows it. */
export interface OpenPgpState {
  /** undefined while not yet read from this browser's storage */
  fingerprint?: string | null;
  /** the key (this fingerprint) is backed up on the server */
  backedUp: boolean;
}

/** A contact's OpenPGP key as the chat shows it. */
export interface OpenPgpPeer {
  /** undefined until looked up in this session; null: none published */
  fingerprint?: string | null;
  verified?: boolean;
}

export interface OpenPgpLayerOptions {
  jid: string;
  pep: OmemoPep;
  store: OmemoStore;
  /** our message `id` to `peer` went out encrypted with OpenPGP */
  onSent(peer: string, id: string, security: MessageSecurity): void;
}

export class OpenPgpLayer extends Emitter<{ change: []; key: [] }> {
  #own: StoredKey | null | undefined;
  #backedUp = false;
  #peers = new Map<string, OpenPgpPeer>();
  #looking = new Map<string, Promise<StoredPeer | null>>();

  constructor(private readonly options: OpenPgpLayerOptions) {
    super();
  }

  #state: OpenPgpState = { backedUp: false };

  /** The same object until something changes (React reads it as a snapshot). */
  get state(): OpenPgpState {
    return this.#state;
  }

  #changed(): void {
    const fingerprint = this.#own === undefined ? undefined : (this.#own?.fingerprint ?? null);
    if (fingerprint !== this.#state.fingerprint || this.#backedUp !== this.#state.backedUp) this.#state = { fingerprint, backedUp: this.#backedUp };
    this.emit('change');
  }

  /** Reads this browser's key (if any) so that `state` says whether there is one. */
  async load(): Promise<void> {
    await this.#ownKey();
  }

  async #ownKey(): Promise<StoredKey | null> {
    if (this.#own === undefined) {
      const own = ((await this.options.store.get(OWN_KEY)) as StoredKey | undefined) ?? null;
      this.#backedUp = !!own && (await this.options.store.get(BACKED_UP_KEY)) === own.fingerprint;
      // another call may have set it meanwhile (a key just made)
      if (this.#own === undefined) this.#own = own;
      this.#changed();
    }
    return this.#own;
  }

  /** On every fresh session: read the key, and announce it again if the account's list lost it (XEP-0373 §6.3). */
  async start(): Promise<void> {
    const own = await this.#ownKey();
    if (!own) return;
    const list = (await ox()).parsePublicKeysList(await this.options.pep.fetchItem(this.options.jid, PUBLIC_KEYS_NODE).catch(() => null));
    if (!list.some((k) => k.fingerprint === own.fingerprint)) await this.#announce(own);
  }

  /** Makes this account's OpenPGP key and publishes it. */
  async generate(): Promise<string> {
    const { generateOxKey } = await ox();
    return this.#adopt(await generateOxKey(this.options.jid));
  }

  /** Takes a secret key exported from GnuPG or another client (binary or armored, without passphrase). */
  async importKey(file: Blob): Promise<string> {
    const { importOxSecretKey } = await ox();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    return this.#adopt(await importOxSecretKey(text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----') ? text : bytes, this.options.jid));
  }

  async #adopt(key: { secretKey: Uint8Array; publicKey: Uint8Array; fingerprint: string; created: Date }): Promise<string> {
    const stored: StoredKey = { secretKey: base64Encode(key.secretKey), publicKey: base64Encode(key.publicKey), fingerprint: key.fingerprint, created: key.created.getTime() };
    await this.options.store.set(OWN_KEY, stored);
    this.#own = stored;
    this.#backedUp = (await this.options.store.get(BACKED_UP_KEY)) === stored.fingerprint;
    this.#changed();
    this.emit('key');
    await this.#announce(stored);
    return stored.fingerprint;
  }

  /** The public key in its data node, then its fingerprint in the metadata node (in that order, §4.2). */
  async #announce(own: StoredKey): Promise<void> {
    const { oxPublicKeyNode, pubkeyElement, publicKeysListElement } = await ox();
    const now = new Date();
    await this.options.pep.publish(oxPublicKeyNode(own.fingerprint), pubkeyElement(base64Decode(own.publicKey), now), { itemId: xmppDateTime(now) });
    await this.options.pep.publish(PUBLIC_KEYS_NODE, publicKeysListElement([{ fingerprint: own.fingerprint, date: now }]));
  }

  /**
   * Puts the secret key on the server, encrypted with a new backup code
   * (XEP-0373 §5), in a node only this account reads. Returns the code, to
   * be shown once: it is the only way to open the backup.
   */
  async backUp(): Promise<string> {
    const own = await this.#ownKey();
    if (!own) throw new Error('no OpenPGP key to back up');
    const [{ sealSecretKeyBackup, secretKeyElement }, { generateBackupCode }] = await Promise.all([ox(), import('@conexizan/crypto/backup')]);
    const code = generateBackupCode();
    const backup = await sealSecretKeyBackup(base64Decode(own.secretKey), code);
    await this.options.pep.publish(SECRET_KEY_NODE, secretKeyElement(backup), { access: 'whitelist' });
    await this.options.store.set(BACKED_UP_KEY, own.fingerprint);
    this.#backedUp = true;
    this.#changed();
    return code;
  }

  /** Whether the server keeps a secret key backup of this account (another browser made one). */
  async serverBackup(): Promise<boolean> {
    return (await this.options.pep.fetchItem(this.options.jid, SECRET_KEY_NODE).catch(() => null)) !== null;
  }

  /** Brings the account's key into this browser from the server's backup, opened with the code the user kept. */
  async restore(code: string): Promise<string> {
    const { openSecretKeyBackup, parseSecretKey, importOxSecretKey } = await ox();
    const backup = parseSecretKey(await this.options.pep.fetchItem(this.options.jid, SECRET_KEY_NODE));
    const secretKey = await openSecretKeyBackup(backup, code, this.options.jid);
    const key = await importOxSecretKey(secretKey, this.options.jid);
    await this.options.store.set(BACKED_UP_KEY, key.fingerprint);
    return this.#adopt(key);
  }

  peer(jid: string): OpenPgpPeer {
    return this.#peers.get(jid) ?? {};
  }

  /** Looks the contact's published key up (the newest one its metadata node announces), once in a while. */
  async checkPeer(jid: string, again = false): Promise<OpenPgpPeer> {
    const found = await this.#peerKey(jid, again).catch(() => null);
    const info: OpenPgpPeer = { fingerprint: found?.fingerprint ?? null, verified: found?.verified ?? false };
    this.#peers.set(jid, info);
    this.emit('change');
    return info;
  }

  /** The user compared the contact's fingerprint (in person, by QR code…): their messages say so. */
  async setVerified(jid: string, fingerprint: string, verified: boolean): Promise<void> {
    // Shown at once; kept below.
    const current = this.#peers.get(jid);
    if (current?.fingerprint === fingerprint) {
      this.#peers.set(jid, { ...current, verified });
      this.emit('change');
    }
    const stored = (await this.options.store.get(PEER_KEY + jid)) as StoredPeer | undefined;
    if (!stored || stored.fingerprint !== fingerprint) return;
    await this.options.store.set(PEER_KEY + jid, { ...stored, verified });
    await this.checkPeer(jid);
  }

  #peerKey(jid: string, again: boolean): Promise<StoredPeer | null> {
    let lookup = this.#looking.get(jid);
    if (!lookup) {
      lookup = this.#lookUp(jid, again).finally(() => this.#looking.delete(jid));
      this.#looking.set(jid, lookup);
    }
    return lookup;
  }

  async #lookUp(jid: string, again: boolean): Promise<StoredPeer | null> {
    const stored = (await this.options.store.get(PEER_KEY + jid)) as StoredPeer | undefined;
    if (stored && !again && Date.now() - stored.checkedAt < PEER_KEY_FRESH_MS) return stored;
    const { parsePublicKeysList, parsePubkey, readOxPublicKey, oxPublicKeyNode, xmppUserId } = await ox();
    const newest = parsePublicKeysList(await this.options.pep.fetchItem(jid, PUBLIC_KEYS_NODE))[0];
    if (!newest) {
      await this.options.store.delete(PEER_KEY + jid);
      return null;
    }
    if (stored?.fingerprint === newest.fingerprint) {
      const fresh = { ...stored, checkedAt: Date.now() };
      await this.options.store.set(PEER_KEY + jid, fresh);
      return fresh;
    }
    const items = await this.options.pep.fetchItems(jid, oxPublicKeyNode(newest.fingerprint), { max: 1 });
    const key = await readOxPublicKey(parsePubkey(items[0]?.payload), newest.fingerprint);
    // A key for someone else's address, or one that cannot be used, is not this contact's.
    if (!key.usable || !key.userIds.includes(xmppUserId(jid))) return null;
    // A new key is not the one the user may have verified.
    const fresh: StoredPeer = { fingerprint: key.fingerprint, publicKey: base64Encode(key.publicKey), checkedAt: Date.now() };
    await this.options.store.set(PEER_KEY + jid, fresh);
    return fresh;
  }

  /** A PEP notification; true if it was a contact's (or our own) OpenPGP key list. */
  onPepEvent(stanza: Element): boolean {
    const node = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items')?.attrs.node;
    if (node !== PUBLIC_KEYS_NODE) return false;
    const from = bare(stanza.attrs.from ?? '');
    if (from === this.options.jid) void this.start().catch(() => {});
    else if (from) void this.checkPeer(from, true).catch(() => {});
    return true;
  }

  /**
   * A chat message to `to` as XEP-0374 sends it: the body (and a file link)
   * signed and encrypted to the contact's key and our own, a fallback body
   * for clients without OpenPGP, and the storage hint. Refused (nothing
   * goes out) when either key is missing.
   */
  async seal(stanza: Element, to: string, id: string): Promise<Element> {
    const own = await this.#ownKey();
    const { OxError: OxErrorClass, sealSigncrypt } = await ox();
    if (!own) throw new EncryptionRefusedError(to, new OxErrorClass('no-secret-key', 'this browser has no OpenPGP key'));
    let peer = await this.#peerKey(to, false).catch(() => null);
    peer ??= await this.#peerKey(to, true).catch(() => null);
    if (!peer) {
      void this.checkPeer(to).catch(() => {});
      throw new EncryptionRefusedError(to, new OxErrorClass('no-key', 'the contact has published no OpenPGP key'));
    }
    const oob = stanza.getChild('x', NS.OOB);
    const content = [xml('body', { xmlns: NS.CLIENT }, stanza.getChildText('body') ?? ''), ...(oob ? [oob] : [])];
    const element = await sealSigncrypt({ content, to: [to], secretKey: base64Decode(own.secretKey), encryptionKeys: [base64Decode(peer.publicKey), base64Decode(own.publicKey)] });
    this.options.onSent(to, id, peer.verified ? 'encrypted-verified' : 'encrypted');
    const rest = without(stanza, (c) => c.name === 'body' || (c.name === 'x' && c.getNS() === NS.OOB) || (c.name === 'store' && c.getNS() === NS.HINTS));
    rest.attrs.id = id;
    rest.append(element);
    rest.append(xml('encryption', { xmlns: NS.EME, namespace: NS.OPENPGP, name: 'OpenPGP for XMPP' }));
    rest.append(xml('body', {}, OPENPGP_FALLBACK_BODY));
    rest.append(xml('store', { xmlns: NS.HINTS }));
    return rest;
  }

  /**
   * An incoming (or carbon, or archived) OpenPGP message, opened and
   * verified: its text as the body with a security mark, or a sentence
   * saying why it cannot be read (a forged signature, not for us…). The
   * fallback body is never shown as the message.
   */
  async open(message: Element, options: { sender: string; recipients: string[] }): Promise<Element> {
    const element = message.getChild('openpgp', NS.OPENPGP)!;
    const plain = without(message, (c) => c.name === 'body' || c.name === 'openpgp' || (c.name === 'encryption' && c.getNS() === NS.EME) || (c.name === 'x' && c.getNS() === NS.OOB) || c.getNS() === SECURITY_MARK_NS);
    const { openSigncrypt, OxError: OxErrorClass } = await ox();
    try {
      const own = await this.#ownKey();
      if (!own) throw new OxErrorClass('no-secret-key', 'this browser has no OpenPGP key');
      const senderKey = async (again: boolean): Promise<StoredPeer | null> =>
        options.sender === this.options.jid ? { fingerprint: own.fingerprint, publicKey: own.publicKey, checkedAt: Date.now(), verified: true } : this.#peerKey(options.sender, again);
      const attempt = async (again: boolean) => {
        const key = await senderKey(again).catch(() => null);
        if (!key) throw new OxErrorClass('no-key', 'the sender has published no OpenPGP key');
        const opened = await openSigncrypt(element, { secretKey: base64Decode(own.secretKey), senderKeys: [base64Decode(key.publicKey)], sender: options.sender, recipients: options.recipients });
        return { opened, key };
      };
      // A signature by a key we have not seen yet: the contact may have a new one; look once more.
      const { opened, key } = await attempt(false).catch((error: OxError) => (error.code === 'bad-signature' || error.code === 'no-key' ? attempt(true) : Promise.reject(error)));
      const text = opened.payload.find((c) => c.name === 'body')?.getText() ?? '';
      const url = opened.payload.find((c) => c.name === 'x' && c.getNS() === NS.OOB)?.getChildText('url');
      if (!text) return plain;
      plain.append(xml('body', {}, text));
      if (url) plain.append(xml('x', { xmlns: NS.OOB }, xml('url', {}, url)));
      plain.append(securityMark({ security: key.verified ? 'encrypted-verified' : 'encrypted', method: 'openpgp' }));
      return plain;
    } catch (thrown) {
      const code: OxErrorCode = thrown instanceof OxErrorClass ? thrown.code : 'malformed';
      if (!(thrown instanceof OxErrorClass)) console.warn('OpenPGP decryption failed unexpectedly:', (thrown as Error)?.message);
      plain.append(xml('body', {}, EXPLANATIONS[code] ?? EXPLANATIONS.malformed!));
      // Without the account's key here yet, the ciphertext is kept to open once it comes (restored from the backup).
      plain.append(securityMark({ security: 'encrypted', undecryptable: code, method: 'openpgp', ...(code === 'no-secret-key' ? { sealed: element.getText().replace(/\s+/g, '') } : {}) }));
      return plain;
    }
  }

  /** Opens a message kept sealed (see open) now that the key is here; null while it still cannot be read. */
  async reopen(message: { peer: string; outgoing: boolean; sealed?: string }): Promise<{ body: string; security: MessageSecurity; undecryptable?: OxErrorCode } | null> {
    if (!message.sealed) return null;
    const own = this.options.jid;
    const stanza = xml('message', { from: message.outgoing ? own : message.peer, to: message.outgoing ? message.peer : own, type: 'chat' }, xml('openpgp', { xmlns: NS.OPENPGP }, message.sealed));
    const opened = await this.open(stanza, { sender: message.outgoing ? own : message.peer, recipients: message.outgoing ? [own, message.peer] : [own] });
    const mark = opened.getChild('security', SECURITY_MARK_NS);
    if (!mark || mark.attrs.error === 'no-secret-key') return null;
    return { body: opened.getChildText('body') ?? '', security: mark.attrs.level as MessageSecurity, ...(mark.attrs.error ? { undecryptable: mark.attrs.error as OxErrorCode } : {}) };
  }
}

/** Said in place of an OpenPGP message that cannot be read (views translate by code; this is the fallback). */
const EXPLANATIONS: Partial<Record<OxErrorCode, string>> = {
  'no-secret-key': 'This message is encrypted with OpenPGP, which is not set up in this browser.',
  'no-key': 'The sender has published no OpenPGP key to check this message with.',
  'not-for-us': 'This message was not encrypted for your OpenPGP key.',
  'bad-signature': 'This message is not signed by the sender’s OpenPGP key: it may be forged.',
  'wrong-recipient': 'This message was written for someone else and forwarded to you.',
  malformed: 'This OpenPGP message is damaged.',
};
