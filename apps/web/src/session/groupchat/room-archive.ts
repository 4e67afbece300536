import { NS, parseXmppDateTime, xml, type Element } from '@conexizan/protocol';
import type { Connection } from '../client.ts';
import { archiveQueryElement } from '../mam.ts';

/** One archived room message: the stanza as the room sent it (with the room's stanza id) and when. */
export interface ArchivedRoomMessage {
  message: Element;
  stamp?: Date;
}

/**
 * A room's archive (XEP-0313 addressed to the room, §6 of the MAM spec for
 * MUC), paged backwards. Results arrive as messages from the room before the
 * IQ result; `collect` takes them, keyed by our queryid and checked against
 * the room that was asked, so nobody else can slip any in.
 */
export class RoomArchive {
  #pending = new Map<string, { room: string; results: Element[] }>();

  constructor(private readonly connection: Pick<Connection, 'iq'>) {}

  /** True when the stanza was a result of one of our queries (then it was taken or dropped). */
  collect(stanza: Element, from: string): boolean {
    const result = stanza.getChild('result', NS.MAM);
    if (!result) return false;
    const query = this.#pending.get(result.attrs.queryid ?? '');
    if (query && query.room === from) query.results.push(result);
    return true;
  }

  async before(room: string, before: string, max: number): Promise<{ messages: ArchivedRoomMessage[]; complete: boolean }> {
    const queryId = crypto.randomUUID();
    const bucket = { room, results: [] as Element[] };
    this.#pending.set(queryId, bucket);
    let fin: Element | undefined;
    try {
      fin = (await this.connection.iq('set', archiveQueryElement(queryId, { before, max }), room)).getChild('fin', NS.MAM);
    } finally {
      this.#pending.delete(queryId);
    }
    const messages: ArchivedRoomMessage[] = [];
    for (const result of bucket.results) {
      const forwarded = result.getChild('forwarded', NS.FORWARD);
      const inner = forwarded?.getChild('message');
      if (!inner) continue;
      // The archive's id is the room's stanza id: what retractions and reactions point at.
      if (result.attrs.id && !inner.getChildren('stanza-id', NS.SID).some((s) => s.attrs.by === room)) inner.append(xml('stanza-id', { xmlns: NS.SID, by: room, id: result.attrs.id }));
      messages.push({ message: inner, stamp: parseXmppDateTime(forwarded?.getChild('delay', NS.DELAY)?.attrs.stamp ?? '') ?? undefined });
    }
    return { messages, complete: fin?.attrs.complete === 'true' || messages.length === 0 };
  }
}
