import { describe, expect, it } from 'vitest';
import { utf8Encode } from './bytes.ts';
import * as node from './hash-node.ts';
import * as web from './hash-web.ts';

/** The server's HMAC and digests (node:crypto) and the browser's (WebCrypto) must agree to the bit. */
describe('HMAC and digests on Node and in browsers', () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  it('agree with RFC 4231 (HMAC-SHA-256, case 2) and with each other', async () => {
    const key = utf8Encode('Jefe');
    const data = utf8Encode('what do ya want for nothing?');
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(hex(await node.hmac('SHA-256', key, data))).toBe(expected);
    expect(hex(await web.hmac('SHA-256', key, data))).toBe(expected);
  });
  it('agree for SHA-1 and for digests of any length', async () => {
    for (const size of [0, 1, 64, 65, 1000]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 255);
      const key = Uint8Array.from({ length: 1 + (size % 70) }, (_, i) => i);
      for (const hash of ['SHA-1', 'SHA-256'] as const) {
        expect(hex(await node.hmac(hash, key, data))).toBe(hex(await web.hmac(hash, key, data)));
        expect(hex(await node.digest(hash, data))).toBe(hex(await web.digest(hash, data)));
      }
    }
    expect(hex(await node.digest('SHA-1', utf8Encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
