import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OmemoStore } from '@conexizan/crypto/omemo';

interface Schema extends DBSchema {
  entries: { key: string; value: unknown };
}

/** One database per account and browser: a new browser (or a wiped one) is a new OMEMO device. */
export function omemoDbName(account: string): string {
  return `conexizan-omemo:${account}`;
}

/**
 * The OmemoStore of the web client: keys, sessions, device lists and trust
 * decisions in IndexedDB, so this browser stays the same OMEMO device across
 * reloads. Values are JSON; IndexedDB's structured clone hands out copies,
 * so a caller mutating what it read changes nothing stored.
 */
export class IdbOmemoStore implements OmemoStore {
  #db: Promise<IDBPDatabase<Schema>>;

  constructor(readonly name: string) {
    this.#db = openDB<Schema>(name, 1, {
      upgrade(db) {
        db.createObjectStore('entries');
      },
    });
  }

  async get(key: string): Promise<unknown> {
    return (await this.#db).get('entries', key);
  }

  async set(key: string, value: unknown): Promise<void> {
    await (await this.#db).put('entries', value, key);
  }

  async delete(key: string): Promise<void> {
    await (await this.#db).delete('entries', key);
  }

  async keys(prefix: string): Promise<string[]> {
    // Every string that starts with prefix sorts between prefix and prefix + U+FFFF.
    return (await (await this.#db).getAllKeys('entries', IDBKeyRange.bound(prefix, `${prefix}\uffff`))) as string[];
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }

  /** Removes this device's keys for good (logout with "forget this device"). */
  async destroy(): Promise<void> {
    await this.close().catch(() => {});
    await deleteDB(this.name);
  }
}
