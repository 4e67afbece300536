import { isMamResult, mamQuery, parseMamFin, parseMamResult, type MamResult } from '@conexizan/protocol/mam';
import type { Element } from '@conexizan/protocol/xml';
import type { Connection } from './client.ts';

/** Which page of an archive to fetch (XEP-0059 paging by archive id). */
export interface ArchiveRequest {
  /** only the conversation with this JID (one-to-one archives) */
  with?: string;
  /** page backwards from this archive id ('' = from the newest) */
  before?: string;
  /** page forwards after this archive id */
  after?: string;
  max: number;
}

/** One page of an archive: the archived stanzas (oldest first) and where the page ends. */
export interface ArchiveResults {
  results: MamResult[];
  first: string | null;
  last: string | null;
  /** nothing further in the direction of paging */
  complete: boolean;
}

const bareOf = (jid: string) => jid.split('/')[0]!.toLowerCase();

/**
 * Queries archives (XEP-0313): the account's own, and rooms' (§6). Result
 * messages arrive as separate stanzas before the iq result; the session
 * routes every message through `collect` first, which keeps those of our
 * queries, keyed by our queryid and checked against the archive that was
 * asked, so nobody else can slip results in (nor show them as live messages).
 */
export class ArchiveQueries {
  #pending = new Map<string, { archive: string; results: MamResult[] }>();

  constructor(
    private readonly connection: Pick<Connection, 'iq'>,
    /** our own bare JID: the address of our account's archive */
    private readonly self: string,
  ) {}

  /** True when the stanza was an archive result (then it was taken, or dropped as not ours). */
  collect(stanza: Element): boolean {
    if (!isMamResult(stanza)) return false;
    const result = parseMamResult(stanza);
    // An archive answers from its bare JID (ours also without a from, RFC 6120 §8.1.2.1), never from an occupant.
    const from = stanza.attrs.from ? stanza.attrs.from.toLowerCase() : this.self;
    const query = this.#pending.get(result?.queryId ?? '');
    if (result && query && query.archive === from) query.results.push(result);
    return true;
  }

  /** One page of `archive` (our bare JID, or a room's). Rejects with the server's error (.condition) as the connection does. */
  async query(archive: string, request: ArchiveRequest): Promise<ArchiveResults> {
    const queryId = crypto.randomUUID();
    const bucket = { archive: bareOf(archive), results: [] as MamResult[] };
    this.#pending.set(queryId, bucket);
    try {
      const page = { max: request.max, before: request.before, after: request.after };
      const answer = await this.connection.iq('set', mamQuery({ queryId, with: request.with, page }), bucket.archive === this.self ? undefined : bucket.archive);
      const fin = parseMamFin(answer);
      if (!fin) throw new Error('archive query answered without <fin/>');
      return { results: bucket.results, first: fin.page.first, last: fin.page.last, complete: fin.complete };
    } finally {
      this.#pending.delete(queryId);
    }
  }
}
