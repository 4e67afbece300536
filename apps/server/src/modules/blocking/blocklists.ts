import type { Jid } from '@conexizan/protocol';
import type { Storage } from '@conexizan/storage';

/**
 * The blocklists of recently active users, in memory: every stanza to or
 * from a local user asks, so the database is read once per user. Bounded:
 * beyond `capacity` users the longest-cached list is forgotten (and read
 * again when next needed).
 */
export class Blocklists {
  readonly #storage: Storage;
  readonly #capacity: number;
  readonly #cache = new Map<string, Promise<ReadonlySet<string>>>();
  /** the lists of #cache that have been read: answered without waiting */
  readonly #ready = new Map<string, ReadonlySet<string>>();

  constructor(storage: Storage, capacity = 10_000) {
    this.#storage = storage;
    this.#capacity = capacity;
  }

  of(username: string): Promise<ReadonlySet<string>> {
    let entry = this.#cache.get(username);
    if (!entry) {
      const loading = this.#storage.blocklist.list(username).then((jids) => {
        const list = new Set(jids);
        // Still the current entry (not reloaded or forgotten meanwhile): answer from memory from now on.
        if (this.#cache.get(username) === loading) this.#ready.set(username, list);
        return list;
      });
      loading.catch(() => this.#cache.delete(username));
      this.#cache.set(username, loading);
      if (this.#cache.size > this.#capacity) this.#forget(this.#cache.keys().next().value!);
      entry = loading;
    }
    return entry;
  }

  /** After a change in storage: read the list again. */
  async reload(username: string): Promise<ReadonlySet<string>> {
    this.#forget(username);
    return this.of(username);
  }

  forget(username: string): void {
    this.#forget(username);
  }

  #forget(username: string): void {
    this.#cache.delete(username);
    this.#ready.delete(username);
  }

  /** Forgets every list (another node may have changed any of them meanwhile). */
  clear(): void {
    this.#cache.clear();
    this.#ready.clear();
  }

  /**
   * Whether `username` blocks `other`: at once (no promise) when the list is
   * in memory, as for every active user, since every stanza to or from a
   * local user asks twice.
   */
  blocks(username: string, other: Jid): boolean | Promise<boolean> {
    const ready = this.#ready.get(username);
    if (ready) return matches(ready, other);
    return this.of(username).then((list) => matches(list, other));
  }
}

/**
 * XEP-0191 §4 (XEP-0016 matching): an entry `user@domain/resource` matches
 * only that resource, `user@domain` any resource, `domain/resource` only
 * that, and `domain` the domain itself, everything at it and its subdomains.
 */
export function matches(entries: ReadonlySet<string>, jid: Jid): boolean {
  if (entries.size === 0) return false;
  if (entries.has(jid.toString()) || entries.has(jid.bare().toString())) return true;
  if (jid.resource && entries.has(`${jid.domain}/${jid.resource}`)) return true;
  for (let domain = jid.domain; ; ) {
    if (entries.has(domain)) return true;
    const dot = domain.indexOf('.');
    if (dot < 0) return false;
    domain = domain.slice(dot + 1);
  }
}
