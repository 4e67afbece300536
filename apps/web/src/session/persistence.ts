import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ChatMessage, RosterItem } from './model.ts';

/**
 * Local state in IndexedDB, per account: messages, the roster with its
 * version, drafts and where archive sync stopped. A reload shows all of it
 * at once; the session then fetches only what is new.
 */
interface Schema extends DBSchema {
  messages: {
    key: [string, string, string];
    value: ChatMessage & { account: string };
    indexes: { byPeerTime: [string, string, number]; byAccount: string };
  };
  meta: {
    key: [string, string];
    value: { account: string; key: string; value: unknown };
  };
}

export const DB_NAME = 'conexizan';
export const MESSAGES_PER_CHAT_ON_LOAD = 200;

import type { ServiceNotice } from './notices.ts';

export interface AccountMeta {
  roster?: { items: RosterItem[]; version: string | null };
  /** newest archive id we have seen: the next sync pages forward from it */
  lastArchiveId?: string;
  unread?: Record<string, number>;
  /** notices from our server (announcements, the message of the day) not dismissed yet */
  notices?: ServiceNotice[];
}

export class LocalStore {
  #db: Promise<IDBPDatabase<Schema>>;

  constructor(readonly account: string, name = DB_NAME) {
    this.#db = openDB<Schema>(name, 1, {
      upgrade(db) {
        const messages = db.createObjectStore('messages', { keyPath: ['account', 'peer', 'id'] });
        messages.createIndex('byPeerTime', ['account', 'peer', 'timestamp']);
        messages.createIndex('byAccount', 'account');
        db.createObjectStore('meta', { keyPath: ['account', 'key'] });
      },
    });
  }

  async saveMessages(messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const db = await this.#db;
    const tx = db.transaction('messages', 'readwrite');
    for (const m of messages) void tx.store.put({ ...m, account: this.account });
    await tx.done;
  }

  /** The newest messages of one chat, oldest first. */
  async loadMessages(peer: string, limit = MESSAGES_PER_CHAT_ON_LOAD, beforeTimestamp = Number.MAX_SAFE_INTEGER): Promise<ChatMessage[]> {
    const db = await this.#db;
    const range = IDBKeyRange.bound([this.account, peer, 0], [this.account, peer, beforeTimestamp], false, true);
    const out: ChatMessage[] = [];
    let cursor = await db.transaction('messages').store.index('byPeerTime').openCursor(range, 'prev');
    while (cursor && out.length < limit) {
      const { account: _account, ...message } = cursor.value;
      out.push(message);
      cursor = await cursor.continue();
    }
    return out.reverse();
  }

  /** Every message of this account on this device (for the encrypted backup). */
  async allMessages(): Promise<ChatMessage[]> {
    const db = await this.#db;
    const all = await db.getAllFromIndex('messages', 'byAccount', IDBKeyRange.only(this.account));
    return all.map(({ account: _account, ...message }) => message);
  }

  /** Everyone this account has messages with on this device (skips from one chat to the next through the index). */
  async listPeers(): Promise<string[]> {
    const db = await this.#db;
    const index = db.transaction('messages').store.index('byPeerTime');
    const peers: string[] = [];
    let cursor = await index.openKeyCursor(IDBKeyRange.bound([this.account, '', -Infinity], [this.account, '\uffff', Infinity]));
    while (cursor) {
      const peer = (cursor.key as [string, string, number])[1];
      peers.push(peer);
      cursor = await cursor.continue([this.account, peer, Infinity]);
    }
    return peers;
  }

  async getMeta<K extends keyof AccountMeta>(key: K): Promise<AccountMeta[K] | undefined> {
    const db = await this.#db;
    return (await db.get('meta', [this.account, key]))?.value as AccountMeta[K] | undefined;
  }

  async setMeta<K extends keyof AccountMeta>(key: K, value: AccountMeta[K]): Promise<void> {
    const db = await this.#db;
    await db.put('meta', { account: this.account, key, value });
  }

  /** Forgets everything about this account on this device (log out without "stay logged in", account deletion). */
  async wipe(): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction(['messages', 'meta'], 'readwrite');
    let cursor = await tx.objectStore('messages').index('byAccount').openCursor(IDBKeyRange.only(this.account));
    while (cursor) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    let meta = await tx.objectStore('meta').openCursor(IDBKeyRange.bound([this.account, ''], [this.account, '\uffff']));
    while (meta) {
      await meta.delete();
      meta = await meta.continue();
    }
    await tx.done;
    this.saveDrafts({});
  }

  /**
   * Drafts are written synchronously (localStorage) on every keystroke: an IndexedDB write
   * still in flight when the page reloads can be lost, and a draft is exactly what must not be.
   */
  loadDrafts(): Record<string, string> {
    try {
      const raw = globalThis.localStorage?.getItem(this.#draftKey);
      return raw ? (JSON.parse(raw) as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  saveDrafts(drafts: Record<string, string>): void {
    try {
      if (Object.keys(drafts).length === 0) globalThis.localStorage?.removeItem(this.#draftKey);
      else globalThis.localStorage?.setItem(this.#draftKey, JSON.stringify(drafts));
    } catch {
      // storage full (a giant paste): the draft stays in memory for this visit
    }
  }

  get #draftKey(): string {
    return `conexizan.drafts.${this.account}`;
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }
}
