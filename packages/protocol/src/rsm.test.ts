import { describe, expect, it } from 'vitest';
import { parseRsmRequest, parseRsmResult, rsmRequest, rsmResult, type RsmLimits } from './rsm.ts';
import { parseXml } from './xml.ts';

const LIMITS: RsmLimits = { defaultMax: 50, maxMax: 250, maxIdLength: 64 };
const RSM = 'xmlns="http://jabber.org/protocol/rsm"';

/** Throws the StanzaError with this condition. */
const fails = (condition: string) => expect.objectContaining({ name: 'StanzaError', condition });

describe('XEP-0059 result set management', () => {
  it("reads back what a requester builds (the responder's view of a request)", () => {
    expect(parseRsmRequest(rsmRequest({ max: 10, after: 'abc' }), LIMITS)).toEqual({ max: 10, after: 'abc' });
    // §2.5: an empty <before/> asks for the last page.
    expect(parseRsmRequest(rsmRequest({ max: 30, before: '' }), LIMITS)).toEqual({ max: 30, before: '' });
    expect(parseRsmRequest(rsmRequest({ max: 5, index: 20 }), LIMITS)).toEqual({ max: 5, index: 20 });
  });

  it('uses the default page without a <set/> and cuts a large <max/> down', () => {
    expect(parseRsmRequest(undefined, LIMITS)).toEqual({ max: 50 });
    expect(parseRsmRequest(parseXml(`<set ${RSM}><max>100000</max></set>`), LIMITS).max).toBe(250);
  });

  it('answers malformed requests with bad-request and impossible ids with item-not-found', () => {
    expect(() => parseRsmRequest(parseXml(`<set ${RSM}><max>-1</max></set>`), LIMITS)).toThrow(fails('bad-request'));
    expect(() => parseRsmRequest(parseXml(`<set ${RSM}><max>ten</max></set>`), LIMITS)).toThrow(fails('bad-request'));
    expect(() => parseRsmRequest(parseXml(`<set ${RSM}><after/></set>`), LIMITS)).toThrow(fails('bad-request'));
    expect(() => parseRsmRequest(parseXml(`<set ${RSM}><after>a</after><index>1</index></set>`), LIMITS)).toThrow(fails('bad-request'));
    expect(() => parseRsmRequest(parseXml(`<set ${RSM}><before>${'x'.repeat(65)}</before></set>`), LIMITS)).toThrow(fails('item-not-found'));
  });

  it("reads back what a responder describes (the requester's view of a page)", () => {
    expect(parseRsmResult(rsmResult({ first: 'a', firstIndex: 3, last: 'z', count: 40 }))).toEqual({ first: 'a', firstIndex: 3, last: 'z', count: 40 });
    // An empty page names no first or last item.
    const empty = rsmResult({ first: null, firstIndex: null, last: null, count: 0 });
    expect(empty.toString()).toBe(`<set ${RSM}><count>0</count></set>`);
    expect(parseRsmResult(empty)).toEqual({ first: null, firstIndex: null, last: null, count: 0 });
  });

  it('reads a page from another server tolerantly (XEP-0059 Example 2 shape, count left out)', () => {
    const set = parseXml(`<set ${RSM}><first index="0">stpeter@jabber.org</first><last>peterpan@neverland.lit</last></set>`);
    expect(parseRsmResult(set)).toEqual({ first: 'stpeter@jabber.org', firstIndex: 0, last: 'peterpan@neverland.lit', count: null });
    expect(parseRsmResult(undefined)).toEqual({ first: null, firstIndex: null, last: null, count: null });
  });
});
