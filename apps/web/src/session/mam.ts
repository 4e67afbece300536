import { NS, buildDataForm, parseXmppDateTime, xml, type DataFormField, type Element } from '@conexizan/protocol';
import type { Connection } from './client.ts';
import type { ChatMessage } from './model.ts';
import { parseMessage, type MessageEvent } from './stanzas.ts';

/** One page of archived messages (XEP-0313) and where the next page starts. */
export interface ArchivePage {
  events: MessageEvent[];
  first: string | null;
  last: string | null;
  complete: boolean;
}

export interface ArchiveQuery {
  with?: string;
  /** page backwards from this archive id ('' = from the newest) */
  before?: string;
  /** page forwards after this archive id */
  after?: string;
  max: number;
}

export function archiveQueryElement(queryId: string, q: ArchiveQuery): Element {
  const fields: DataFormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.MAM] }];
  if (q.with) fields.push({ var: 'with', values: [q.with] });
  const rsm = xml(
    'set',
    { xmlns: NS.RSM },
    xml('max', {}, String(q.max)),
    q.before !== undefined ? xml('before', {}, q.before) : null,
    q.after !== undefined ? xml('after', {}, q.after) : null,
  );
  return xml('query', { xmlns: NS.MAM, queryid: queryId }, buildDataForm({ type: 'submit', fields }), rsm);
}

/**
 * Runs one archive query. Result messages arrive as separate <message/>
 * stanzas before the IQ result; the caller routes them here through
 * `collect` (see Session), keyed by our queryid so nobody else can inject any.
 */
export class ArchiveQueries {
  #pending = new Map<string, Element[]>();

  /** Returns true when the stanza was an archive result for one of our queries. */
  collect(stanza: Element, self: string): boolean {
    const result = stanza.getChild('result', NS.MAM);
    if (!result) return false;
    const from = stanza.attrs.from;
    // Only our own archive (from our bare JID or no from) may answer.
    if (from && from.toLowerCase() !== self) return true;
    const bucket = this.#pending.get(result.attrs.queryid ?? '');
    if (bucket) bucket.push(result);
    return true;
  }

  async query(connection: Pick<Connection, 'iq' | 'transformIncoming'>, self: string, q: ArchiveQuery): Promise<ArchivePage> {
    const queryId = crypto.randomUUID();
    const bucket: Element[] = [];
    this.#pending.set(queryId, bucket);
    try {
      const fin = (await connection.iq('set', archiveQueryElement(queryId, q))).getChild('fin', NS.MAM);
      if (!fin) throw new Error('archive query answered without <fin/>');
      const set = fin.getChild('set', NS.RSM);
      const events: MessageEvent[] = [];
      for (const result of bucket) {
        const forwarded = result.getChild('forwarded', NS.FORWARD);
        const inner = forwarded?.getChild('message');
        if (!inner) continue;
        const stamp = parseXmppDateTime(forwarded?.getChild('delay', NS.DELAY)?.attrs.stamp ?? '') ?? undefined;
        for (const event of parseMessage(await connection.transformIncoming(inner), { self, stamp })) {
          if (event.kind === 'message' && result.attrs.id) event.message.archiveId = result.attrs.id;
          events.push(event);
        }
      }
      return {
        events,
        first: set?.getChildText('first') ?? null,
        last: set?.getChildText('last') ?? null,
        complete: fin.attrs.complete === 'true',
      };
    } finally {
      this.#pending.delete(queryId);
    }
  }
}

export function messagesOf(events: MessageEvent[]): ChatMessage[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

// -- XEP-0441 archiving preferences --------------------------------------------

export type ArchivePreference = 'always' | 'roster' | 'never';

export async function getArchivePreference(connection: Connection): Promise<ArchivePreference> {
  const prefs = (await connection.iq('get', xml('prefs', { xmlns: NS.MAM }))).getChild('prefs', NS.MAM);
  const value = prefs?.attrs.default;
  return value === 'roster' || value === 'never' ? value : 'always';
}

export async function setArchivePreference(connection: Connection, value: ArchivePreference): Promise<void> {
  await connection.iq('set', xml('prefs', { xmlns: NS.MAM, default: value }, xml('always'), xml('never')));
}
