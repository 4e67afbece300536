import { base64Decode, base64Encode } from '@conexizan/crypto/bytes';
import { saltPassword, type ScramHash, type ScramSaltedPassword } from '@conexizan/crypto/scram';

/** Where and as whom this device logs in. */
export interface SavedLogin {
  jid: string;
  domain: string;
  username: string;
  service: string;
}

/**
 * What "stay logged in" keeps on this device: never the password (people
 * reuse passwords), only the SCRAM SaltedPassword of the last login
 * (RFC 5802 §5.1). It opens this one account until the password changes,
 * and tells nothing about the password itself.
 */
interface StoredLogin extends SavedLogin {
  scram: { hash: ScramHash; salt: string; iterations: number; key: string };
}

const SAVED_KEY = 'conexizan.login';

export function savedLogin(): { login: SavedLogin; saltedPassword: ScramSaltedPassword } | null {
  try {
    const raw = globalThis.localStorage?.getItem(SAVED_KEY);
    const value = raw ? (JSON.parse(raw) as Partial<StoredLogin> & { password?: unknown }) : null;
    if (!value || typeof value.jid !== 'string' || !value.scram) {
      // An older version kept the password itself: drop it rather than keep it around.
      if (value?.password !== undefined) globalThis.localStorage?.removeItem(SAVED_KEY);
      return null;
    }
    const { scram, ...login } = value as StoredLogin;
    if ((scram.hash !== 'SHA-1' && scram.hash !== 'SHA-256') || !Number.isInteger(scram.iterations)) return null;
    return {
      login,
      saltedPassword: { hash: scram.hash, salt: base64Decode(scram.salt), iterations: scram.iterations, key: base64Decode(scram.key) },
    };
  } catch {
    return null;
  }
}

export function saveLogin(login: SavedLogin | null, saltedPassword?: ScramSaltedPassword | null): void {
  if (!login || !saltedPassword) {
    globalThis.localStorage?.removeItem(SAVED_KEY);
    return;
  }
  const { jid, domain, username, service } = login;
  const scram = { hash: saltedPassword.hash, salt: base64Encode(saltedPassword.salt), iterations: saltedPassword.iterations, key: base64Encode(saltedPassword.key) };
  globalThis.localStorage?.setItem(SAVED_KEY, JSON.stringify({ jid, domain, username, service, scram } satisfies StoredLogin));
}

/** Whether `typed` is the account's password, checked against the password in memory or the saved SaltedPassword. */
export async function isAccountPassword(typed: string, known: { password: string | null; saltedPassword: ScramSaltedPassword | null }): Promise<boolean> {
  if (known.password !== null) return typed === known.password;
  const saved = known.saltedPassword;
  if (!saved) return false;
  try {
    const key = await saltPassword(saved.hash, typed, saved.salt, saved.iterations);
    return key.length === saved.key.length && key.every((byte, i) => byte === saved.key[i]);
  } catch {
    return false; // not a valid password at all (SASLprep refused it)
  }
}
