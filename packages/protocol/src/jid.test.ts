import { describe, expect, it } from 'vitest';
import {
  Jid,
  JidMalformedError,
  domainToAscii,
  jid,
  parseJid,
  prepDomainpart,
  prepLocalpart,
  prepResourcepart,
  tryParseJid,
} from './jid.ts';
import { StanzaError } from './errors.ts';

describe('RFC 7622 §3.5 examples', () => {
  const good: [string, string][] = [
    ['juliet@example.com', 'juliet@example.com'],
    ['juliet@example.com/foo', 'juliet@example.com/foo'],
    ['juliet@example.com/foo bar', 'juliet@example.com/foo bar'],
    ['juliet@example.com/foo@bar', 'juliet@example.com/foo@bar'],
    ['foo\\20bar@example.com', 'foo\\20bar@example.com'],
    ['fussball@example.com', 'fussball@example.com'],
    ['fußball@example.com', 'fußball@example.com'],
    ['π@example.com', 'π@example.com'],
    ['Σ@example.com/foo', 'σ@example.com/foo'],
    ['σ@example.com/foo', 'σ@example.com/foo'],
    ['ς@example.com/foo', 'ς@example.com/foo'],
    ['king@example.com/♚', 'king@example.com/♚'],
    ['example.com', 'example.com'],
    ['example.com/foobar', 'example.com/foobar'],
    ['a.example.com/b@example.net', 'a.example.com/b@example.net'],
  ];
  it.each(good)('accepts %s', (input, expected) => {
    expect(parseJid(input).toString()).toBe(expected);
  });

  const bad = [
    '"juliet"@example.com',
    'foo bar@example.com',
    'juliet@example.com/',
    '@example.com/',
    'henriⅣ@example.com',
    '♚@example.com',
    'juliet@',
    '/foobar',
  ];
  it.each(bad)('rejects %s', (input) => {
    expect(() => parseJid(input)).toThrow(JidMalformedError);
  });
});

describe('parseJid structure', () => {
  it('splits parts', () => {
    const j = parseJid('Romeo@Example.COM/Orchard/Balcony@Night');
    expect(j.local).toBe('romeo');
    expect(j.domain).toBe('example.com');
    expect(j.resource).toBe('Orchard/Balcony@Night');
    expect(j.isBare).toBe(false);
    expect(j.bare().toString()).toBe('romeo@example.com');
    expect(j.bare().isBare).toBe(true);
  });
  it('keeps resource case', () => {
    expect(parseJid('a@b.c/HoMe').resource).toBe('HoMe');
  });
  it('domain JID', () => {
    const j = parseJid('conference.example.org');
    expect(j.local).toBe('');
    expect(j.resource).toBe('');
    expect(j.isDomain).toBe(true);
    expect(j.toString()).toBe('conference.example.org');
  });
  it.each([
    '',
    '@',
    'a@',
    '@b',
    'a@b@c',
    'a@b/',
    '/r',
    'a@/r',
    'a@b..c',
    '.',
    'a@.b',
    'a@b c',
    'a@b_c',
    'a@-b.c',
    'a@b-.c',
    'a b@c',
    'a:b@c',
    "a'b@c",
    'a&b@c',
    'a<b@c',
    'a>b@c',
    'a/b@c/d'.replace('/b', ''), // sanity: 'a@c/d' is fine, checked below
  ].filter((s) => s !== 'a@c/d'))('rejects %j', (s) => {
    expect(() => parseJid(s)).toThrow(JidMalformedError);
  });
  it("'/' before '@' makes the '@' part of the resource", () => {
    const j = parseJid('example.com/a@b');
    expect(j.local).toBe('');
    expect(j.domain).toBe('example.com');
    expect(j.resource).toBe('a@b');
  });
  it('strips one trailing dot from the domain', () => {
    expect(parseJid('user@example.com.').toString()).toBe('user@example.com');
    expect(() => parseJid('user@example.com..')).toThrow(JidMalformedError);
  });
  it('JidMalformedError is a jid-malformed StanzaError', () => {
    try {
      parseJid('a@b@c');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StanzaError);
      expect((e as StanzaError).condition).toBe('jid-malformed');
      expect((e as StanzaError).type).toBe('modify');
    }
  });
  it('rejects too-long parts', () => {
    expect(() => parseJid('a'.repeat(1024) + '@example.com')).toThrow(JidMalformedError);
    expect(parseJid('a'.repeat(1023) + '@example.com').local.length).toBe(1023);
    // 342 three-byte characters = 1026 bytes
    expect(() => parseJid('a@example.com/' + '€'.repeat(342))).toThrow(JidMalformedError);
    expect(parseJid('a@example.com/' + '€'.repeat(341)).resource.length).toBe(341);
    expect(() => parseJid('a@' + 'a'.repeat(64) + '.com')).toThrow(JidMalformedError);
  });
});

describe('prepLocalpart', () => {
  it.each([
    ['Juliet', 'juliet'],
    ['ＪＵＬＩＥＴ', 'juliet'], // fullwidth: width-mapped then lower-cased
    ['e\u0301cole', 'école'], // NFC
    ['ÉCOLE', 'école'],
    ['user.name+tag', 'user.name+tag'],
    ['l·l', 'l·l'], // MIDDLE DOT between two l
    ['日本語', '日本語'],
    ['ﾃｽﾄ', 'テスト'], // halfwidth katakana width-mapped
    ['שלום', 'שלום'],
    ['مرحبا', 'مرحبا'],
    ['٣٤', null], // Arabic-Indic digits alone: not started by an RTL letter
    ['a\u094d\u200db', 'a\u094d\u200db'], // ZWJ after virama
    ['\u1100\u1161', '가'], // conjoining jamo compose under NFC
  ])('%j -> %j', (input, out) => {
    if (out === null) expect(() => prepLocalpart(input)).toThrow(JidMalformedError);
    else expect(prepLocalpart(input)).toBe(out);
  });
  it.each([
    ['', 'empty'],
    ['a b', 'space'],
    ['a\u00a0b', 'no-break space'],
    ['a\tb', 'control'],
    ['a\u0000b', 'NUL'],
    ['a\u200bb', 'zero width space (default ignorable)'],
    ['a\u200db', 'ZWJ without virama'],
    ['a\u00adb', 'soft hyphen'],
    ['a\ue000b', 'private use'],
    ['a\ufdd0b', 'noncharacter'],
    ['a\u{e0001}b', 'tag character'],
    ['a\u0378b', 'unassigned'],
    ['a\ud800b', 'lone surrogate'],
    ['a·b', 'middle dot not between l'],
    ['ⅳ', 'compatibility char'],
    ['½', 'compatibility fraction'],
    ['a☃', 'symbol'],
    ['a❤b', 'symbol'],
    ['a@b', '@'],
    ['a"b', 'quote'],
    ['a/b', 'slash'],
    ['a:b', 'colon'],
    ['a<b', 'lt'],
    ['a>b', 'gt'],
    ["a'b", 'apostrophe'],
    ['a&b', 'ampersand'],
    ['שלוםabc', 'mixed RTL and LTR'],
    ['abcשלום', 'LTR first then RTL'],
    ['\u1100', 'old hangul jamo (NFC does not compose it alone)'],
    ['x\u2028y', 'line separator'],
  ])('rejects %j (%s)', (input) => {
    expect(() => prepLocalpart(input)).toThrow(JidMalformedError);
  });
  it('is idempotent', () => {
    for (const s of ['Juliet', 'ＪＵＬＩＥＴ', 'ÉCOLE', 'Σ', 'fußball', 'İstanbul']) {
      const once = prepLocalpart(s);
      expect(prepLocalpart(once)).toBe(once);
    }
  });
});

describe('prepResourcepart', () => {
  it.each([
    ['Home Laptop', 'Home Laptop'],
    ['a\u00a0b', 'a b'], // non-ASCII space mapped to U+0020
    ['a\u3000b', 'a b'],
    ['e\u0301', 'é'],
    ['Ⅳ', 'Ⅳ'], // compat chars are fine in FreeformClass
    ['♚/@:', '♚/@:'],
    ['ＡＢ', 'ＡＢ'], // no width mapping
    [' ', ' '],
  ])('%j -> %j', (input, out) => {
    expect(prepResourcepart(input)).toBe(out);
  });
  it.each(['', 'a\u0007', 'a\u200b', 'a\ue000', 'a\u{10ffff}', 'a\u2029b', 'a\u0378'])('rejects %j', (input) => {
    expect(() => prepResourcepart(input)).toThrow(JidMalformedError);
  });
});

describe('parseJid, again and again', () => {
  it('answers a JID parsed before like the first time, also after many others (recent ones are remembered, within a bound)', () => {
    const first = parseJid('Juliet@Example.COM/balcony');
    for (let i = 0; i < 25_000; i++) expect(parseJid(`user${i}@example.com/r`).local).toBe(`user${i}`);
    for (const again of [parseJid('Juliet@Example.COM/balcony'), parseJid('Juliet@Example.COM/balcony')]) {
      expect(again.equals(first)).toBe(true);
      expect(again.toString()).toBe('juliet@example.com/balcony');
    }
    for (let i = 0; i < 2; i++) expect(() => parseJid('juliet@exa mple.com')).toThrow(JidMalformedError);
  });
});

describe('prepDomainpart', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.example', 'bücher.example'],
    ['BÜCHER.example', 'bücher.example'],
    ['bücher.example', 'bücher.example'],
    ['ＥＸＡＭＰＬＥ．ＣＯＭ', 'example.com'],
    ['example。com', 'example.com'],
    ['192.0.2.1', '192.0.2.1'],
    ['[2001:DB8::1]', '[2001:db8::1]'],
    ['[::1]', '[::1]'],
    ['[::ffff:192.0.2.1]', '[::ffff:192.0.2.1]'],
    ['[1:2:3:4:5:6:7:8]', '[1:2:3:4:5:6:7:8]'],
    ['xn--mgbh0fb.xn--kgbechtv', 'مثال.إختبار'],
  ])('%j -> %j', (input, out) => {
    expect(prepDomainpart(input)).toBe(out);
  });
  it.each([
    '',
    '.',
    'a..b',
    '.a',
    'a b',
    'a_b',
    'a@b',
    'a/b',
    'a:b',
    '-a',
    'a-',
    'xn--zz',
    '[::1',
    '[1:2:3:4:5:6:7:8:9]',
    '[1::2::3]',
    '[g::1]',
    '[]',
    'a'.repeat(64),
    'a\u200db',
    'ab\u0000',
  ])('rejects %j', (input) => {
    expect(() => prepDomainpart(input)).toThrow(JidMalformedError);
  });
  it('answers repeated and many different domains alike (the prepared ones are remembered, within a bound)', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3000; i++) expect(prepDomainpart(`Host${i}.Example`)).toBe(`host${i}.example`);
      expect(prepDomainpart('BÜCHER.example')).toBe('bücher.example');
      expect(() => prepDomainpart('a_b')).toThrow(JidMalformedError);
    }
  });
  it('domainToAscii gives A-labels', () => {
    expect(domainToAscii('bücher.example')).toBe('xn--bcher-kva.example');
    expect(domainToAscii('example.com')).toBe('example.com');
    expect(domainToAscii('[::1]')).toBe('[::1]');
    expect(parseJid('a@BÜCHER.example').domainAscii).toBe('xn--bcher-kva.example');
  });
  it('A-label and U-label input give equal JIDs', () => {
    expect(parseJid('a@xn--bcher-kva.example').equals(parseJid('A@Bücher.Example'))).toBe(true);
  });
});

describe('Jid API', () => {
  it('jid() prepares parts', () => {
    const j = jid('Juliet', 'Example.com', 'Balcony');
    expect(j.toString()).toBe('juliet@example.com/Balcony');
    expect(jid('', 'example.com').toString()).toBe('example.com');
    expect(() => jid('a@b', 'example.com')).toThrow(JidMalformedError);
    expect(() => jid('a', '')).toThrow(JidMalformedError);
  });
  it('new Jid prepares too', () => {
    expect(new Jid('Juliet', 'EXAMPLE.com').toString()).toBe('juliet@example.com');
  });
  it('equals / bareEquals', () => {
    const a = parseJid('juliet@example.com/a');
    expect(a.equals(parseJid('JULIET@example.com/a'))).toBe(true);
    expect(a.equals(parseJid('juliet@example.com/A'))).toBe(false);
    expect(a.equals(a.bare())).toBe(false);
    expect(a.bareEquals(parseJid('juliet@example.com/b'))).toBe(true);
    expect(a.equals(null)).toBe(false);
  });
  it('withResource', () => {
    const a = parseJid('juliet@example.com');
    expect(a.withResource('phone').toString()).toBe('juliet@example.com/phone');
    expect(a.withResource('x\u00a0y').resource).toBe('x y');
    expect(a.withResource('').equals(a)).toBe(true);
    expect(() => a.withResource('a\u0000')).toThrow(JidMalformedError);
  });
  it('tryParseJid', () => {
    expect(tryParseJid(undefined)).toBeNull();
    expect(tryParseJid(null)).toBeNull();
    expect(tryParseJid('')).toBeNull();
    expect(tryParseJid('a@b@c')).toBeNull();
    expect(tryParseJid('a@b')?.toString()).toBe('a@b');
  });
  it('bare() of a bare JID is itself; JSON is the string', () => {
    const a = parseJid('a@b');
    expect(a.bare()).toBe(a);
    expect(JSON.stringify({ a })).toBe('{"a":"a@b"}');
  });
});
