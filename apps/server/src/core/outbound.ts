import type { Element } from '@conexizan/protocol';
import type { LocalSession } from './sessions.ts';

/**
 * What happens to a stanza on its way out to one client session, between
 * the router and the socket: client state indication may hold it back,
 * stream management counts and keeps it until acknowledged. Each filter
 * passes the stanza on with `next` (now or later) or keeps it; the last
 * step writes it to the connection. Filters run by descending priority.
 */
export type OutboundFilter = (stanza: Element, session: LocalSession, next: (stanza: Element) => void) => void;

export class OutboundFilters {
  #filters: { filter: OutboundFilter; priority: number }[] = [];

  add(filter: OutboundFilter, priority = 0): () => void {
    const entry = { filter, priority };
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
