import { base64Decode, base64Encode } from '@conexizan/crypto/bytes';
import { saltPassword, type ScramHash, type ScramSaltedPassword } from '@conexizan/crypto/scram';
import { Vault } from './vault.ts';

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
 * and tells nothing about the password itself. It is sealed by the
 * account's vault (a non-extractable WebCrypto key, see vault.ts), so the
 * browser's files never hold it readable; logging out deletes it and the key.
 */
interface StoredLogin extends SavedLogin {
  sealed: { iv: string; data: string };
}

interface ScramRecord {
  hash: ScramHash;
  salt: string;
  iterations: number;
  key: string;
}

const SAVED_KEY = 'conexizan.login';

function toSalted(scram: ScramRecord | null | undefined): ScramSaltedPassword | null {
  if (!scram || (scram.hash !== 'SHA-1' && scram.hash !== 'SHA-256') || !Number.isInteger(scram.iterations)) return null;
  return { hash: scram.hash, salt: base64Decode(scram.salt), iterations: scram.iterations, key: base64Decode(scram.key) };
}

/** The saved login, if any; its SaltedPassword is unsealed on demand (null if the vault no longer opens it). */
export function savedLogin(): { login: SavedLogin; unseal(): Promise<ScramSaltedPassword | null> } | null {
  try {
    const raw = globalThis.localStorage?.getItem(SAVED_KEY);
    const value = raw ? (JSON.parse(raw) as Partial<StoredLogin> & { password?: unknown; scram?: ScramRecord }) : null;
    if (!value || typeof value.jid !== 'string' || (!value.sealed && !value.scram)) {
      // An older version kept the password itself: drop it rather than keep it around.
      if (value?.password !== undefined) globalThis.localStorage?.removeItem(SAVED_KEY);
      return null;
    }
    const { jid, domain, username, service } = value as StoredLogin;
    const login = { jid, domain, username, service };
    if (value.scram) {
      // Saved unsealed by an older version: seal it now.
      const salted = toSalted(value.scram);
      void saveLogin(salted ? login : null, salted);
      return { login, unseal: async () => salted };
    }
    const sealed = value.sealed!;
    return {
      login,
      unseal: async () => {
        try {
          const data = base64Decode(sealed.data).slice();
          return toSalted((await new Vault(jid).open({ iv: base64Decode(sealed.iv), data: data.buffer as ArrayBuffer })) as ScramRecord);
        } catch {
          return null;
        }
      },
    };
  } catch {
    return null;
  }
}

export async function saveLogin(login: SavedLogin | null, saltedPassword?: ScramSaltedPassword | null): Promise<void> {
  if (!login || !saltedPassword) {
    globalThis.localStorage?.removeItem(SAVED_KEY);
    return;
  }
  const { jid, domain, username, service } = login;
  const scram: ScramRecord = { hash: saltedPassword.hash, salt: base64Encode(saltedPassword.salt), iterations: saltedPassword.iterations, key: base64Encode(saltedPassword.key) };
  const box = await new Vault(jid).seal(scram);
  const sealed = { iv: base64Encode(box.iv), data: base64Encode(new Uint8Array(box.data)) };
  globalThis.localStorage?.setItem(SAVED_KEY, JSON.stringify({ jid, domain, username, service, sealed } satisfies StoredLogin));
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
