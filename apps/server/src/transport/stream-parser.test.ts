import { describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { MAX_DEPTH, StreamParser } from './stream-parser.ts';

function collect(maxStanzaBytes = 1024) {
  const seen = { starts: [] as Record<string, string>[], elements: [] as Element[], errors: [] as string[], ended: false };
  const parser = new StreamParser(
    {
      streamStart: (attrs) => seen.starts.push(attrs),
      element: (el) => seen.elements.push(el),
      streamEnd: () => (seen.ended = true),
      error: (condition) => seen.errors.push(condition),
    },
    { maxStanzaBytes },
  );
  return { parser, seen };
}

const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

describe('StreamParser', () => {
  it('reports the header, namespaced stanzas split over reads, and the end', () => {
    const { parser, seen } = collect();
    parser.write(header);
    parser.write("<message to='a@localhost'><bo");
    parser.write('dy>hi</body></message>');
    parser.write('</stream:stream>');
    expect(seen.starts[0]!.to).toBe('localhost');
    expect(seen.elements).toHaveLength(1);
    expect(seen.elements[0]!.getNS()).toBe('jabber:client');
    expect(seen.elements[0]!.getChildText('body')).toBe('hi');
    expect(seen.ended).toBe(true);
  });

  it('refuses a stanza over the size limit with policy-violation', () => {
    const { parser, seen } = collect(4096);
    parser.write(header);
    parser.write(`<message><body>${'x'.repeat(5000)}</body></message>`);
    expect(seen.errors).toEqual(['policy-violation']);
    expect(seen.elements).toHaveLength(0);
  });

  it('maps malformed XML to not-well-formed and DOCTYPEs to restricted-xml', () => {
    const bad = collect();
    bad.parser.write(header);
    bad.parser.write('<message></iq>');
    expect(bad.seen.errors).toEqual(['not-well-formed']);
    const doctype = collect();
    doctype.parser.write('<!DOCTYPE foo>');
    expect(doctype.seen.errors).toEqual(['restricted-xml']);
  });

  it('refuses elements nested deeper than 128 levels with policy-violation, also split over reads', () => {
    const nested = (depth: number) => `<message>${'<a>'.repeat(depth - 1)}${'</a>'.repeat(depth - 1)}</message>`;
    const ok = collect(1 << 20);
    ok.parser.write(header);
    ok.parser.write(nested(MAX_DEPTH));
    expect(ok.seen.errors).toEqual([]);
    expect(ok.seen.elements).toHaveLength(1);

    const deep = collect(1 << 20);
    deep.parser.write(header);
    const attack = nested(MAX_DEPTH + 1);
    for (let i = 0; i < attack.length; i += 7) deep.parser.write(attack.slice(i, i + 7));
    expect(deep.seen.errors).toEqual(['policy-violation']);
    expect(deep.seen.elements).toHaveLength(0);
  });

  it('counts the size limit per stanza, not across keepalives and stanzas', () => {
    const { parser, seen } = collect(4096);
    parser.write(header);
    for (let i = 0; i < 20; i++) parser.write(`<message><body>${'x'.repeat(3000)}</body></message>${' '.repeat(500)}`);
    expect(seen.errors).toEqual([]);
    expect(seen.elements).toHaveLength(20);
  });

  it('whitespace left over from the previous stream does not break the next header (go-sendxmpp after SASL)', () => {
    const { parser, seen } = collect();
    parser.write(header);
    parser.pause();
    parser.write('\n');
    parser.reset();
    parser.resume();
    parser.write(`\n${header}<presence/>`);
    expect(seen.errors).toEqual([]);
    expect(seen.starts).toHaveLength(2);
    expect(seen.elements).toHaveLength(1);
  });

  it('does not accumulate whitespace keepalives', () => {
    const { parser, seen } = collect();
    parser.write(header);
    for (let i = 0; i < 1000; i++) parser.write(' ');
    parser.write('<presence/>');
    expect(seen.elements).toHaveLength(1);
    expect(seen.elements[0]!.parent?.children ?? []).toHaveLength(0);
  });
});
