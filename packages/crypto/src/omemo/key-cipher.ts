import { SessionCipher, SignalProtocolAddress } from '@privacyresearch/libsignal-protocol-typescript';
import { OmemoError } from './errors.ts';
import { readKeyExchangeHeader } from './protobuf.ts';
import { KEY, toBuffer, type SignalStore } from './signal-store.ts';
import type { OmemoStore } from './store.ts';
import type { TrustBook, TrustLevel } from './trust.ts';
import type { OmemoKey } from './xml.ts';

/**
 * The per-device <key/> of a message: the message key (AES key + GCM tag)
 * sealed with libsignal for each recipient device, and opened again with
 * trust checked first and libsignal's failures turned into OmemoErrors.
 */
export class KeyCipher {
  constructor(
    private readonly signal: SignalStore,
    private readonly store: OmemoStore,
    private readonly trustBook: TrustBook,
  ) {}

  async seal(targets: { jid: string; deviceId: number }[], keyMaterial: Uint8Array): Promise<OmemoKey[]> {
    const keys: OmemoKey[] = [];
    for (const { jid, deviceId } of targets) {
      const cipher = new SessionCipher(this.signal, new SignalProtocolAddress(jid, deviceId));
      const sent = await cipher.encrypt(toBuffer(keyMaterial));
      const body = sent.body ?? '';
      const data = new Uint8Array(body.length);
      for (let i = 0; i < body.length; i++) data[i] = body.charCodeAt(i);
      keys.push({ rid: deviceId, prekey: sent.type === 3, data });
      await this.store.delete(KEY.unanswered(jid, deviceId));
    }
    return keys;
  }

  async openKeyExchange(jid: string, deviceId: number, key: OmemoKey): Promise<{ keyMaterial: Uint8Array; trust: TrustLevel }> {
    const header = readKeyExchangeHeader(key.data);
    if (!header.identityKey || header.identityKey.length !== 33) throw new OmemoError('corrupted', 'the pre-key message carries no identity key');
    const trust = await this.trustBook.check(jid, deviceId, header.identityKey, false);
    if (trust === 'distrusted') throw new OmemoError('untrusted', `device ${deviceId} of ${jid} is distrusted`);
    const cipher = new SessionCipher(this.signal, new SignalProtocolAddress(jid, deviceId));
    try {
      const keyMaterial = new Uint8Array(await cipher.decryptPreKeyWhisperMessage(toBuffer(key.data)));
      return { keyMaterial, trust: await this.trustBook.check(jid, deviceId, header.identityKey, true) };
    } catch (cause) {
      const used = header.preKeyId !== undefined && (await this.store.get(KEY.usedPreKey(header.preKeyId))) === true;
      if ((cause as Error)?.name === 'MessageCounterError' || used) {
        throw new OmemoError('replayed-prekey', `a pre-key message from device ${deviceId} of ${jid} on a pre-key that was already used (a replay, or a sender with an outdated bundle)`, { cause });
      }
      throw signalError(cause, jid, deviceId);
    }
  }

  async openKey(jid: string, deviceId: number, key: OmemoKey): Promise<{ keyMaterial: Uint8Array; trust: TrustLevel }> {
    const known = await this.trustBook.get(jid, deviceId);
    if (!known) throw new OmemoError('no-session', `no session with device ${deviceId} of ${jid}, and the message does not start one`);
    if (known.level === 'distrusted') throw new OmemoError('untrusted', `device ${deviceId} of ${jid} is distrusted`);
    const cipher = new SessionCipher(this.signal, new SignalProtocolAddress(jid, deviceId));
    try {
      return { keyMaterial: new Uint8Array(await cipher.decryptWhisperMessage(toBuffer(key.data))), trust: known.level };
    } catch (cause) {
      throw signalError(cause, jid, deviceId);
    }
  }
}

/** libsignal's error for one device's key, as an OmemoError that says what it means. */
function signalError(cause: unknown, jid: string, deviceId: number): OmemoError {
  if (cause instanceof OmemoError) return cause;
  const text = String((cause as Error)?.message ?? '');
  if ((cause as Error)?.name === 'MessageCounterError') {
    return new OmemoError('duplicate', `a message from device ${deviceId} of ${jid} that was already decrypted (replay or duplicate)`, { cause });
  }
  if (/No record|No session|Missing Signed PreKey/i.test(text)) {
    return new OmemoError('no-session', `no session with device ${deviceId} of ${jid} to decrypt this message`, { cause });
  }
  return new OmemoError('corrupted', `the key for this device from device ${deviceId} of ${jid} is damaged or was tampered with`, { cause });
}
