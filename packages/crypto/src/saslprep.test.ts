import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SaslprepError, saslprep } from './saslprep.ts';

// Reference implementation, used only here (it needs a global Buffer, see saslprep.ts).
const reference = createRequire(import.meta.url)('@mongodb-js/saslprep') as (s: string, o?: { allowUnassigned?: boolean }) => string;

describe('RFC 4013 §3 examples', () => {
  it.each([
    ['I\u00ADX', 'IX'], // SOFT HYPHEN mapped to nothing
    ['user', 'user'], // no transformation
    ['USER', 'USER'], // case preserved
    ['\u00AA', 'a'], // NFKC
    ['\u2168', 'IX'], // NFKC
  ])('%j -> %j', (input, out) => {
    expect(saslprep(input)).toBe(out);
  });
  it.each([
    ['\u0007', 'prohibited character'],
    ['\u0627\u0031', 'bidi: RandALCat first but not last'],
  ])('rejects %j (%s)', (input) => {
    expect(() => saslprep(input)).toThrow(SaslprepError);
  });
});

describe('saslprep', () => {
  it.each([
    ['a\u00a0b', 'a b'], // non-ASCII space -> space
    ['a\u3000b', 'a b'],
    ['a\u200bb', 'a b'], // ZWSP is in C.1.2 and B.1; space mapping wins (as the reference does)
    ['a\u200db', 'ab'], // ZWJ mapped to nothing
    ['a\ufe0fb', 'ab'], // variation selector
    ['ｐａｓｓ', 'pass'],
    ['e\u0301', 'é'],
    ['ﬁ', 'fi'],
    ['\u05d0\u05d1', '\u05d0\u05d1'],
    ['\u0627\u0031\u0628', '\u0627\u0031\u0628'], // RTL with digits inside is fine
    ['😀pässwörd€', '😀pässwörd€'], // emoji are accepted (unassigned in Unicode 3.2 only)
    ['', ''],
  ])('%j -> %j', (input, out) => {
    expect(saslprep(input)).toBe(out);
  });
  it.each([
    ['a\u0000b', 'NUL'],
    ['a\u007fb', 'DEL'],
    ['a\u0085b', 'C.2.2'],
    ['a\u2028b', 'line separator'],
    ['a\ue000b', 'private use'],
    ['a\ufdd0b', 'noncharacter'],
    ['a\u{fffff}b', 'plane 15 noncharacter'],
    ['a\ud800b', 'lone surrogate'],
    ['a\ufffdb', 'replacement character (C.6)'],
    ['a\u2ff0b', 'ideographic description (C.7)'],
    ['a\u200eb', 'LRM (C.8)'],
    ['a\u{e0041}b', 'tag (C.9)'],
    ['a\u0378b', 'unassigned'],
    ['\u05d0a\u05d1', 'RandAL with L'],
    ['1\u05d0', 'RandAL not first'],
  ])('rejects %j (%s)', (input) => {
    expect(() => saslprep(input)).toThrow(SaslprepError);
  });
  it('allowUnassigned', () => {
    expect(saslprep('a\u0378b', { allowUnassigned: true })).toBe('a\u0378b');
  });

  // Every code point assigned in Unicode 3.2 (the reference rejects the others
  // when allowUnassigned is false), alone after an L letter and between two
  // Hebrew letters, gives the same result as the reference implementation.
  // Known reference bug: it lets U+FFFFE/U+FFFFF through (C.4 lists them).
  it('matches @mongodb-js/saslprep on all Unicode 3.2 code points', () => {
    const run = (f: () => string) => {
      try {
        return f();
      } catch {
        return null;
      }
    };
    let compared = 0;
    const diffs: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0xffffe || cp === 0xfffff) continue;
      if (cp >= 0x2a6d7 && cp < 0x2f800) continue; // nothing assigned in 3.2 there
      if (cp >= 0x2fa1e && cp < 0xe0000) continue;
      if (cp >= 0x20000 && cp <= 0x2a6d6 && cp % 64 !== 0) continue; // CJK ext. B: sample
      if (cp >= 0xf0000 && cp <= 0x10ffff && cp % 4096 !== 0) continue; // private use: sample
      const ch = String.fromCodePoint(cp);
      for (const s of ['a' + ch, '\u05d0' + ch + '\u05d0']) {
        const ref = run(() => reference(s));
        if (ref === null && run(() => reference(s, { allowUnassigned: true })) !== null) continue; // unassigned in 3.2
        compared++;
        if (run(() => saslprep(s)) !== ref) diffs.push(cp.toString(16));
      }
    }
    expect(compared).toBeGreaterThan(100000);
    expect(diffs).toEqual([]);
  }, 60_000); // a sweep over every code point: seconds, more on a busy machine
});
