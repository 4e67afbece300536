import { concatBytes } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';

/**
 * OMEMO 2's three protobuf (proto2) messages, XEP-0384 §"Protocol Buffers
 * Schema". Fields are written in field order with every required field
 * present, as protobuf serialisers do, and read strictly: a missing required
 * field, an unknown wire type or a length beyond the end is damage.
 *
 *   OMEMOMessage              1 n uint32, 2 pn uint32, 3 dh_pub bytes, 4 ciphertext bytes (optional)
 *   OMEMOAuthenticatedMessage 1 mac bytes, 2 message bytes
 *   OMEMOKeyExchange          1 pk_id uint32, 2 spk_id uint32, 3 ik bytes, 4 ek bytes, 5 message (OMEMOAuthenticatedMessage)
 */
export interface OmemoMessage {
  n: number;
  pn: number;
  dhPub: Uint8Array;
  ciphertext?: Uint8Array;
}

export interface AuthenticatedMessage {
  mac: Uint8Array;
  /** the serialised OMEMOMessage, kept as received: the MAC covers these exact bytes */
  message: Uint8Array;
}

export interface KeyExchange {
  pkId: number;
  spkId: number;
  ik: Uint8Array;
  ek: Uint8Array;
  /** the serialised OMEMOAuthenticatedMessage */
  message: Uint8Array;
}

const MAX_UINT32 = 0xffffffff;

function varint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_UINT32) throw new RangeError(`not a uint32: ${n}`);
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return new Uint8Array(out);
}

const uintField = (field: number, value: number) => concatBytes(varint(field * 8), varint(value));
const bytesField = (field: number, value: Uint8Array) => concatBytes(varint(field * 8 + 2), varint(value.length), value);

type Fields = Map<number, number | Uint8Array>;

function corrupted(what: string): OmemoError {
  return new OmemoError('corrupted', `malformed OMEMO 2 ${what}`);
}

function readFields(bytes: Uint8Array, what: string): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) throw corrupted(what);
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) {
        if (result > MAX_UINT32) throw corrupted(what);
        return result;
      }
    }
    throw corrupted(what);
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) fields.set(field, readVarint());
    else if (wire === 2) {
      const length = readVarint();
      if (pos + length > bytes.length) throw corrupted(what);
      fields.set(field, bytes.slice(pos, pos + length));
      pos += length;
    } else throw corrupted(what);
  }
  return fields;
}

function uint(fields: Fields, field: number, what: string): number {
  const value = fields.get(field);
  if (typeof value !== 'number') throw corrupted(what);
  return value;
}

function bytes(fields: Fields, field: number, what: string, length?: number): Uint8Array {
  const value = fields.get(field);
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) throw corrupted(what);
  return value;
}

export function encodeOmemoMessage(m: OmemoMessage): Uint8Array {
  return concatBytes(uintField(1, m.n), uintField(2, m.pn), bytesField(3, m.dhPub), ...(m.ciphertext ? [bytesField(4, m.ciphertext)] : []));
}

export function decodeOmemoMessage(data: Uint8Array): OmemoMessage {
  const f = readFields(data, 'OMEMOMessage');
  const message: OmemoMessage = { n: uint(f, 1, 'OMEMOMessage'), pn: uint(f, 2, 'OMEMOMessage'), dhPub: bytes(f, 3, 'OMEMOMessage', 32) };
  if (f.has(4)) message.ciphertext = bytes(f, 4, 'OMEMOMessage');
  return message;
}

export function encodeAuthenticatedMessage(m: AuthenticatedMessage): Uint8Array {
  return concatBytes(bytesField(1, m.mac), bytesField(2, m.message));
}

export function decodeAuthenticatedMessage(data: Uint8Array): AuthenticatedMessage {
  const f = readFields(data, 'OMEMOAuthenticatedMessage');
  return { mac: bytes(f, 1, 'OMEMOAuthenticatedMessage', 16), message: bytes(f, 2, 'OMEMOAuthenticatedMessage') };
}

export function encodeKeyExchange(m: KeyExchange): Uint8Array {
  return concatBytes(uintField(1, m.pkId), uintField(2, m.spkId), bytesField(3, m.ik), bytesField(4, m.ek), bytesField(5, m.message));
}

export function decodeKeyExchange(data: Uint8Array): KeyExchange {
  const f = readFields(data, 'OMEMOKeyExchange');
  return {
    pkId: uint(f, 1, 'OMEMOKeyExchange'),
    spkId: uint(f, 2, 'OMEMOKeyExchange'),
    ik: bytes(f, 3, 'OMEMOKeyExchange', 32),
    ek: bytes(f, 4, 'OMEMOKeyExchange', 32),
    message: bytes(f, 5, 'OMEMOKeyExchange'),
  };
}
