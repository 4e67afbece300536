import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { serverEndPointHashName, signatureAlgorithmOid } from './signature-hash.ts';

describe('certificate signature hash (RFC 5929 §4.1)', () => {
  it('reads the algorithm of certificates made with different hashes', async () => {
    for (const [algorithm, oid, hash] of [
      ['sha256', '1.2.840.10045.4.3.2', 'sha256'],
      ['sha384', '1.2.840.10045.4.3.3', 'sha384'],
    ] as const) {
      const made = await generate([{ name: 'commonName', value: 'example.org' }], { keyType: 'ec', curve: 'P-256', algorithm });
      const der = new Uint8Array(new X509Certificate(made.cert).raw);
      expect(signatureAlgorithmOid(der)).toBe(oid);
      expect(serverEndPointHashName(der)).toBe(hash);
    }
  });

  it('refuses what is not a certificate', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signatureAlgorithmOid(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })))).toThrow();
    expect(() => signatureAlgorithmOid(new Uint8Array([0x30, 0x82, 0xff]))).toThrow();
  });
});
