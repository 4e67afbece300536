import { describe, expect, it } from 'vitest';
import { NS } from './namespaces.ts';
import { serverStreamHeader, STREAM_END, streamHeader, streamHeaderProblem } from './stream.ts';
import { Parser, type Element } from './xml.ts';

/** What a peer's parser sees of a header: the root element's name and attributes. */
function parseHeader(header: string): Element {
  const parser = new Parser();
  let root: Element | null = null;
  parser.on('start', (el) => (root = el));
  parser.write(header);
  if (!root) throw new Error('no stream header parsed');
  return root;
}

describe('stream headers (RFC 6120 §4.7)', () => {
  it('opens a client stream with id, from, version and language, and closes it', () => {
    const header = streamHeader({ xmlns: NS.CLIENT, id: 'abc', from: 'example.org', lang: 'de' });
    expect(header.startsWith("<?xml version='1.0'?><stream:stream ")).toBe(true);
    const root = parseHeader(header + STREAM_END);
    expect(root.name).toBe('stream:stream');
    expect(root.attrs).toEqual({ xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM, id: 'abc', from: 'example.org', version: '1.0', 'xml:lang': 'de' });
    expect(streamHeaderProblem(root.name, root.attrs, NS.CLIENT)).toBeNull();
  });

  it('declares the dialback prefix on server streams and leaves out what is not given', () => {
    const root = parseHeader(serverStreamHeader({ from: 'a.example', to: 'b.example' }));
    expect(root.attrs).toEqual({ xmlns: NS.SERVER, 'xmlns:stream': NS.STREAM, 'xmlns:db': NS.DIALBACK, from: 'a.example', to: 'b.example', version: '1.0' });
  });

  it('writes component streams (XEP-0114) without a version', () => {
    const root = parseHeader(streamHeader({ xmlns: NS.COMPONENT_ACCEPT, from: 'bot.example', id: 'x1', version: null }));
    expect(root.attrs.version).toBeUndefined();
    expect(root.attrs.xmlns).toBe(NS.COMPONENT_ACCEPT);
  });

  it('escapes attribute values, so a hostile value cannot add attributes or elements', () => {
    const hostile = `x' evil='1"><y/>&`;
    const root = parseHeader(streamHeader({ xmlns: NS.CLIENT, from: hostile }));
    expect(root.attrs.from).toBe(hostile);
    expect(root.attrs.evil).toBeUndefined();
  });

  it("names what is wrong with a peer's header", () => {
    expect(streamHeaderProblem('stream', { xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM }, NS.CLIENT)?.condition).toBe('invalid-namespace');
    expect(streamHeaderProblem('stream:stream', { xmlns: NS.CLIENT, 'xmlns:stream': 'urn:other' }, NS.CLIENT)?.text).toContain(NS.STREAM);
    expect(streamHeaderProblem('stream:stream', { xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM }, NS.SERVER)?.text).toContain(NS.SERVER);
  });
});
