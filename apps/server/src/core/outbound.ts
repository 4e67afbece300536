import type { Element } from '@conexizan/protocol';
import type { LocalSession } from './sessions.ts';

/**
 * What happens to a stanza on its way out to one client session, between
 * the router and the socket. Each filter passes the stanza on with `next`
 * (now or later) or keeps it; the last step writes it to the connection.
 */
export type OutboundFilter = (stanza: Element, session: LocalSession, next: (stanza: Element) => void) => void;

/**
 * Where a filter stands in the chain. Filters run from the first band to
 * the last (within a band, in the order the modules were set up), so the
 * band says what a filter sees:
 *
 * - hold: may keep a stanza back for a while (client state indication,
 *   XEP-0352, queues what an inactive client need not see at once). First,
 *   so that every filter after it sees a stanza only when it really goes
 *   out, in the order it goes out.
 * - notify: watches what goes out and never changes it (push, XEP-0357,
 *   wakes the app of a hibernating session for an important message). After
 *   hold, so it never wakes a phone for a stanza still held back.
 * - record: the last step before the socket, keeping each stanza until the
 *   client acknowledges it (stream management, XEP-0198). Last, because its
 *   count must match exactly what was written: a filter after it could hold
 *   back or drop a stanza the client is already expected to acknowledge.
 */
export const OUTBOUND_BANDS = {
  hold: 100,
  notify: -500,
  record: -1000,
} as const;

export type OutboundBand = keyof typeof OUTBOUND_BANDS;

export class OutboundFilters {
  #filters: { filter: OutboundFilter; priority: number }[] = [];

  add(filter: OutboundFilter, band: OutboundBand): () => void {
    const entry = { filter, priority: OUTBOUND_BANDS[band] };
    // A stable sort: filters of one band stay in the order they were added.
    this.#filters = [...this.#filters, entry].sort((a, b) => b.priority - a.priority);
    return () => {
      this.#filters = this.#filters.filter((e) => e !== entry);
    };
  }

  /** Runs the chain for one stanza; `write` is the socket at the end of it. */
  run(stanza: Element, session: LocalSession, write: (stanza: Element) => void, from = 0): void {
    const filters = this.#filters;
    const step = (index: number, current: Element): void => {
      const entry = filters[index];
      if (!entry) return write(current);
      entry.filter(current, session, (passed) => step(index + 1, passed));
    };
    step(from, stanza);
  }

  /** Where a filter stands, so that what it held back can resume the chain after it. */
  indexOf(filter: OutboundFilter): number {
    return this.#filters.findIndex((e) => e.filter === filter);
  }
}
