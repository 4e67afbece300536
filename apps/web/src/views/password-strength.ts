export type Strength = 'short' | 'weak' | 'fair' | 'strong';

/** A rough estimate of how guessable a password is; a hint for people, not a rule (the server has its own). */
export function passwordStrength(password: string, minLength: number): Strength {
  const chars = [...password];
  if (chars.length < minLength) return 'short';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  const distinct = new Set(chars).size;
  if (distinct <= 3) return 'weak';
  const score = chars.length + classes * 3 + (password.includes(' ') ? 4 : 0);
  if (score >= 24) return 'strong';
  if (score >= 16) return 'fair';
  return 'weak';
}

/** Reads "at least N characters" from the server's XEP-0077 instructions, if it says so. */
export function minLengthFromRules(rules: string | null, fallback = 8): number {
  const match = rules?.match(/at least (\d{1,3}) characters/i) ?? rules?.match(/mindestens (\d{1,3}) Zeichen/i);
  return match ? Number(match[1]) : fallback;
}
