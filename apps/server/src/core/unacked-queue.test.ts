import { describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { UnackedQueue, wrap, MODULUS } from './unacked-queue.ts';

describe('XEP-0198 counters', () => {
  it('removes what an ack confirms and keeps the rest in order', () => {
    const queue = new UnackedQueue();
    for (const id of ['a', 'b', 'c']) queue.push({ stanza: xml('message', { id }), queuedAt: new Date() });
    expect(queue.ack(2)).toBe(true);
    expect(queue.items.map((u) => u.stanza.attrs.id)).toEqual(['c']);
    expect(queue.ack(2)).toBe(true); // a repeated ack changes nothing
    expect(queue.items).toHaveLength(1);
  });

  it('refuses an ack for more than was sent', () => {
    const queue = new UnackedQueue();
    queue.push({ stanza: xml('message'), queuedAt: new Date() });
    expect(queue.ack(5)).toBe(false);
    expect(queue.items).toHaveLength(1);
  });

  it('wraps at 2^32', () => {
    const queue = new UnackedQueue();
    queue.sent = MODULUS - 1;
    queue.acked = MODULUS - 1;
    queue.push({ stanza: xml('message', { id: 'x' }), queuedAt: new Date() });
    queue.push({ stanza: xml('message', { id: 'y' }), queuedAt: new Date() });
    expect(queue.sent).toBe(1);
    expect(queue.ack(0)).toBe(true);
    expect(queue.items.map((u) => u.stanza.attrs.id)).toEqual(['y']);
    expect(wrap(-1)).toBe(MODULUS - 1);
  });

  it('drains exactly once', () => {
    const queue = new UnackedQueue();
    queue.push({ stanza: xml('message'), queuedAt: new Date() });
    expect(queue.drain()).toHaveLength(1);
    expect(queue.drain()).toHaveLength(0);
  });
});
