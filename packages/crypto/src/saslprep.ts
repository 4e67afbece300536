// SASLprep (RFC 4013, a stringprep profile of RFC 3454), browser-safe.
//
// Why not @mongodb-js/saslprep at run time: its browser entry decodes its
// tables with a global `Buffer` (and its sparse-bitfield dependency calls
// Buffer.isBuffer), so it throws "Buffer is not defined" in a browser without
// a Buffer polyfill, and ships ~560 kB of tables. This module implements the
// profile with the small RFC 3454 tables written out below and is
// cross-checked against @mongodb-js/saslprep in the tests.
//
// Exact: mapping (B.1 to nothing, C.1.2 to U+0020), NFKC, prohibited output
// (C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9), RandALCat (D.1).
// Approximated (documented):
//  * LCat (D.2, hundreds of ranges) is taken as letters and spacing marks
//    (\p{L}, \p{Mc}) that are neither in D.1 nor in a right-to-left script,
//    corrected by two small tables so that for every code point assigned in
//    Unicode 3.2 the result equals RFC 3454's (checked in the tests);
//    letters of right-to-left scripts added after Unicode 3.2 count as
//    RandALCat.
//  * Unassigned code points (A.1, Unicode 3.2) are checked against the JS
//    engine's Unicode version (\p{Cn}) instead, so characters assigned since
//    3.2 (emoji, newer scripts) are accepted. That is the "query" behaviour of
//    RFC 4013 §2.5 relaxed to current Unicode.

export class SaslprepError extends Error {
  override name = 'SaslprepError';
}

type Range = readonly [number, number];

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

// B.1 Commonly mapped to nothing
const B1: readonly Range[] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d],
  [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

// C.1.2 Non-ASCII space characters
const C12: readonly Range[] = [
  [0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000],
];

// C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9 merged and sorted
const PROHIBITED: readonly Range[] = (() => {
  const r: Range[] = [
    ...C12,
    [0x0000, 0x001f], [0x007f, 0x007f], // C.2.1
    [0x0080, 0x009f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200d],
    [0x2028, 0x2029], [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc],
    [0x1d173, 0x1d17a], // C.2.2
    [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd], // C.3
    [0xfdd0, 0xfdef], // C.4 (plus xFFFE-xFFFF of every plane below)
    [0xd800, 0xdfff], // C.5
    [0xfff9, 0xfffd], // C.6
    [0x2ff0, 0x2ffb], // C.7
    [0x0340, 0x0341], [0x200e, 0x200f], [0x202a, 0x202e], [0x206a, 0x206f], // C.8
    [0xe0001, 0xe0001], [0xe0020, 0xe007f], // C.9
  ];
  for (let plane = 0; plane <= 0x10; plane++) r.push([plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff]);
  r.sort((a, b) => a[0] - b[0]);
  const merged: Range[] = [];
  for (const [a, b] of r) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1] + 1) merged[merged.length - 1] = [last[0], Math.max(last[1], b)];
    else merged.push([a, b]);
  }
  return merged;
})();

// D.1 Characters with bidirectional property "R" or "AL" (Unicode 3.2)
const D1: readonly Range[] = [
  [0x05be, 0x05be], [0x05c0, 0x05c0], [0x05c3, 0x05c3], [0x05d0, 0x05ea], [0x05f0, 0x05f4],
  [0x061b, 0x061b], [0x061f, 0x061f], [0x0621, 0x063a], [0x0640, 0x064a], [0x066d, 0x066f],
  [0x0671, 0x06d5], [0x06dd, 0x06dd], [0x06e5, 0x06e6], [0x06fa, 0x06fe], [0x0700, 0x070d],
  [0x0710, 0x0710], [0x0712, 0x072c], [0x0780, 0x07a5], [0x07b1, 0x07b1], [0x200f, 0x200f],
  [0xfb1d, 0xfb1d], [0xfb1f, 0xfb28], [0xfb2a, 0xfb36], [0xfb38, 0xfb3c], [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41], [0xfb43, 0xfb44], [0xfb46, 0xfbb1], [0xfbd3, 0xfd3d], [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7], [0xfdf0, 0xfdfc], [0xfe70, 0xfe74], [0xfe76, 0xfefc],
];

const RE_RTL_SCRIPT_LETTER =
  /^(?=[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Mende_Kikakui}])\p{L}$/u;
const RE_L_APPROX = /^[\p{L}\p{Mc}]$/u;
// letters/marks whose Bidi_Class is not L (ON or NSM) although \p{L}/\p{Mc} says letter/mark
const NOT_LCAT: readonly Range[] = [
  [0x02b9, 0x02ba], [0x02c6, 0x02cf], [0x02ec, 0x02ec], [0x1734, 0x1734], [0x2132, 0x2132], [0x302e, 0x302f],
];
// Code points with Bidi_Class L in Unicode 3.2 (D.2) that are not letters or
// spacing marks (digits of Indic scripts, letter numbers, some punctuation and
// symbols); completes the \p{L}/\p{Mc} approximation of LCat.
const EXTRA_LCAT: readonly Range[] = [
  [0x0482, 0x0482], [0x055a, 0x055f], [0x0589, 0x0589], [0x0964, 0x0970], [0x09e6, 0x09ef], [0x09f4, 0x09fa],
  [0x0a66, 0x0a6f], [0x0ae6, 0x0aef], [0x0b66, 0x0b70], [0x0be7, 0x0bf2], [0x0c66, 0x0c6f], [0x0ce6, 0x0cef],
  [0x0d66, 0x0d6f], [0x0df4, 0x0df4], [0x0e4f, 0x0e5b], [0x0ed0, 0x0ed9], [0x0f01, 0x0f17], [0x0f1a, 0x0f34],
  [0x0f36, 0x0f36], [0x0f38, 0x0f38], [0x0f85, 0x0f85], [0x0fbe, 0x0fc5], [0x0fc7, 0x0fcc], [0x0fcf, 0x0fcf],
  [0x1040, 0x104f], [0x10fb, 0x10fb], [0x1361, 0x137c], [0x166d, 0x166e], [0x16eb, 0x16f0], [0x1735, 0x1736],
  [0x17b4, 0x17b5], [0x17d4, 0x17d6], [0x17d8, 0x17da], [0x17e0, 0x17e9], [0x1810, 0x1819], [0x1885, 0x1886],
  [0x2180, 0x2182], [0x2336, 0x237a], [0x2395, 0x2395], [0x3007, 0x3007], [0x3021, 0x3029], [0x3190, 0x3191],
  [0x327f, 0x327f], [0x10320, 0x10323], [0x10341, 0x10341], [0x1034a, 0x1034a], [0x1d000, 0x1d0f5],
  [0x1d100, 0x1d126], [0x1d12a, 0x1d15d], [0x1d16a, 0x1d16c], [0x1d183, 0x1d184], [0x1d18c, 0x1d1a9],
  [0x1d1ae, 0x1d1ba], [0x1d1c1, 0x1d1dd],
];
const RE_UNASSIGNED = /^\p{Cn}$/u;

function isRandAL(cp: number): boolean {
  return inRanges(cp, D1) || RE_RTL_SCRIPT_LETTER.test(String.fromCodePoint(cp));
}

function isL(cp: number): boolean {
  if (inRanges(cp, EXTRA_LCAT)) return true;
  return !isRandAL(cp) && !inRanges(cp, NOT_LCAT) && RE_L_APPROX.test(String.fromCodePoint(cp));
}

function hex(cp: number): string {
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * SASLprep (RFC 4013). Throws SaslprepError for prohibited output, unassigned
 * code points (unless allowUnassigned) or bidi violations. '' maps to ''.
 */
export function saslprep(input: string, opts: { allowUnassigned?: boolean } = {}): string {
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, C12)) mapped += ' ';
    else if (!inRanges(cp, B1)) mapped += ch;
  }
  const out = mapped.normalize('NFKC');
  const cps = Array.from(out, (c) => c.codePointAt(0)!);
  for (const cp of cps) {
    if (inRanges(cp, PROHIBITED)) throw new SaslprepError(`prohibited code point ${hex(cp)}`);
    if (!opts.allowUnassigned && RE_UNASSIGNED.test(String.fromCodePoint(cp))) {
      throw new SaslprepError(`unassigned code point ${hex(cp)}`);
    }
  }
  if (cps.some(isRandAL)) {
    if (cps.some(isL)) throw new SaslprepError('string mixes right-to-left and left-to-right characters');
    if (!isRandAL(cps[0]!) || !isRandAL(cps[cps.length - 1]!)) {
      throw new SaslprepError('right-to-left string must start and end with a right-to-left character');
    }
  }
  return out;
}
