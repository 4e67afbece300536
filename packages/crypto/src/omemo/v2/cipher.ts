import { concatBytes } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import type { TrustBook, TrustLevel } from '../trust.ts';
import { Omemo2Device } from './device.ts';
import { ed25519ToCurve } from './primitives.ts';
import type { Key2 } from './xml.ts';

/**
 * OMEMO 2 keys for and from devices, with the account's trust decisions
 * applied the same way as for 0.3 (one TrustBook for both: a device keeps
 * its identity key across versions, so trust is recorded in the 0.3 form,
 * 0x05 followed by the Curve25519 key).
 */
export function trustForm(edIdentity: Uint8Array): Uint8Array {
  try {
    return concatBytes(new Uint8Array([5]), ed25519ToCurve(edIdentity));
  } catch (cause) {
    throw new OmemoError('corrupted', 'an OMEMO 2 identity key that is not a valid Ed25519 key', { cause });
  }
}

export class Omemo2Cipher {
  constructor(
    readonly device: Omemo2Device,
    private readonly trustBook: TrustBook,
  ) {}

  async seal(targets: { jid: string; deviceId: number }[], keyMaterial: Uint8Array): Promise<Map<string, Key2[]>> {
    const keys = new Map<string, Key2[]>();
    for (const { jid, deviceId } of targets) {
      const key = await this.device.encryptKey(jid, deviceId, keyMaterial);
      keys.set(jid, [...(keys.get(jid) ?? []), key]);
    }
    return keys;
  }

  async open(jid: string, deviceId: number, key: Key2): Promise<{ keyMaterial: Uint8Array; trust: TrustLevel; usedPreKey: boolean; answer: boolean }> {
    const claimed = Omemo2Device.senderIdentity(key) ?? (await this.device.sessionIdentity(jid, deviceId));
    if (!claimed) throw new OmemoError('no-session', `no OMEMO 2 session with device ${deviceId} of ${jid}, and the message does not start one`);
    const level = await this.trustBook.check(jid, deviceId, trustForm(claimed), false);
    if (level === 'distrusted') throw new OmemoError('untrusted', `device ${deviceId} of ${jid} is distrusted`);
    const opened = await this.device.decryptKey(jid, deviceId, key);
    const trust = await this.trustBook.check(jid, deviceId, trustForm(opened.identity), true);
    return { keyMaterial: opened.keyMaterial, trust, usedPreKey: opened.usedPreKey, answer: opened.answer };
  }
}
