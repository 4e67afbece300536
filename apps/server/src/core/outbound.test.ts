import { describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import type { LocalSession } from './sessions.ts';
import { OutboundFilters } from './outbound.ts';

const session = {} as LocalSession;

describe('OutboundFilters', () => {
  it('runs filters by priority and writes what they pass on', () => {
    const filters = new OutboundFilters();
    const order: string[] = [];
    filters.add((s, _session, next) => (order.push('low'), next(s)), -1);
    filters.add((s, _session, next) => {
      order.push('high');
      s.attrs.marked = 'yes';
      next(s);
    }, 10);
    const written: Element[] = [];
    filters.run(xml('message'), session, (s) => written.push(s));
    expect(order).toEqual(['high', 'low']);
    expect(written[0]!.attrs.marked).toBe('yes');
  });

  it('lets a filter hold a stanza back and release it later', () => {
    const filters = new OutboundFilters();
    const held: (() => void)[] = [];
    filters.add((s, _session, next) => void held.push(() => next(s)));
    const written: Element[] = [];
    filters.run(xml('presence'), session, (s) => written.push(s));
    expect(written).toHaveLength(0);
    held[0]!();
    expect(written).toHaveLength(1);
  });
});
