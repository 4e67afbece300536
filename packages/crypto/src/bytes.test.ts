import { describe, expect, it } from 'vitest';
import { base64, base64Decode, base64Encode, concatBytes, constantTimeEqual, randomBytes, utf8, utf8Decode, utf8Encode, xorBytes } from './bytes.ts';

describe('base64', () => {
  // RFC 4648 §10 test vectors
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  it.each(vectors)('%j <-> %j', (plain, enc) => {
    expect(base64Encode(utf8Encode(plain))).toBe(enc);
    expect(utf8Decode(base64Decode(enc))).toBe(plain);
  });
  it('round-trips all byte values', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    for (let n = 0; n < 10; n++) {
      const b = all.subarray(n);
      expect(base64.decode(base64.encode(b))).toEqual(b);
    }
    expect(base64Encode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });
  it.each(['Zg', 'Zg=', 'Z===', 'Zh==', 'Zm9=', 'Zm 9v', 'Zm9v\n', '====', 'Zg==Zg==', 'Zm-v', 'Zm_v', 'é123'])('rejects %j', (s) => {
    expect(() => base64Decode(s)).toThrow(TypeError);
  });
});

describe('utf8', () => {
  it('encodes and strictly decodes', () => {
    expect(utf8.encode('€')).toEqual(new Uint8Array([0xe2, 0x82, 0xac]));
    expect(utf8.decode(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe('😀');
    expect(() => utf8Decode(new Uint8Array([0xc3]))).toThrow();
    expect(() => utf8Decode(new Uint8Array([0xed, 0xa0, 0x80]))).toThrow(); // encoded surrogate
  });
});

describe('misc', () => {
  it('constantTimeEqual', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
  });
  it('concat / xor / random', () => {
    expect(concatBytes(new Uint8Array([1]), new Uint8Array(), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(xorBytes(new Uint8Array([0xff, 0x0f]), new Uint8Array([0x0f, 0x0f]))).toEqual(new Uint8Array([0xf0, 0]));
    expect(() => xorBytes(new Uint8Array(1), new Uint8Array(2))).toThrow(RangeError);
    const r = randomBytes(70000);
    expect(r.length).toBe(70000);
    expect(r.subarray(65536).some((b) => b !== 0)).toBe(true);
  });
});
