import { base64Decode, base64Encode, constantTimeEqual } from '../bytes.ts';
import { OmemoError } from './errors.ts';
import { KEY } from './signal-store.ts';
import type { OmemoStore } from './store.ts';

/**
 * How far the user trusts one device's identity key.
 * - blind: seen, not verified, trusted because nobody verified anything for
 *   this contact yet (Blind Trust Before Verification, as Conversations does)
 * - verified: the user compared the fingerprint
 * - undecided: new device of a contact who has a verified device; not used
 *   for sending until the user decides
 * - distrusted: the user said no; nothing is sent to it or accepted from it
 */
export type TrustLevel = 'blind' | 'verified' | 'undecided' | 'distrusted';

/** What a client shows next to a message. */
export type MessageSecurity = 'encrypted-verified' | 'encrypted' | 'unencrypted';

export interface DeviceTrust {
  identityKey: Uint8Array;
  level: TrustLevel;
}

interface StoredTrust {
  identityKey: string;
  level: TrustLevel;
}

export function canSendTo(level: TrustLevel): boolean {
  return level === 'blind' || level === 'verified';
}

export function securityOf(level: TrustLevel): MessageSecurity {
  return level === 'verified' ? 'encrypted-verified' : 'encrypted';
}

export class TrustBook {
  constructor(private readonly store: OmemoStore) {}

  async get(jid: string, deviceId: number): Promise<DeviceTrust | undefined> {
    const value = (await this.store.get(KEY.trust(jid, deviceId))) as StoredTrust | undefined;
    return value ? { identityKey: base64Decode(value.identityKey), level: value.level } : undefined;
  }

  /**
   * The level for `identityKey` on this device, recording it on first sight
   * (blind, or undecided if the contact already has a verified device). A key
   * different from the one on record is refused: a device id keeps its key.
   */
  async check(jid: string, deviceId: number, identityKey: Uint8Array, record: boolean): Promise<TrustLevel> {
    const known = await this.get(jid, deviceId);
    if (known) {
      if (!constantTimeEqual(known.identityKey, identityKey)) {
        throw new OmemoError('untrusted', `the identity key of device ${deviceId} of ${jid} changed; refusing it`);
      }
      return known.level;
    }
    const level: TrustLevel = (await this.hasVerified(jid)) ? 'undecided' : 'blind';
    if (record) await this.store.set(KEY.trust(jid, deviceId), { identityKey: base64Encode(identityKey), level } satisfies StoredTrust);
    return level;
  }

  async set(jid: string, deviceId: number, level: TrustLevel): Promise<void> {
    const known = await this.get(jid, deviceId);
    if (!known) throw new OmemoError('untrusted', `no identity key known for device ${deviceId} of ${jid}; fetch its bundle first`);
    await this.store.set(KEY.trust(jid, deviceId), { identityKey: base64Encode(known.identityKey), level } satisfies StoredTrust);
  }

  private async hasVerified(jid: string): Promise<boolean> {
    for (const key of await this.store.keys(KEY.trustPrefix(jid))) {
      const value = (await this.store.get(key)) as StoredTrust | undefined;
      if (value?.level === 'verified') return true;
    }
    return false;
  }
}
