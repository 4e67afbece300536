import { describe, expect, it } from 'vitest';
import { RestrictedXmlScanner } from './restricted-xml.ts';

function scanAll(...chunks: string[]) {
  const scanner = new RestrictedXmlScanner();
  for (const chunk of chunks) {
    const violation = scanner.scan(chunk);
    if (violation) return violation;
  }
  return null;
}

describe('RFC 6120 §11.1 restricted XML', () => {
  it('accepts ordinary streams with a declaration, CDATA and predefined entities', () => {
    expect(scanAll("<?xml version='1.0'?><stream:stream><message><body>a &amp; b &#65; &#x42; <![CDATA[<!-- not a comment -->]]></body></message>")).toBeNull();
  });

  it('refuses DOCTYPEs, comments, processing instructions and custom entities', () => {
    expect(scanAll('<!DOCTYPE stream [<!ENTITY x "y">]><stream:stream>')).toBe('doctype');
    expect(scanAll('<stream:stream><!-- hi -->')).toBe('comment');
    expect(scanAll('<stream:stream><?php ?>')).toBe('processing-instruction');
    expect(scanAll('<stream:stream><body>&xxe;</body>')).toBe('entity');
    expect(scanAll("<stream:stream><?xml version='1.0'?>")).toBe('processing-instruction');
  });

  it('finds where each top-level element ends, whatever its attributes hold', () => {
    const scanner = new RestrictedXmlScanner();
    const input = `<stream:stream a='1'><message to="x>y" b='/>'><body>a &lt; b<br/></body></message><presence/> <iq><![CDATA[</iq>]]></iq>`;
    const pieces: string[] = [];
    for (let from = 0; ;) {
      const event = scanner.next(input, from);
      if (!event) break;
      expect(event.kind).toBe('element-end');
      if (event.kind !== 'element-end') break;
      pieces.push(input.slice(from, event.offset));
      from = event.offset;
    }
    expect(pieces).toEqual([
      `<stream:stream a='1'><message to="x>y" b='/>'><body>a &lt; b<br/></body></message>`,
      '<presence/>',
      ' <iq><![CDATA[</iq>]]></iq>',
    ]);
  });

  it('refuses an entity reference inside an attribute value too', () => {
    expect(scanAll("<stream:stream><message to='&xxe;'/>")).toBe('entity');
  });

  it('catches a forbidden construct split across reads', () => {
    expect(scanAll('<stream:stream><', '!', '--x-->')).toBe('comment');
    expect(scanAll('<stream:stream><body>&xx', 'e;</body>')).toBe('entity');
    expect(scanAll('<stream:stream><![CD', 'ATA[<!DOCTYPE]', ']></stream:stream>')).toBeNull();
  });
});
