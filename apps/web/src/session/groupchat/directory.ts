import { tryParseJid } from '@conexizan/protocol/jid';
import { NS } from '@conexizan/protocol/namespaces';
import { xml } from '@conexizan/protocol/xml';
import type { Connection } from '../client.ts';

/** Finding rooms through service discovery (XEP-0030, XEP-0045 §6). */
export class RoomDirectory {
  #service: Promise<string | null> | null = null;

  constructor(private readonly connection: Pick<Connection, 'iq'>, private readonly domain: string) {}

  /** The group chat service of our server: the first disco#items entry whose identity is conference/text. */
  service(): Promise<string | null> {
    this.#service ??= (async () => {
      const items = await this.connection.iq('get', xml('query', { xmlns: NS.DISCO_ITEMS }), this.domain);
      for (const item of items.getChild('query', NS.DISCO_ITEMS)?.getChildren('item') ?? []) {
        const jid = item.attrs.jid;
        if (!jid) continue;
        const info = await this.connection.iq('get', xml('query', { xmlns: NS.DISCO_INFO }), jid).catch(() => null);
        const identities = info?.getChild('query', NS.DISCO_INFO)?.getChildren('identity') ?? [];
        if (identities.some((i) => i.attrs.category === 'conference' && i.attrs.type === 'text')) return jid;
      }
      return null;
    })().catch(() => {
      // Ask again next time rather than remembering a failure.
      this.#service = null;
      return null;
    });
    return this.#service;
  }

  /** Public rooms listed by the service (disco#items), bounded in number and name length. */
  async publicRooms(): Promise<{ jid: string; name: string }[]> {
    const service = await this.service();
    if (!service) return [];
    const items = await this.connection.iq('get', xml('query', { xmlns: NS.DISCO_ITEMS }), service);
    return (items.getChild('query', NS.DISCO_ITEMS)?.getChildren('item') ?? [])
      .filter((i) => i.attrs.jid)
      .slice(0, 500)
      .map((i) => ({ jid: i.attrs.jid!, name: (i.attrs.name ?? '').slice(0, 200) }));
  }

  /** A room's name from its disco#info identity, or null. */
  async roomName(room: string): Promise<string | null> {
    const info = await this.connection.iq('get', xml('query', { xmlns: NS.DISCO_INFO }), room).catch(() => null);
    const name = info?.getChild('query', NS.DISCO_INFO)?.getChildren('identity').find((i) => i.attrs.category === 'conference')?.attrs.name;
    return name ? name.slice(0, 200) : null;
  }
}

/** A room address from what was typed: a full address, or a bare name on our own group chat service. */
export function roomAddress(input: string, service: string | null): string | null {
  const text = input.trim();
  if (!text) return null;
  const jid = tryParseJid(text.includes('@') ? text : service ? `${text.toLowerCase().replace(/\s+/g, '-')}@${service}` : '');
  if (!jid || !jid.local || jid.resource) return null;
  return jid.toString();
}
