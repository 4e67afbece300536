import { describe, expect, it } from 'vitest';
import { Parser, cloneElement, parseXml, xml } from './xml.ts';

describe('xml layer', () => {
  it('builds and serializes with escaping', () => {
    expect(xml('a', { x: '<&"', y: undefined }, 'a<b', xml('c')).toString()).toBe('<a x="&lt;&amp;&quot;">a&lt;b<c/></a>');
  });
  it('parseXml keeps top-level children in order', () => {
    const el = parseXml('<a x="1">t1<b>in</b>t2<c/></a>');
    expect(el.toString()).toBe('<a x="1">t1<b>in</b>t2<c/></a>');
    expect(el.getChild('b')?.parent).toBe(el);
  });
  it('parseXml throws on bad XML', () => {
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a>')).toThrow();
  });
  it('cloneElement is deep', () => {
    const a = xml('a', { k: 'v' }, xml('b', null, 'text'));
    const c = cloneElement(a);
    c.getChild('b')!.attrs.z = '1';
    expect(a.toString()).toBe('<a k="v"><b>text</b></a>');
    expect(c.getChild('b')?.parent).toBe(c);
  });
  it('Parser streams stanzas', () => {
    const p = new Parser();
    const got: string[] = [];
    p.on('start', (el) => got.push('start:' + el.name));
    p.on('element', (el) => got.push(el.toString()));
    p.write('<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams"><message><bo');
    p.write('dy>hi</body></message>');
    expect(got).toEqual(['start:stream:stream', '<message><body>hi</body></message>']);
  });
});
