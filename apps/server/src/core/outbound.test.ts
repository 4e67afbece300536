import { describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import type { LocalSession } from './sessions.ts';
import { OutboundFilters } from './outbound.ts';

const session = {} as LocalSession;

describe('OutboundFilters', () => {
  it('runs filters band by band (hold, notify, record), in the order they were added within a band, and writes what they pass on', () => {
    const filters = new OutboundFilters();
    const order: string[] = [];
    const named = (name: string) => (s: Element, _session: LocalSession, next: (s: Element) => void) => (order.push(name), next(s));
    filters.add(named('record'), 'record');
    filters.add(named('notify'), 'notify');
    filters.add((s, _session, next) => {
      order.push('hold');
      s.attrs.marked = 'yes';
      next(s);
    }, 'hold');
    filters.add(named('second notify'), 'notify');
    const written: Element[] = [];
    filters.run(xml('message'), session, (s) => written.push(s));
    expect(order).toEqual(['hold', 'notify', 'second notify', 'record']);
    expect(written[0]!.attrs.marked).toBe('yes');
  });

  it('lets a filter hold a stanza back and release it later, to the filters after it', () => {
    const filters = new OutboundFilters();
    const held: (() => void)[] = [];
    const recorded: Element[] = [];
    filters.add((s, _session, next) => void held.push(() => next(s)), 'hold');
    filters.add((s, _session, next) => (recorded.push(s), next(s)), 'record');
    const written: Element[] = [];
    filters.run(xml('presence'), session, (s) => written.push(s));
    expect(written).toHaveLength(0);
    expect(recorded).toHaveLength(0);
    held[0]!();
    expect(recorded).toHaveLength(1);
    expect(written).toHaveLength(1);
  });

  it('takes a filter out again', () => {
    const filters = new OutboundFilters();
    const remove = filters.add((s) => void s, 'hold'); // drops everything
    remove();
    const written: Element[] = [];
    filters.run(xml('message'), session, (s) => written.push(s));
    expect(written).toHaveLength(1);
  });
});
