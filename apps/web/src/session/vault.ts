import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';

/**
 * Secrets at rest in this browser (OMEMO keys and sessions, the saved SCRAM
 * SaltedPassword) are sealed with AES-256-GCM under a key of the account's
 * own that WebCrypto made non-extractable: page script can use it but never
 * read it, and the browser's files hold ciphertext instead of base64 keys.
 * It does not stop someone who copies the whole browser profile, which holds
 * that key too; logging out deletes both (see logout.ts).
 */
interface Schema extends DBSchema {
  keys: { key: string; value: CryptoKey };
}

export const VAULT_DB = 'conexizan-vault';

/** A sealed value as IndexedDB keeps it (structured clone stores the bytes as they are). */
export interface Sealed {
  iv: Uint8Array;
  data: ArrayBuffer;
}

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && (value as Sealed).iv instanceof Uint8Array && (value as Sealed).data instanceof ArrayBuffer;
}

let database: Promise<IDBPDatabase<Schema>> | null = null;

function db(): Promise<IDBPDatabase<Schema>> {
  database ??= openDB<Schema>(VAULT_DB, 1, {
    upgrade(db) {
      db.createObjectStore('keys');
    },
    // Another tab deleting the vault (its logout) must not wait for us.
    blocking() {
      void database?.then((open) => open.close());
      database = null;
    },
  });
  return database;
}

export class Vault {
  #key: Promise<CryptoKey> | null = null;

  constructor(readonly account: string) {}

  #cryptoKey(): Promise<CryptoKey> {
    this.#key ??= (async () => {
      const known = await (await db()).get('keys', this.account);
      if (known) return known;
      const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      // Two tabs may race here: whichever key was stored first wins for both.
      const tx = (await db()).transaction('keys', 'readwrite');
      const stored = (await tx.store.get(this.account)) ?? (await tx.store.put(key, this.account), key);
      await tx.done;
      return stored;
    })();
    this.#key.catch(() => (this.#key = null));
    return this.#key;
  }

  async seal(value: unknown): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(value));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.#cryptoKey(), plain);
    return { iv, data };
  }

  async open(sealed: Sealed): Promise<unknown> {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv as Uint8Array<ArrayBuffer> }, await this.#cryptoKey(), sealed.data);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  /** Forgets this account's key: whatever it sealed can no longer be opened. */
  async destroy(): Promise<void> {
    this.#key = null;
    await (await db()).delete('keys', this.account);
  }
}

/** Removes the whole vault database (every account's key), as a full logout does. */
export async function deleteVault(): Promise<void> {
  const open = database;
  database = null;
  await open?.then((d) => d.close()).catch(() => {});
  await deleteDB(VAULT_DB);
}
