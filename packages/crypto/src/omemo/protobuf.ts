import { OmemoError } from './errors.ts';

/**
 * Just enough protobuf to read the outer OMEMOKeyExchange (libsignal's
 * PreKeyWhisperMessage) before handing it to libsignal: OmemoAccount needs the
 * sender's identity key and the pre-key id to decide on trust and to tell a
 * replay from damage. Fields: 1 preKeyId, 2 baseKey, 3 identityKey,
 * 4 message, 5 registrationId, 6 signedPreKeyId.
 */
export interface KeyExchangeHeader {
  preKeyId?: number;
  signedPreKeyId?: number;
  baseKey?: Uint8Array;
  identityKey?: Uint8Array;
}

function corrupted(): OmemoError {
  return new OmemoError('corrupted', 'the pre-key message is not a valid OMEMOKeyExchange');
}

export function readKeyExchangeHeader(bytes: Uint8Array): KeyExchangeHeader {
  // The version byte 0x33 (3 << 4 | 3) comes first.
  if (bytes.length < 2 || bytes[0] !== 0x33) throw corrupted();
  const out: KeyExchangeHeader = {};
  let pos = 1;
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) throw corrupted();
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
    }
    throw corrupted();
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const value = varint();
      if (field === 1) out.preKeyId = value;
      else if (field === 6) out.signedPreKeyId = value;
    } else if (wire === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw corrupted();
      const value = bytes.subarray(pos, pos + length);
      pos += length;
      if (field === 2) out.baseKey = value;
      else if (field === 3) out.identityKey = value;
    } else {
      throw corrupted();
    }
  }
  return out;
}
