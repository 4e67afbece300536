import { SessionBuilder, SessionCipher, SignalProtocolAddress } from '@privacyresearch/libsignal-protocol-typescript';
import { NS } from '@conexizan/protocol/namespaces';
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
import { Omemo2Cipher, trustForm } from './v2/cipher.ts';
import { Omemo2Device } from './v2/device.ts';
import { bodyContent, buildEnvelope, openPayload2, readEnvelope, sealPayload2 } from './v2/sce.ts';
import { buildBundle2, buildDevices2, buildEncrypted2, parseBundle2, parseDevices2, parseEncrypted2 } from './v2/xml.ts';

/** Which OMEMO a device speaks: XEP-0384 v0.3 (eu.siacs.conversations.axolotl) or OMEMO 2 (urn:xmpp:omemo:2). */
export type OmemoVersion = '0.3' | '2';

/** Messages received from a device without answering before an empty message is sent back. */
export const STALE_AFTER = 53;

/** How the account reaches PEP; the web client implements it with its XMPP connection. */
export interface OmemoDirectory {
  /** the <list/> from jid's eu.siacs.conversations.axolotl.devicelist node, or null if it has none */
  fetchDeviceList(jid: string): Promise<Element | null>;
  /** the <bundle/> from jid's eu.siacs.conversations.axolotl.bundles:<deviceId> node, or null */
  fetchBundle(jid: string, deviceId: number): Promise<Element | null>;
  /** the OMEMO 2 <devices/> from jid's urn:xmpp:omemo:2:devices node, or null; a directory without it speaks 0.3 only */
  fetchDeviceList2?(jid: string): Promise<Element | null>;
  /** the OMEMO 2 <bundle/> of one device (item deviceId of urn:xmpp:omemo:2:bundles), or null */
  fetchBundle2?(jid: string, deviceId: number): Promise<Element | null>;
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
  /** the 0.3 <encrypted/> element, when a recipient device speaks only 0.3 */
  element?: Element;
  /** the OMEMO 2 <encrypted/> element, when a recipient device speaks it (the newest each device speaks is used) */
  element2?: Element;
  devices: { jid: string; deviceId: number; version: OmemoVersion }[];
  /** devices left out, and why (untrusted, bundle missing or bad...) */
  skipped: SkippedDevice[];
}

export interface EncryptOptions {
  /** OMEMO 2 encrypts stanza content (XEP-0420): these elements instead of just a <body> with the text */
  content?: Element[];
  /** the <to> affix: the recipient's bare JID (default: the first recipient) or, in a group, the room */
  to?: string;
  /** a group: recipients without any usable device are skipped instead of refusing the message */
  allowMissing?: boolean;
}

export interface DecryptResult {
  /** null for an empty OMEMO message (heartbeat or key transport) */
  plaintext: string | null;
  /** OMEMO 2: the decrypted <content/> of the envelope (the body and whatever else the sender encrypted) */
  content?: Element;
  version: OmemoVersion;
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
  /** the versions this device announces (in the device lists we have seen) */
  versions: OmemoVersion[];
  /** the name the device gives itself (OMEMO 2 device lists) */
  label?: string;
  fingerprint?: string;
  trust?: TrustLevel;
  /** when the newest message this device sent us was written (ms since the epoch), as far as we have seen */
  lastMessageAt?: number;
}

export interface DecryptOptions {
  /** when the message was written (its delay stamp or arrival time): kept as the sending device's last activity */
  sentAt?: number;
  /**
   * OMEMO 2: who may be named in the envelope's <to> affix (our own JID; for a
   * carbon of our own message, its recipient; in a group, the room), and
   * whether it must be there (groups).
   */
  to?: string[];
  requireTo?: boolean;
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
  private readonly deviceLists2: DeviceLists;
  private readonly cipher: KeyCipher;
  private readonly cipher2: Omemo2Cipher;

  private constructor(
    readonly jid: string,
    readonly deviceId: number,
    private readonly store: OmemoStore,
    private readonly directory: OmemoDirectory | undefined,
    preKeyCount: number | undefined,
    v2: Omemo2Device,
  ) {
    this.signal = new SignalStore(store);
    this.keys = new OwnKeys(store, preKeyCount);
    this.trustBook = new TrustBook(store);
    this.deviceLists = new DeviceLists(store);
    this.deviceLists2 = new DeviceLists(store, KEY.devices2);
    this.cipher = new KeyCipher(this.signal, store, this.trustBook);
    this.cipher2 = new Omemo2Cipher(v2, this.trustBook);
  }

  /** Loads this device from the store, or creates it (identity, device id, 100 pre-keys for each version) on first use. */
  static async open(options: OmemoAccountOptions): Promise<OmemoAccount> {
    const keys = new OwnKeys(options.store, options.preKeyCount);
    const deviceId = await keys.ensure();
    const v2 = await Omemo2Device.open(options.store, await keys.identityKeyPair(), options.preKeyCount ?? 100);
    return new OmemoAccount(options.jid, deviceId, options.store, options.directory, options.preKeyCount, v2);
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

  /** The OMEMO 2 <bundle/> to publish as item deviceId of urn:xmpp:omemo:2:bundles. */
  async bundle2Element(): Promise<Element> {
    return buildBundle2(await this.cipher2.device.bundle());
  }

  /** The own OMEMO 2 <devices/> to publish: the known own devices (with their labels) plus this one, named `label`. */
  async devices2Element(label?: string): Promise<Element> {
    const known = await this.deviceLists2.get(this.jid);
    const others = (known?.active ?? []).filter((id) => id !== this.deviceId).map((id) => ({ id, ...(known?.labels?.[id] ? { label: known.labels[id] } : {}) }));
    return buildDevices2([...others, { id: this.deviceId, ...(label ? { label } : {}) }]);
  }

  /** Tops up the one-time pre-keys of both versions; true if a bundle must be published again. */
  async replenishPreKeys(): Promise<boolean> {
    const v03 = await this.keys.replenish();
    return (await this.cipher2.device.replenish()) || v03;
  }

  /** Call now and then (e.g. at login): a signed pre-key older than a week is replaced. True: publish the bundles. */
  async rotateSignedPreKeyIfDue(maxAgeMs?: number, now?: number): Promise<boolean> {
    const v03 = await this.keys.rotateSignedPreKeyIfDue(maxAgeMs, now);
    return (await this.cipher2.device.rotateSignedPreKeyIfDue(maxAgeMs, now)) || v03;
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

  /** The OMEMO 2 counterpart of updateDeviceList (a <devices/> of urn:xmpp:omemo:2). */
  async updateDeviceList2(jid: string, list: Element): Promise<DeviceListChange & { mustRepublish: boolean }> {
    const devices = parseDevices2(list);
    const labels = Object.fromEntries(devices.flatMap((d) => (d.label ? [[d.id, d.label] as const] : [])));
    const change = await this.deviceLists2.set(jid, devices.map((d) => d.id), labels);
    return { ...change, mustRepublish: jid === this.jid && !devices.some((d) => d.id === this.deviceId) };
  }

  /** jid's devices of both versions, active ones first (for the own JID, this device left out). */
  async devices(jid: string): Promise<DeviceInfo[]> {
    const [lists, lists2] = await Promise.all([this.deviceLists.get(jid), this.deviceLists2.get(jid)]);
    const active = new Set([...(lists?.active ?? []), ...(lists2?.active ?? [])]);
    const all = [...active, ...new Set([...(lists?.inactive ?? []), ...(lists2?.inactive ?? [])].filter((id) => !active.has(id)))];
    const out: DeviceInfo[] = [];
    for (const deviceId of all) {
      if (jid === this.jid && deviceId === this.deviceId) continue;
      const versions: OmemoVersion[] = [...(lists?.active.includes(deviceId) ? ['0.3' as const] : []), ...(lists2?.active.includes(deviceId) ? ['2' as const] : [])];
      const trust = await this.trustBook.get(jid, deviceId);
      const info: DeviceInfo = { deviceId, active: active.has(deviceId), versions };
      if (trust) Object.assign(info, { fingerprint: formatFingerprint(trust.identityKey), trust: trust.level });
      const label = lists2?.labels?.[deviceId];
      if (label) info.label = label;
      const last = await this.store.get(KEY.lastActive(jid, deviceId));
      if (typeof last === 'number') info.lastMessageAt = last;
      out.push(info);
    }
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

  async hasSession(jid: string, deviceId: number, version: OmemoVersion = '0.3'): Promise<boolean> {
    if (version === '2') return this.cipher2.device.hasSession(jid, deviceId);
    return new SessionCipher(this.signal, new SignalProtocolAddress(jid, deviceId)).hasOpenSession();
  }

  /** Builds an OMEMO 2 session with jid's deviceId from its OMEMO 2 <bundle/> (verifying its signature). */
  async processBundle2(jid: string, deviceId: number, bundleElement: Element): Promise<void> {
    if (!isDeviceId(deviceId)) throw new OmemoError('bad-bundle', `device id ${deviceId} is out of range`);
    const bundle = parseBundle2(bundleElement);
    await this.trustBook.check(jid, deviceId, trustForm(bundle.identityKey), false);
    await this.cipher2.device.startSession(jid, deviceId, bundle);
    await this.trustBook.check(jid, deviceId, trustForm(bundle.identityKey), true);
  }

  /**
   * Encrypts `plaintext` for every device of every recipient that may receive
   * it, and for this account's other devices (so they show the message too):
   * with OMEMO 2 for the devices that announce it, with 0.3 for the others,
   * so a stanza may carry both elements.
   */
  async encryptMessage(recipients: (Recipient | string)[], plaintext: string | Uint8Array, options: EncryptOptions = {}): Promise<EncryptResult> {
    const bytes = typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext;
    if (bytes.length > MAX_PAYLOAD_BYTES) throw new OmemoError('too-large', `a message of ${bytes.length} bytes is over the ${MAX_PAYLOAD_BYTES} accepted; send a file instead`);
    const wanted = recipients.map((r) => (typeof r === 'string' ? { jid: r } : r));
    const { targets, skipped } = await this.targets(wanted, options.allowMissing ?? false);
    const result: EncryptResult = { devices: targets, skipped };
    const old = targets.filter((t) => t.version === '0.3');
    const fresh = targets.filter((t) => t.version === '2');
    if (old.length > 0 || fresh.length === 0) {
      const sealed = await sealPayload(bytes);
      const keys = await this.cipher.seal(old, sealed.keyMaterial);
      result.element = buildEncrypted({ sid: this.deviceId, iv: sealed.iv, keys, payload: sealed.payload });
    }
    if (fresh.length > 0) {
      const envelope = buildEnvelope(options.content ?? [bodyContent(utf8Decode(bytes))], { from: this.jid, to: options.to ?? wanted[0]?.jid ?? this.jid });
      const sealed = await sealPayload2(envelope);
      result.element2 = buildEncrypted2({ sid: this.deviceId, keys: await this.cipher2.seal(fresh, sealed.keyMaterial), payload: sealed.payload });
    }
    return result;
  }

  /**
   * A key transport element (XEP-0384 v0.3 KeyTransportElement): an
   * <encrypted/> without payload that gives every recipient device `key` and
   * `iv`, for protocols that encrypt elsewhere (e.g. Jingle file transfer).
   */
  async encryptKeyTransport(recipients: (Recipient | string)[]): Promise<EncryptResult & { element: Element; key: Uint8Array; iv: Uint8Array }> {
    const keyMaterial = emptyKeyMaterial();
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const { targets, skipped } = await this.targets(recipients.map((r) => (typeof r === 'string' ? { jid: r } : r)), false, ['0.3']);
    const keys = await this.cipher.seal(targets, keyMaterial);
    return { element: buildEncrypted({ sid: this.deviceId, iv, keys }), devices: targets, skipped, key: keyMaterial.slice(0, 16), iv };
  }

  /** An empty OMEMO message for one device: completes a session it started, or moves a stale one on. */
  async encryptHeartbeat(jid: string, deviceId: number, version: OmemoVersion = '0.3'): Promise<Element> {
    if (version === '2') {
      // OMEMO 2's empty message: 32 zero bytes as key material and no payload.
      return buildEncrypted2({ sid: this.deviceId, keys: await this.cipher2.seal([{ jid, deviceId }], new Uint8Array(32)) });
    }
    const keys = await this.cipher.seal([{ jid, deviceId }], emptyKeyMaterial());
    return buildEncrypted({ sid: this.deviceId, iv: globalThis.crypto.getRandomValues(new Uint8Array(12)), keys });
  }

  /**
   * Decrypts an <encrypted/> element from senderJid (bare), live, carbon-copied
   * or from the archive alike. Throws OmemoError saying why it cannot.
   */
  async decryptMessage(element: Element, senderJid: string, options: DecryptOptions = {}): Promise<DecryptResult> {
    if (element.getNS() === NS.OMEMO) return this.decryptMessage2(element, senderJid, options);
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
      version: '0.3',
      senderJid,
      senderDevice: message.sid,
      fingerprint: formatFingerprint(known.identityKey),
      trust,
      security: securityOf(trust),
      bundleChanged: false,
    };
    await this.noteActivity(senderJid, message.sid, options.sentAt);
    if (!message.payload) result.keyTransport = { key: keyMaterial.slice(0, 16), iv: message.iv };
    if ((await this.countUnanswered(senderJid, message.sid, key.prekey)) === 'answer') result.heartbeat = await this.encryptHeartbeat(senderJid, message.sid);
    if (key.prekey) result.bundleChanged = await this.keys.replenish();
    return result;
  }

  /** decryptMessage for an OMEMO 2 <encrypted/>: the key for this device, then the SCE envelope, its affixes checked. */
  private async decryptMessage2(element: Element, senderJid: string, options: DecryptOptions): Promise<DecryptResult> {
    const message = parseEncrypted2(element);
    if (senderJid === this.jid && message.sid === this.deviceId) {
      throw new OmemoError('sent-by-this-device', 'this device sent the message; it keeps no key for its own messages');
    }
    const key = message.keys.get(this.jid)?.find((k) => k.rid === this.deviceId);
    if (!key) throw new OmemoError('not-for-this-device', `the message was not encrypted for this device (${this.deviceId})`);
    const opened = await this.cipher2.open(senderJid, message.sid, key);
    const known = (await this.trustBook.get(senderJid, message.sid))!;
    const result: DecryptResult = {
      plaintext: null,
      version: '2',
      senderJid,
      senderDevice: message.sid,
      fingerprint: formatFingerprint(known.identityKey),
      trust: opened.trust,
      security: securityOf(opened.trust),
      bundleChanged: opened.usedPreKey,
    };
    if (message.payload) {
      const envelope = await openPayload2(message.payload, opened.keyMaterial);
      // A copy of our own message (carbon, archive) was addressed to whoever we wrote to.
      const to = options.to ?? (senderJid === this.jid ? undefined : [this.jid]);
      const content = readEnvelope(envelope, { from: senderJid, to, requireTo: options.requireTo ?? false });
      result.content = content;
      result.plaintext = content.getChildText('body', NS.CLIENT) ?? content.getChildText('body') ?? '';
    }
    await this.noteActivity(senderJid, message.sid, options.sentAt);
    if ((await this.countUnanswered(senderJid, message.sid, opened.answer)) === 'answer') result.heartbeat = await this.encryptHeartbeat(senderJid, message.sid, '2');
    return result;
  }

  private async noteActivity(jid: string, deviceId: number, sentAt: number | undefined): Promise<void> {
    if (sentAt === undefined || !Number.isFinite(sentAt)) return;
    const last = await this.store.get(KEY.lastActive(jid, deviceId));
    if (typeof last !== 'number' || last < sentAt) await this.store.set(KEY.lastActive(jid, deviceId), sentAt);
  }

  /**
   * An answer completes a session the sender started, and moves a one-sided
   * conversation's ratchet on (python-omemo's STALENESS_MAGIC_NUMBER is 53).
   */
  private async countUnanswered(jid: string, deviceId: number, startedSession: boolean): Promise<'answer' | 'wait'> {
    const unanswered = ((await this.store.get(KEY.unanswered(jid, deviceId))) as number | undefined) ?? 0;
    await this.store.set(KEY.unanswered(jid, deviceId), unanswered + 1);
    return startedSession || unanswered + 1 >= STALE_AFTER ? 'answer' : 'wait';
  }

  private async targets(
    recipients: Recipient[],
    allowMissing: boolean,
    versions: OmemoVersion[] = ['2', '0.3'],
  ): Promise<{ targets: { jid: string; deviceId: number; version: OmemoVersion }[]; skipped: SkippedDevice[] }> {
    const targets: { jid: string; deviceId: number; version: OmemoVersion }[] = [];
    const skipped: SkippedDevice[] = [];
    const all = recipients.some((r) => r.jid === this.jid) ? recipients : [...recipients, { jid: this.jid }];
    for (const recipient of all) {
      const own = recipient.jid === this.jid;
      const known = await this.knownDevices(recipient.jid, own, versions);
      const ids = (recipient.deviceIds ?? [...new Set([...known['2'], ...known['0.3']])]).filter((id) => !(own && id === this.deviceId));
      let usable = 0;
      for (const deviceId of ids) {
        // The newest version the device speaks; 0.3 again if its OMEMO 2 bundle is unusable.
        const candidates: OmemoVersion[] = versions.filter((v) => known[v].includes(deviceId) || (recipient.deviceIds && v === '0.3'));
        let lastError: OmemoError | undefined;
        for (const version of candidates) {
          try {
            await this.ensureSession(recipient.jid, deviceId, version);
            const trust = await this.trustBook.get(recipient.jid, deviceId);
            if (!trust || !canSendTo(trust.level)) throw new OmemoError('untrusted', `device ${deviceId} of ${recipient.jid} is ${trust?.level ?? 'unknown'}`);
            targets.push({ jid: recipient.jid, deviceId, version });
            usable++;
            lastError = undefined;
            break;
          } catch (error) {
            if (!(error instanceof OmemoError)) throw error;
            lastError = error;
            if (error.code === 'untrusted') break;
          }
        }
        if (lastError) skipped.push({ jid: recipient.jid, deviceId, reason: lastError.code, message: lastError.message });
      }
      if (usable === 0 && !own && !allowMissing) {
        throw new OmemoError('no-devices', `${recipient.jid} has no OMEMO device this account may encrypt for`);
      }
      if (usable === 0 && !own) skipped.push({ jid: recipient.jid, deviceId: 0, reason: 'no-devices', message: `${recipient.jid} has no OMEMO device this account may encrypt for` });
    }
    return { targets, skipped };
  }

  /** jid's active devices per version, from what we know or, the first time, from its device lists. */
  private async knownDevices(jid: string, own: boolean, versions: OmemoVersion[]): Promise<Record<OmemoVersion, number[]>> {
    const out: Record<OmemoVersion, number[]> = { '0.3': [], '2': [] };
    for (const version of versions) {
      const book = version === '2' ? this.deviceLists2 : this.deviceLists;
      const known = await book.active(jid);
      if (known) {
        out[version] = known;
        continue;
      }
      const fetch = version === '2' ? this.directory?.fetchDeviceList2?.bind(this.directory) : this.directory?.fetchDeviceList.bind(this.directory);
      if (!fetch) continue;
      try {
        const list = await fetch(jid);
        if (list) out[version] = (await (version === '2' ? this.updateDeviceList2(jid, list) : this.updateDeviceList(jid, list))).devices;
      } catch (error) {
        // An error answer (a device list only contacts may read: presence access) means no device we can use;
        // no answer at all (a timeout, the connection gone) is passed on.
        if (own || error instanceof OmemoError || version === '2' || typeof (error as { condition?: unknown }).condition === 'string') continue;
        throw error;
      }
    }
    return out;
  }

  private async ensureSession(jid: string, deviceId: number, version: OmemoVersion): Promise<void> {
    if (await this.hasSession(jid, deviceId, version)) return;
    if (!this.directory) throw new OmemoError('no-session', `no session with device ${deviceId} of ${jid} and no way to fetch its bundle`);
    const bundle = await (version === '2' ? this.directory.fetchBundle2?.(jid, deviceId) : this.directory.fetchBundle(jid, deviceId))?.catch(() => null);
    if (!bundle) throw new OmemoError('bad-bundle', `device ${deviceId} of ${jid} has no ${version === '2' ? 'OMEMO 2 ' : ''}bundle`);
    if (version === '2') await this.processBundle2(jid, deviceId, bundle);
    else await this.processBundle(jid, deviceId, bundle);
  }
}

