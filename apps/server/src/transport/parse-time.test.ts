import { describe, expect, it } from 'vitest';
import { StreamParser } from './stream-parser.ts';

/**
 * Parse time must grow linearly with the input, whatever its shape: a
 * quadratic parser let one unauthenticated payload of 87,000 nested <a>
 * stall the whole server for a minute. Each case parses an input and one
 * four times its size; linear cost gives a ratio near 4, quadratic near 16.
 * The assertion allows 10 (plus a few milliseconds for tiny timings), and
 * each time is the fastest of several interleaved runs, so a loaded machine
 * slows both sides rather than one.
 */
const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
const RUNS = 7;
const MAX_RATIO = 10;
const SLACK_MS = 15;

function parse(input: string): { ms: number; elements: number; errors: string[] } {
  let elements = 0;
  const errors: string[] = [];
  const parser = new StreamParser(
    { streamStart: () => undefined, element: () => elements++, streamEnd: () => undefined, error: (condition) => errors.push(condition) },
    { maxStanzaBytes: 64 * 1024 * 1024 },
  );
  const started = performance.now();
  parser.write(HEADER);
  // Socket-sized chunks, as TCP delivers them.
  for (let offset = 0; offset < input.length; offset += 65_536) parser.write(input.slice(offset, offset + 65_536));
  return { ms: performance.now() - started, elements, errors };
}

function fastest(small: string, large: string): { small: number; large: number } {
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let run = 0; run < RUNS; run++) {
    bestSmall = Math.min(bestSmall, parse(small).ms);
    bestLarge = Math.min(bestLarge, parse(large).ms);
  }
  return { small: bestSmall, large: bestLarge };
}

/** Times the input at n and 4n; for valid inputs, checks first that they parse (the limit is tested in stream-parser.test.ts). */
function expectLinear(build: (n: number) => string, n: number, valid = true): void {
  if (valid) {
    const { elements, errors } = parse(build(n));
    expect({ parsed: elements > 0, errors }).toEqual({ parsed: true, errors: [] });
  }
  const { small, large } = fastest(build(n), build(4 * n));
  expect(large, `${small.toFixed(2)} ms for n, ${large.toFixed(2)} ms for 4n`).toBeLessThan(MAX_RATIO * small + SLACK_MS);
}

const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;

describe('parse time is linear in depth and size', () => {
  it('an attacker nesting deeper and deeper (the 87,000 <a> stall) costs no more', () => {
    expectLinear((n) => '<a>'.repeat(n), 2_000, false);
  });

  it('stanzas nested as deep as allowed, more of them', () => {
    const stanza = `<message><x xmlns='urn:example'>${nested(126)}</x></message>`;
    expectLinear((n) => stanza.repeat(n), 150);
  });

  it('one wide stanza: many children, attributes and text', () => {
    const child = "<item jid='someone@example.org' name='a name' subscription='both'><group>friends &amp; family</group></item>";
    expectLinear((n) => `<iq type='set' id='1'><query xmlns='jabber:iq:roster'>${child.repeat(n)}</query></iq>`, 2_000);
  });

  it('long text and long attribute values', () => {
    expectLinear((n) => `<message id='${'i'.repeat(n)}'><body>${'x'.repeat(n)}</body></message>`, 500_000);
  });
});
