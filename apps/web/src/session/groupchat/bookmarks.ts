import { bookmarksRequest, parseBookmarkItem, publishBookmark, retractBookmark, type Bookmark } from '@conexizan/protocol/bookmarks';
import { NS } from '@conexizan/protocol/namespaces';
import type { Connection } from '../client.ts';

/** The account's room bookmarks (XEP-0402 on PEP): what makes joined rooms come back after a reload or on another device. */
export class Bookmarks {
  #known = new Map<string, Bookmark>();

  constructor(private readonly connection: Pick<Connection, 'iq' | 'status'>) {}

  async load(): Promise<Bookmark[]> {
    const result = await this.connection.iq('get', bookmarksRequest());
    const items = result.getChild('pubsub', NS.PUBSUB)?.getChild('items')?.getChildren('item') ?? [];
    const bookmarks = items.map(parseBookmarkItem).filter((b): b is Bookmark => b !== null);
    this.#known = new Map(bookmarks.map((b) => [b.room, b]));
    return bookmarks;
  }

  /** Publishes a bookmark unless the server already has exactly this one. */
  async save(b: Bookmark): Promise<void> {
    const old = this.#known.get(b.room);
    if (old && old.autojoin === b.autojoin && old.nick === b.nick && old.name === b.name && old.password === b.password) return;
    this.#known.set(b.room, b);
    await this.connection.iq('set', publishBookmark(b)).catch((e: Error) => console.warn('bookmark not saved:', e.message));
  }

  async forget(room: string): Promise<void> {
    this.#known.delete(room);
    if (this.connection.status !== 'online') return;
    await this.connection.iq('set', retractBookmark(room)).catch(() => {});
  }

  /** A PEP notification from another of our devices: remembered (the caller joins or leaves). */
  noted(b: Bookmark): void {
    this.#known.set(b.room, b);
  }
}
