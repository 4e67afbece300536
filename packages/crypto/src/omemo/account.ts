import { SessionBuilder, SessionCipher, SignalProtocolAddress } from '@privacyresearch/libsignal-protocol-typescript';
import type { Element } from '@conexizan/protocol/xml';
import { utf8Decode, utf8Encode } from '../bytes.ts';
import { DeviceLists, type DeviceListChange } from './devices.ts';
import { OmemoError, type OmemoErrorCode } from './errors.ts';
import { formatFingerprint } from './fingerprint.ts';
import { OwnKeys } from './own-keys.ts';
import { emptyKeyMaterial, openPayload, sealPayload } from './payload.ts';
import { KeyCipher } from './key-cipher.ts';
import { KEY, SignalStore, toBuffer } from './signal-store.ts';
import type { OmemoStore } from './store.ts';
import { canSendTo, securityOf, TrustBook, type MessageSecurity, type TrustLevel } from './trust.ts';
import { MAX_PAYLOAD_BYTES, buildBundle, buildDeviceList, buildEncrypted, isDeviceId, parseBundle, parseDeviceList, parseEncrypted } from './xml.ts';

/** Messages received from a device without answering before an empty message is sent back. */
export const STALE_AFTER = 53;

/** How the account reaches PEP; the web client implements it with its XMPP connection. */
export interface OmemoDirectory {
  /** the <list/> from jid's eu.siacs.conversations.axolotl.devicelist node, or null if it has none */
  fetchDeviceList(jid: string): Promise<Element | null>;
  /** the <bundle/> from jid's eu.siacs.conversations.axolotl.bundles:<deviceId> node, or null */
  fetchBundle(jid: string, deviceId: number): Promise<Element | null>;
}

export interface OmemoAccountOptions {
  /** own bare JID */
  jid: string;
  store: OmemoStore;
  directory?: OmemoDirectory;
  /** one-time pre-keys kept published; 100 like Conversations (tests use fewer: each takes a key generation) */
  preKeyCount?: number;
}

export interface Recipient {
  /** bare JID */
  jid: string;
  /** devices to encrypt for; default: the JID's last known (or fetched) device list */
  deviceIds?: number[];
}

export interface SkippedDevice {
  jid: string;
  deviceId: number;
  reason: OmemoErrorCode;
  message: string;
}

export interface EncryptResult {
  /** the <encrypted/> element to put in the <message/> */
  element: Element;
  devices: { jid: string; deviceId: number }[];
  /** devices left out, and why (untrusted, bundle missing or bad...) */
  skipped: SkippedDevice[];
}

export interface DecryptResult {
  /** null for an empty OMEMO message (heartbeat or key transport) */
  plaintext: string | null;
  senderJid: string;
  senderDevice: number;
  fingerprint: string;
  trust: TrustLevel;
  security: MessageSecurity;
  /**
   * For an empty message: the 16-byte key and the IV it transported (a
   * KeyTransportElement, e.g. for Jingle); null plaintext with this unused is
   * just a heartbeat.
   */
  keyTransport?: { key: Uint8Array; iv: Uint8Array };
  /** send this back to senderJid: it completes the session the sender started */
  heartbeat?: Element;
  /** pre-keys were used up and replaced: publish bundleElement() again */
  bundleChanged: boolean;
}

export interface DeviceInfo {
  deviceId: number;
  active: boolean;
  fingerprint?: string;
  trust?: TrustLevel;
  /** when the newest message this device sent us was written (ms since the epoch), as far as we have seen */
  lastMessageAt?: number;
}

export interface DecryptOptions {
  /** when the message was written (its delay stamp or arrival time): kept as the sending device's last activity */
  sentAt?: number;
}

/**
 * One OMEMO device (XEP-0384 v0.3, eu.siacs.conversations.axolotl) of the
 * account `jid`, on top of libsignal. It never talks to the network itself:
 * it builds and reads the XML, and asks `directory` for device lists and
 * bundles when it needs them.
 */
export class OmemoAccount {
  private readonly signal: SignalStore;
  private readonly keys: OwnKeys;
  private readonly trustBook: TrustBook;
  private readonly deviceLists: DeviceLists;
  private readonly cipher: KeyCipher;

  private constructor(
    readonly jid: string,
    readonly deviceId: number,
    private readonly store: OmemoStore,
    private readonly directory: OmemoDirectory | undefined,
    preKeyCount: number | undefined,
  ) {
    this.signal = new SignalStore(store);
    this.keys = new OwnKeys(store, preKeyCount);
    this.trustBook = new TrustBook(store);
    this.deviceLists = new DeviceLists(store);
    this.cipher = new KeyCipher(this.signal, store, this.trustBook);
  }

  /** Loads this device from the store, or creates it (identity, device id, 100 pre-keys) on first use. */
  static async open(options: OmemoAccountOptions): Promise<OmemoAccount> {
    const deviceId = await new OwnKeys(options.store, options.preKeyCount).ensure();
    return new OmemoAccount(options.jid, deviceId, options.store, options.directory, options.preKeyCount);
  }

  async fingerprint(): Promise<string> {
    return formatFingerprint(await this.keys.identityPublicKey());
  }

  /** The <bundle/> to publish at bundleNode(deviceId) (access model open). */
  async bundleElement(): Promise<Element> {
    return buildBundle(await this.keys.bundle());
  }

  /** The own <list/> to publish: the known own devices plus this one. */
  async deviceListElement(): Promise<Element> {
    const known = (await this.deviceLists.active(this.jid)) ?? [];
    return buildDeviceList([...known, this.deviceId]);
  }

  /** Tops up the one-time pre-keys; true if the bundle must be published again. */
  replenishPreKeys(): Promise<boolean> {
    return this.keys.replenish();
  }

  /** Call now and then (e.g. at login): a signed pre-key older than a week is replaced. True: publish the bundle. */
  rotateSignedPreKeyIfDue(maxAgeMs?: number, now?: number): Promise<boolean> {
    return this.keys.rotateSignedPreKeyIfDue(maxAgeMs, now);
  }

  /**
   * A device list from PEP (a notification or a fetch). Devices that left the
   * list are no longer encrypted for. For the own JID, `mustRepublish` says
   * this device is missing from it and deviceListElement() must be published.
   */
  async updateDeviceList(jid: string, list: Element): Promise<DeviceListChange & { mustRepublish: boolean }> {
    const ids = parseDeviceList(list);
    const change = await this.deviceLists.set(jid, ids);
    return { ...change, mustRepublish: jid === this.jid && !ids.includes(this.deviceId) };
  }

  async devices(jid: string): Promise<DeviceInfo[]> {
    const lists = await this.deviceLists.get(jid);
    const out: DeviceInfo[] = [];
    const describe = async (deviceId: number, active: boolean) => {
      const trust = await this.trustBook.get(jid, deviceId);
      const info: DeviceInfo = trust ? { deviceId, active, fingerprint: formatFingerprint(trust.identityKey), trust: trust.level } : { deviceId, active };
      const last = await this.store.get(KEY.lastActive(jid, deviceId));
      if (typeof last === 'number') info.lastMessageAt = last;
      out.push(info);
    };
    for (const id of lists?.active ?? []) if (!(jid === this.jid && id === this.deviceId)) await describe(id, true);
    for (const id of lists?.inactive ?? []) await describe(id, false);
    return out;
  }

  /** Manual verification ('verified'), distrust ('distrusted'), or back to 'blind'. */
  setTrust(jid: string, deviceId: number, level: TrustLevel): Promise<void> {
    return this.trustBook.set(jid, deviceId, level);
  }

  /** Builds a session with jid's deviceId from its <bundle/> (verifying its signature). */
  async processBundle(jid: string, deviceId: number, bundleElement: Element): Promise<void> {
    if (!isDeviceId(deviceId)) throw new OmemoError('bad-bundle', `device id ${deviceId} is out of range`);
    const bundle = parseBundle(bundleElement);
    await this.trustBook.check(jid, deviceId, bundle.identityKey, false);
    const preKey = bundle.preKeys[globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % bundle.preKeys.length]!;
    const builder = new SessionBuilder(this.signal, new SignalProtocolAddress(jid, deviceId));
    try {
      await builder.processPreKey({
        identityKey: toBuffer(bundle.identityKey),
        registrationId: 0,
        signedPreKey: { keyId: bundle.signedPreKeyId, publicKey: toBuffer(bundle.signedPreKeyPublic), signature: toBuffer(bundle.signedPreKeySignature) },
        preKey: { keyId: preKey.id, publicKey: toBuffer(preKey.publicKey) },
      });
    } catch (cause) {
      if (/signature/i.test(String((cause as Error)?.message))) {
        throw new OmemoError('bad-bundle-signature', `the bundle of device ${deviceId} of ${jid} has a signed pre-key whose signature does not verify`, { cause });
      }
      throw new OmemoError('bad-bundle', `no session could be built from the bundle of device ${deviceId} of ${jid}`, { cause });
    }
    await this.trustBook.check(jid, deviceId, bundle.identityKey, true);
  }

  async hasSession(jid: string, deviceId: number): Promise<boolean> {
    return new SessionCipher(this.signal, new SignalProtocolAddress(jid, deviceId)).hasOpenSession();
  }

  /**
   * Encrypts `plaintext` for every device of every recipient that may receive
   * it, and for this account's other devices (so they show the message too).
   */
  async encryptMessage(recipients: (Recipient | string)[], plaintext: string | Uint8Array): Promise<EncryptResult> {
    const bytes = typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext;
    if (bytes.length > MAX_PAYLOAD_BYTES) throw new OmemoError('too-large', `a message of ${bytes.length} bytes is over the ${MAX_PAYLOAD_BYTES} accepted; send a file instead`);
    const sealed = await sealPayload(bytes);
    const { targets, skipped } = await this.targets(recipients.map((r) => (typeof r === 'string' ? { jid: r } : r)));
    const keys = await this.cipher.seal(targets, sealed.keyMaterial);
    return { element: buildEncrypted({ sid: this.deviceId, iv: sealed.iv, keys, payload: sealed.payload }), devices: targets, skipped };
  }

  /**
   * A key transport element (XEP-0384 v0.3 KeyTransportElement): an
   * <encrypted/> without payload that gives every recipient device `key` and
   * `iv`, for protocols that encrypt elsewhere (e.g. Jingle file transfer).
   */
  async encryptKeyTransport(recipients: (Recipient | string)[]): Promise<EncryptResult & { key: Uint8Array; iv: Uint8Array }> {
    const keyMaterial = emptyKeyMaterial();
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const { targets, skipped } = await this.targets(recipients.map((r) => (typeof r === 'string' ? { jid: r } : r)));
    const keys = await this.cipher.seal(targets, keyMaterial);
    return { element: buildEncrypted({ sid: this.deviceId, iv, keys }), devices: targets, skipped, key: keyMaterial.slice(0, 16), iv };
  }

  /** An empty OMEMO message for one device: completes a session it started, or moves a stale one on. */
  async encryptHeartbeat(jid: string, deviceId: number): Promise<Element> {
    const keys = await this.cipher.seal([{ jid, deviceId }], emptyKeyMaterial());
    return buildEncrypted({ sid: this.deviceId, iv: globalThis.crypto.getRandomValues(new Uint8Array(12)), keys });
  }

  /**
   * Decrypts an <encrypted/> element from senderJid (bare), live, carbon-copied
   * or from the archive alike. Throws OmemoError saying why it cannot.
   */
  async decryptMessage(element: Element, senderJid: string, options: DecryptOptions = {}): Promise<DecryptResult> {
    const message = parseEncrypted(element);
    if (senderJid === this.jid && message.sid === this.deviceId) {
      throw new OmemoError('sent-by-this-device', 'this device sent the message; it keeps no key for its own messages');
    }
    const key = message.keys.find((k) => k.rid === this.deviceId);
    if (!key) throw new OmemoError('not-for-this-device', `the message was not encrypted for this device (${this.deviceId})`);
    const { keyMaterial, trust } = key.prekey ? await this.cipher.openKeyExchange(senderJid, message.sid, key) : await this.cipher.openKey(senderJid, message.sid, key);
    const known = (await this.trustBook.get(senderJid, message.sid))!;
    const result: DecryptResult = {
      plaintext: message.payload ? utf8Decode(await openPayload(message.payload, message.iv, keyMaterial)) : null,
      senderJid,
      senderDevice: message.sid,
      fingerprint: formatFingerprint(known.identityKey),
      trust,
      security: securityOf(trust),
      bundleChanged: false,
    };
    if (options.sentAt !== undefined && Number.isFinite(options.sentAt)) {
      const last = await this.store.get(KEY.lastActive(senderJid, message.sid));
      if (typeof last !== 'number' || last < options.sentAt) await this.store.set(KEY.lastActive(senderJid, message.sid), options.sentAt);
    }
    const unanswered = ((await this.store.get(KEY.unanswered(senderJid, message.sid))) as number | undefined) ?? 0;
    await this.store.set(KEY.unanswered(senderJid, message.sid), unanswered + 1);
    if (!message.payload) result.keyTransport = { key: keyMaterial.slice(0, 16), iv: message.iv };
    // An answer completes a session the sender started, and moves a one-sided
    // conversation's ratchet on (python-omemo's STALENESS_MAGIC_NUMBER is 53).
    if (key.prekey || unanswered + 1 >= STALE_AFTER) result.heartbeat = await this.encryptHeartbeat(senderJid, message.sid);
    if (key.prekey) result.bundleChanged = await this.keys.replenish();
    return result;
  }

  private async targets(recipients: Recipient[]): Promise<{ targets: { jid: string; deviceId: number }[]; skipped: SkippedDevice[] }> {
    const targets: { jid: string; deviceId: number }[] = [];
    const skipped: SkippedDevice[] = [];
    const all = recipients.some((r) => r.jid === this.jid) ? recipients : [...recipients, { jid: this.jid }];
    for (const recipient of all) {
      const own = recipient.jid === this.jid;
      const ids = (recipient.deviceIds ?? (await this.knownDevices(recipient.jid, own))).filter((id) => !(own && id === this.deviceId));
      let usable = 0;
      for (const deviceId of ids) {
        try {
          await this.ensureSession(recipient.jid, deviceId);
          const trust = await this.trustBook.get(recipient.jid, deviceId);
          if (!trust || !canSendTo(trust.level)) throw new OmemoError('untrusted', `device ${deviceId} of ${recipient.jid} is ${trust?.level ?? 'unknown'}`);
          targets.push({ jid: recipient.jid, deviceId });
          usable++;
        } catch (error) {
          if (!(error instanceof OmemoError)) throw error;
          skipped.push({ jid: recipient.jid, deviceId, reason: error.code, message: error.message });
        }
      }
      if (usable === 0 && !own) {
        throw new OmemoError('no-devices', `${recipient.jid} has no OMEMO device this account may encrypt for`);
      }
    }
    return { targets, skipped };
  }

  private async knownDevices(jid: string, own: boolean): Promise<number[]> {
    const known = await this.deviceLists.active(jid);
    if (known || !this.directory) return known ?? [];
    try {
      const list = await this.directory.fetchDeviceList(jid);
      return list ? (await this.updateDeviceList(jid, list)).devices : [];
    } catch (error) {
      if (own || error instanceof OmemoError) return [];
      throw error;
    }
  }

  private async ensureSession(jid: string, deviceId: number): Promise<void> {
    if (await this.hasSession(jid, deviceId)) return;
    if (!this.directory) throw new OmemoError('no-session', `no session with device ${deviceId} of ${jid} and no way to fetch its bundle`);
    const bundle = await this.directory.fetchBundle(jid, deviceId).catch(() => null);
    if (!bundle) throw new OmemoError('bad-bundle', `device ${deviceId} of ${jid} has no bundle`);
    await this.processBundle(jid, deviceId, bundle);
  }
}

