import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OmemoSnapshot, OmemoStore } from '@conexizan/crypto/omemo';
import { isSealed, type Sealed, type Vault } from '../vault.ts';

interface Schema extends DBSchema {
  entries: { key: string; value: Sealed };
}

/** One database per account and browser: a new browser (or a wiped one) is a new OMEMO device. */
export function omemoDbName(account: string): string {
  return `conexizan-omemo:${account}`;
}

/**
 * The OmemoStore of the web client: keys, sessions, device lists and trust
 * decisions in IndexedDB, so this browser stays the same OMEMO device across
 * reloads. Every value is sealed by the account's vault (a non-extractable
 * WebCrypto key), so the identity key and sessions never sit in the
 * browser's files as readable base64; keys (kind prefixes and addresses)
 * stay readable, since keys(prefix) searches them. Reading hands out a fresh
 * copy, so a caller mutating what it read changes nothing stored.
 */
export class IdbOmemoStore implements OmemoStore {
  #db: Promise<IDBPDatabase<Schema>>;

  constructor(readonly name: string, private readonly vault: Vault) {
    this.#db = openDB<Schema>(name, 1, {
      upgrade(db) {
        db.createObjectStore('entries');
      },
    });
  }

  async get(key: string): Promise<unknown> {
    const value: unknown = await (await this.#db).get('entries', key);
    if (value === undefined) return undefined;
    // A store written before values were sealed: read it, and seal it on the next write.
    return isSealed(value) ? this.vault.open(value) : value;
  }

  async set(key: string, value: unknown): Promise<void> {
    const sealed = await this.vault.seal(value);
    await (await this.#db).put('entries', sealed, key);
  }

  async delete(key: string): Promise<void> {
    await (await this.#db).delete('entries', key);
  }

  async keys(prefix: string): Promise<string[]> {
    // Every string that starts with prefix sorts between prefix and prefix + U+FFFF.
    return (await (await this.#db).getAllKeys('entries', IDBKeyRange.bound(prefix, `${prefix}\uffff`))) as string[];
  }

  /** Everything, opened: for the encrypted backup. */
  async snapshot(): Promise<OmemoSnapshot> {
    const out: OmemoSnapshot = {};
    for (const key of await this.keys('')) out[key] = await this.get(key);
    return out;
  }

  /** Replaces everything with a backup's contents (this browser becomes the backed-up device). */
  async restore(snapshot: OmemoSnapshot): Promise<void> {
    const sealed = await Promise.all(Object.entries(snapshot).map(async ([key, value]) => [key, await this.vault.seal(value)] as const));
    const tx = (await this.#db).transaction('entries', 'readwrite');
    await tx.store.clear();
    for (const [key, value] of sealed) void tx.store.put(value, key);
    await tx.done;
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }

  /** Removes this device's keys for good (logout). */
  async destroy(): Promise<void> {
    await this.close().catch(() => {});
    await deleteDB(this.name);
  }
}
