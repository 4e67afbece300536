import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { StreamAcks } from './stream-acks.ts';

function setup(options: { requestAfter?: number } = {}) {
  const written: Element[] = [];
  let timedOut = 0;
  const acks = new StreamAcks({ write: (element) => written.push(element), ackTimedOut: () => timedOut++, ackTimeoutMs: 10_000, requestDelayMs: 250, ...options });
  const send = (id: string) => acks.sent({ stanza: xml('message', { id }), from: 'a.test', resent: false });
  const requests = () => written.filter((element) => element.name === 'r').length;
  return { acks, written, send, requests, timedOut: () => timedOut };
}

const ack = (h: number) => xml('a', { xmlns: NS.SM, h: String(h) });

describe('XEP-0198 on a server-to-server stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps nothing before enable: nobody would ever confirm it', () => {
    const { acks, send, requests } = setup();
    send('1');
    vi.advanceTimersByTime(1000);
    expect(acks.takeUnacked()).toEqual([]);
    expect(requests()).toBe(0);
  });

  it('asks for an ack after a burst and after a pause, and forgets what the peer confirmed', () => {
    const { acks, send, requests } = setup({ requestAfter: 3 });
    acks.enable();
    send('1');
    expect(requests()).toBe(0);
    vi.advanceTimersByTime(300); // a pause after one stanza
    expect(requests()).toBe(1);
    expect(acks.onElement(ack(1))).toBe('handled');
    for (const id of ['2', '3', '4']) send(id);
    expect(requests()).toBe(2); // the burst reached three
    expect(acks.onElement(ack(3))).toBe('handled');
    expect(acks.takeUnacked().map((sent) => sent.stanza.attrs.id)).toEqual(['4']);
  });

  it('hands back what was never confirmed exactly once, in order', () => {
    const { acks, send } = setup();
    acks.enable();
    for (const id of ['1', '2', '3']) send(id);
    acks.onElement(ack(1));
    expect(acks.takeUnacked().map((sent) => sent.stanza.attrs.id)).toEqual(['2', '3']);
    expect(acks.takeUnacked()).toEqual([]);
  });

  it('answers <r/> with the number of stanzas handled since enable', () => {
    const { acks, written } = setup();
    acks.received(); // before enable: not counted
    acks.enable();
    acks.received();
    acks.received();
    expect(acks.onElement(xml('r', { xmlns: NS.SM }))).toBe('handled');
    expect(written.at(-1)?.attrs.h).toBe('2');
  });

  it('refuses an ack for more than was sent, and a malformed one', () => {
    const { acks, send } = setup();
    acks.enable();
    send('1');
    expect(acks.onElement(ack(2))).toBe('too-high');
    expect(acks.onElement(xml('a', { xmlns: NS.SM, h: 'x' }))).toBe('too-high');
    expect(acks.unackedCount).toBe(1);
  });

  it('reports a peer that leaves a request unanswered, and not one that answered', () => {
    const quiet = setup();
    quiet.acks.enable();
    quiet.send('1');
    vi.advanceTimersByTime(300 + 10_000);
    expect(quiet.timedOut()).toBe(1);

    const answering = setup();
    answering.acks.enable();
    answering.send('1');
    vi.advanceTimersByTime(300);
    answering.acks.onElement(ack(1));
    vi.advanceTimersByTime(20_000);
    expect(answering.timedOut()).toBe(0);
  });

  it('keeps nothing once the peer refused SM', () => {
    const { acks, send } = setup();
    acks.enable();
    send('1');
    acks.disable();
    send('2');
    expect(acks.takeUnacked()).toEqual([]);
  });

  it('leaves other namespaces alone', () => {
    expect(setup().acks.onElement(xml('message'))).toBe('not-sm');
  });
});
