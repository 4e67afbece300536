/**
 * The hash of a certificate's signature algorithm, which RFC 5929 §4.1
 * uses for tls-server-end-point. Reading one OID out of DER needs only the
 * outer structure (RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate,
 * signatureAlgorithm, signatureValue }), so a few lines replace an X.509
 * library here.
 */
const HASH_BY_OID: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSA: RFC 5929 says use SHA-256
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSA: likewise
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

interface Tlv {
  tag: number;
  start: number; // first content byte
  end: number; // one past the last content byte
}

function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

function decodeOid(bytes: Uint8Array): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The signature algorithm's OID, e.g. "1.2.840.10045.4.3.2". */
export function signatureAlgorithmOid(der: Uint8Array): string {
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.start);
  const algorithm = readTlv(der, tbs.end);
  const oid = readTlv(der, algorithm.start);
  if (certificate.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) throw new Error('not an X.509 certificate');
  return decodeOid(der.subarray(oid.start, oid.end));
}

/** Node hash name for tls-server-end-point; SHA-256 where the algorithm names none we know (e.g. Ed25519). */
export function serverEndPointHashName(der: Uint8Array): 'sha256' | 'sha384' | 'sha512' {
  return HASH_BY_OID[signatureAlgorithmOid(der)] ?? 'sha256';
}
