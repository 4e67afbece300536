// PRECIS (RFC 8264) string classes and the RFC 8265 / RFC 7622 profiles used
// for JID parts.
//
// JavaScript has no access to the full Unicode Character Database, so the
// derived-property algorithm of RFC 8264 §8 is evaluated with Unicode property
// escapes (\p{..}) of the running engine's Unicode version, in the rule order
// of RFC 8264 §8:
//   Exceptions (F) > BackwardCompatible (G, empty) > Unassigned (J) > ASCII7 (K)
//   > JoinControl (H) > OldHangulJamo (I) > PrecisIgnorableProperties (M)
//   > Controls (L) > HasCompat (Q) > LetterDigits (A) > OtherLetterDigits (R)
//   > Spaces (N) > Symbols (O) > Punctuation (P) > other: DISALLOWED.
// Documented approximations:
//  * The Unicode version is whatever the JS engine ships (PRECIS is meant to be
//    version-agile, so this is acceptable), not a pinned one.
//  * CONTEXTJ (ZWNJ/ZWJ, RFC 5892 A.1/A.2): allowed after a virama (a fixed
//    list of virama code points); ZWNJ additionally between two Arabic-script
//    letters, standing in for the Joining_Type regular expression.
//  * The Bidi Rule (RFC 5893), required by UsernameCaseMapped for strings with
//    right-to-left characters, uses script-based stand-ins for Bidi_Class
//    (scripts of Unicode <= 10 only, so the regex parses in older browsers):
//    R/AL = letters of the right-to-left scripts, AN = Arabic-Indic digits,
//    EN = other decimal digits, L = any other letter or spacing mark,
//    NSM = non-spacing/enclosing marks.

export class PrecisError extends Error {
  override name = 'PrecisError';
}

type Property = 'PVALID' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED' | 'UNASSIGNED' | 'ID_DIS';

const EXCEPTIONS_PVALID = new Set([0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007]);
const EXCEPTIONS_CONTEXTO = new Set([
  0x00b7, 0x0375, 0x05f3, 0x05f4, 0x30fb, 0x0660, 0x0661, 0x0662, 0x0663, 0x0664, 0x0665, 0x0666, 0x0667,
  0x0668, 0x0669, 0x06f0, 0x06f1, 0x06f2, 0x06f3, 0x06f4, 0x06f5, 0x06f6, 0x06f7, 0x06f8, 0x06f9,
]);
const EXCEPTIONS_DISALLOWED = new Set([
  0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b,
]);

const RE_CN = /^\p{Cn}$/u;
const RE_NONCHAR = /^\p{Noncharacter_Code_Point}$/u;
const RE_IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u;
const RE_CONTROL = /^\p{Cc}$/u;
const RE_LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const RE_OTHER_LETTER_DIGITS = /^[\p{Lt}\p{Nl}\p{No}\p{Me}]$/u;
const RE_SPACES = /^\p{Zs}$/u;
const RE_SYMBOLS = /^[\p{Sm}\p{Sc}\p{Sk}\p{So}]$/u;
const RE_PUNCTUATION = /^\p{P}$/u;

function isOldHangulJamo(cp: number): boolean {
  // Hangul_Syllable_Type L, V or T
  return (
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0xa960 && cp <= 0xa97c) ||
    (cp >= 0xd7b0 && cp <= 0xd7c6) ||
    (cp >= 0xd7cb && cp <= 0xd7fb)
  );
}

/**
 * RFC 8264 §8 derived property of one code point for the IdentifierClass
 * ('identifier') or FreeformClass ('freeform'). ID_DIS means DISALLOWED in the
 * IdentifierClass and PVALID (FREE_PVAL) in the FreeformClass; this function
 * already resolves it for the given class.
 */
export function precisProperty(cp: number, cls: 'identifier' | 'freeform'): Property {
  const ch = String.fromCodePoint(cp);
  let p: Property;
  if (EXCEPTIONS_PVALID.has(cp)) p = 'PVALID';
  else if (EXCEPTIONS_CONTEXTO.has(cp)) p = 'CONTEXTO';
  else if (EXCEPTIONS_DISALLOWED.has(cp)) p = 'DISALLOWED';
  else if (RE_CN.test(ch) && !RE_NONCHAR.test(ch)) p = 'UNASSIGNED';
  else if (cp >= 0x21 && cp <= 0x7e) p = 'PVALID';
  else if (cp === 0x200c || cp === 0x200d) p = 'CONTEXTJ';
  else if (isOldHangulJamo(cp)) p = 'DISALLOWED';
  else if (RE_IGNORABLE.test(ch)) p = 'DISALLOWED';
  else if (RE_CONTROL.test(ch)) p = 'DISALLOWED';
  else if (ch.normalize('NFKC') !== ch) p = 'ID_DIS';
  else if (RE_LETTER_DIGITS.test(ch)) p = 'PVALID';
  else if (RE_OTHER_LETTER_DIGITS.test(ch)) p = 'ID_DIS';
  else if (RE_SPACES.test(ch)) p = 'ID_DIS';
  else if (RE_SYMBOLS.test(ch)) p = 'ID_DIS';
  else if (RE_PUNCTUATION.test(ch)) p = 'ID_DIS';
  else p = 'DISALLOWED';
  if (p === 'ID_DIS') return cls === 'identifier' ? 'DISALLOWED' : 'PVALID';
  return p;
}

// Code points with Canonical_Combining_Class = Virama (9).
const VIRAMAS = new Set([
  0x094d, 0x09cd, 0x0a4d, 0x0acd, 0x0b4d, 0x0bcd, 0x0c4d, 0x0ccd, 0x0d3b, 0x0d3c, 0x0d4d, 0x0dca, 0x0e3a,
  0x0eba, 0x0f84, 0x1039, 0x103a, 0x1714, 0x1715, 0x1734, 0x17d2, 0x1a60, 0x1b44, 0x1baa, 0x1bab, 0x1bf2,
  0x1bf3, 0x2d7f, 0xa806, 0xa82c, 0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed, 0x10a3f, 0x11046, 0x11070,
  0x1107f, 0x110b9, 0x11133, 0x11134, 0x111c0, 0x11235, 0x112ea, 0x1134d, 0x11442, 0x114c2, 0x115bf,
  0x1163f, 0x116b6, 0x1172b, 0x11839, 0x1193d, 0x1193e, 0x119e0, 0x11a34, 0x11a47, 0x11a99, 0x11c3f,
  0x11d44, 0x11d45, 0x11d97, 0x11f41, 0x11f42,
]);

const RE_ARABIC_LETTER = /^(?=\p{Script=Arabic})\p{L}$/u;
const RE_GREEK = /^\p{Script=Greek}$/u;
const RE_HEBREW = /^\p{Script=Hebrew}$/u;
const RE_KANA_HAN = /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u;

function contextRuleHolds(cps: number[], i: number): boolean {
  const cp = cps[i]!;
  const before = i > 0 ? cps[i - 1]! : -1;
  const after = i + 1 < cps.length ? cps[i + 1]! : -1;
  const str = (c: number) => (c < 0 ? '' : String.fromCodePoint(c));
  switch (cp) {
    case 0x200c: // ZERO WIDTH NON-JOINER
      if (VIRAMAS.has(before)) return true;
      return RE_ARABIC_LETTER.test(str(before)) && RE_ARABIC_LETTER.test(str(after));
    case 0x200d: // ZERO WIDTH JOINER
      return VIRAMAS.has(before);
    case 0x00b7: // MIDDLE DOT: between two 'l'
      return before === 0x6c && after === 0x6c;
    case 0x0375: // GREEK LOWER NUMERAL SIGN: followed by Greek
      return RE_GREEK.test(str(after));
    case 0x05f3: // HEBREW PUNCTUATION GERESH
    case 0x05f4: // HEBREW PUNCTUATION GERSHAYIM
      return RE_HEBREW.test(str(before));
    case 0x30fb: // KATAKANA MIDDLE DOT: some Hiragana/Katakana/Han in the string
      return cps.some((c) => c !== 0x30fb && RE_KANA_HAN.test(String.fromCodePoint(c)));
    default:
      if (cp >= 0x0660 && cp <= 0x0669) return !cps.some((c) => c >= 0x06f0 && c <= 0x06f9);
      if (cp >= 0x06f0 && cp <= 0x06f9) return !cps.some((c) => c >= 0x0660 && c <= 0x0669);
      return false;
  }
}

function hex(cp: number): string {
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

/** Throws PrecisError unless every code point is valid in the class (with context rules). */
export function enforceClass(s: string, cls: 'identifier' | 'freeform', what = 'string'): void {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const p = precisProperty(cp, cls);
    if (p === 'PVALID') continue;
    if ((p === 'CONTEXTJ' || p === 'CONTEXTO') && contextRuleHolds(cps, i)) continue;
    const reason = p === 'UNASSIGNED' ? 'unassigned' : p === 'DISALLOWED' ? 'disallowed' : 'not allowed in this context';
    throw new PrecisError(`${what} contains ${reason} code point ${hex(cp)}`);
  }
}

// --- Bidi Rule (RFC 5893 §2), approximated (see header comment) ---
const RE_RTL_LETTER =
  /^(?=[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Mende_Kikakui}\p{Script=Phoenician}\p{Script=Imperial_Aramaic}\p{Script=Old_South_Arabian}\p{Script=Old_North_Arabian}\p{Script=Avestan}\p{Script=Kharoshthi}\p{Script=Nabataean}\p{Script=Palmyrene}\p{Script=Hatran}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Inscriptional_Pahlavi}\p{Script=Inscriptional_Parthian}\p{Script=Lydian}\p{Script=Cypriot}\p{Script=Old_Hungarian}\p{Script=Old_Turkic}\p{Script=Meroitic_Cursive}\p{Script=Meroitic_Hieroglyphs}])[\p{L}\p{No}]$/u;
const RE_ARABIC_DIGIT = /^[\u0660-\u0669\u066b\u066c\u{10e60}-\u{10e7e}]$/u;
const RE_NSM = /^[\p{Mn}\p{Me}]$/u;
const RE_LTR = /^[\p{L}\p{Mc}]$/u;
const RE_DIGIT = /^\p{Nd}$/u;

type BidiClass = 'R' | 'AN' | 'EN' | 'L' | 'NSM' | 'ON';
function bidiClass(c: string): BidiClass {
  if (RE_RTL_LETTER.test(c)) return 'R';
  if (RE_ARABIC_DIGIT.test(c)) return 'AN';
  if (RE_DIGIT.test(c)) return 'EN';
  if (RE_NSM.test(c)) return 'NSM';
  if (RE_LTR.test(c)) return 'L';
  return 'ON';
}

/** RFC 5893 Bidi Rule, applied only when the string contains right-to-left characters. */
export function checkBidiRule(s: string, what = 'string'): void {
  const classes = Array.from(s, bidiClass);
  if (!classes.some((c) => c === 'R' || c === 'AN')) return;
  const fail = (why: string): never => {
    throw new PrecisError(`${what} violates the Bidi Rule: ${why}`);
  };
  if (classes[0] !== 'R') fail('must start with a right-to-left character');
  if (classes.includes('L')) fail('mixes left-to-right and right-to-left characters');
  if (classes.includes('EN') && classes.includes('AN')) fail('mixes European and Arabic-Indic digits');
  let j = classes.length - 1;
  while (j > 0 && classes[j] === 'NSM') j--;
  const last = classes[j];
  if (last !== 'R' && last !== 'EN' && last !== 'AN') fail('must end with a right-to-left character or digit');
}

// --- mappings ---

/** RFC 8264 §9.2 width mapping: fullwidth and halfwidth forms to their decompositions. */
export function widthMap(s: string): string {
  return s.replace(/[\u3000\uff01-\uffee]/g, (c) => {
    const n = c.normalize('NFKC');
    return n.length === 1 ? n : c;
  });
}

/** Maps every non-ASCII space (Zs other than U+0020) to U+0020 (RFC 8265 §4.2.1). */
export function mapNonAsciiSpaces(s: string): string {
  return s.replace(/(?! )\p{Zs}/gu, ' ');
}

export function utf8Length(s: string): number {
  let n = 0;
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

function checkLength(s: string, what: string, max = 1023): void {
  if (s.length === 0) throw new PrecisError(`${what} is empty`);
  const n = utf8Length(s);
  if (n > max) throw new PrecisError(`${what} is longer than ${max} bytes (${n})`);
}

function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

/**
 * RFC 8265 §3.3 UsernameCaseMapped profile (IdentifierClass): width mapping,
 * toLowerCase, NFC, Bidi Rule; then class enforcement. Throws PrecisError.
 * Does not apply any length limit.
 */
export function usernameCaseMapped(input: string, what = 'username'): string {
  if (hasLoneSurrogate(input)) throw new PrecisError(`${what} contains a lone surrogate`);
  let s = input;
  // Apply the rules until stable (RFC 8264 §7 idempotence); two rounds suffice in practice.
  for (let round = 0; round < 3; round++) {
    const next = widthMap(s).toLowerCase().normalize('NFC');
    if (next === s) break;
    s = next;
  }
  if (s.length === 0) throw new PrecisError(`${what} is empty`);
  enforceClass(s, 'identifier', what);
  checkBidiRule(s, what);
  return s;
}

/**
 * RFC 8265 §4.2 OpaqueString profile (FreeformClass): non-ASCII spaces to
 * U+0020, NFC; then class enforcement. Throws PrecisError.
 */
export function opaqueString(input: string, what = 'string'): string {
  if (hasLoneSurrogate(input)) throw new PrecisError(`${what} contains a lone surrogate`);
  const s = mapNonAsciiSpaces(input).normalize('NFC');
  if (s.length === 0) throw new PrecisError(`${what} is empty`);
  enforceClass(s, 'freeform', what);
  return s;
}

/** Characters RFC 7622 §3.3.1 additionally forbids in localparts. */
const LOCALPART_EXTRA_DISALLOWED = /["&'/:<>@]/;

/** RFC 7622 §3.3: UsernameCaseMapped + the extra forbidden characters + 1..1023 bytes. */
export function precisLocalpart(s: string): string {
  const out = usernameCaseMapped(s, 'localpart');
  const bad = LOCALPART_EXTRA_DISALLOWED.exec(out);
  if (bad) throw new PrecisError(`localpart must not contain '${bad[0]}'`);
  checkLength(out, 'localpart');
  return out;
}

/** RFC 7622 §3.4: OpaqueString + 1..1023 bytes. */
export function precisResourcepart(s: string): string {
  const out = opaqueString(s, 'resourcepart');
  checkLength(out, 'resourcepart');
  return out;
}

export { checkLength as checkPartLength };
