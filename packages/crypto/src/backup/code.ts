/**
 * Backup codes as XEP-0373 §5.4 defines them for the OpenPGP secret key
 * backup: 24 characters from a 34-letter alphabet of capitals and digits
 * without the look-alikes 0 and O, in six groups of four joined by
 * dashes (about 120 bits). Generated, never chosen: a person cannot pick a
 * passphrase this strong, and the backup's protection rests on it alone.
 * The same codes open the web client's encrypted backup file (file.ts).
 */
const ALPHABET = '123456789ABCDEFGHIJKLMNPQRSTUVWXYZ';
const GROUPS = 6;
const GROUP_LENGTH = 4;

export function generateBackupCode(): string {
  const out: string[] = [];
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 34).
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < GROUPS * GROUP_LENGTH) {
    for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < limit && out.length < GROUPS * GROUP_LENGTH) out.push(ALPHABET[byte % ALPHABET.length]!);
    }
  }
  return Array.from({ length: GROUPS }, (_, i) => out.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join('')).join('-');
}

/** A typed code as the canonical form (capitals, dashes), or null if it cannot be one. Spaces and case are forgiven. */
export function normalizeBackupCode(typed: string): string | null {
  const letters = typed.toUpperCase().replace(/[\s-]+/g, '');
  if (letters.length !== GROUPS * GROUP_LENGTH || [...letters].some((c) => !ALPHABET.includes(c))) return null;
  return letters.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}
