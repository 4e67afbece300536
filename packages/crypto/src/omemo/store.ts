/**
 * Where an OmemoAccount keeps its keys, sessions, device lists and trust
 * decisions. The web client implements this on IndexedDB; values are plain
 * JSON (bytes as base64 strings), so any key-value store fits. Keys are short
 * strings with a kind prefix ("session:", "prekey:", ...), see account-state.ts.
 */
export interface OmemoStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** every key that starts with `prefix` */
  keys(prefix: string): Promise<string[]>;
}

/** A JSON-serialisable copy of a whole store, for Node tests and backups. */
export type OmemoSnapshot = Record<string, unknown>;

/** OmemoStore in memory; `snapshot()`/`fromSnapshot()` survive a JSON round trip. */
export class MemoryOmemoStore implements OmemoStore {
  private readonly values = new Map<string, string>();

  static fromSnapshot(snapshot: OmemoSnapshot): MemoryOmemoStore {
    const store = new MemoryOmemoStore();
    for (const [key, value] of Object.entries(snapshot)) store.values.set(key, JSON.stringify(value));
    return store;
  }

  // Values are kept as JSON text so a caller cannot change stored state by
  // mutating an object it got back, exactly like a real database.
  async get(key: string): Promise<unknown> {
    const text = this.values.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  async set(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix));
  }

  snapshot(): OmemoSnapshot {
    const out: OmemoSnapshot = {};
    for (const [key, text] of this.values) out[key] = JSON.parse(text);
    return out;
  }
}
