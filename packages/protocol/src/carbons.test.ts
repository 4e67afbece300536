import { describe, expect, it } from 'vitest';
import { carbonInner, hasContent } from './carbons.ts';
import { NS } from './namespaces.ts';
import { xml } from './xml.ts';

describe('message content and carbons', () => {
  it('finds the message inside a sent or received carbon, and nothing in a plain message', () => {
    const inner = xml('message', { from: 'a@example.org/phone', to: 'b@example.org' }, xml('body', {}, 'hi'));
    for (const kind of ['sent', 'received']) {
      const carbon = xml('message', {}, xml(kind, { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, inner)));
      expect(carbonInner(carbon)).toBe(inner);
    }
    expect(carbonInner(inner)).toBeUndefined();
  });

  it('counts a body or an OMEMO payload as content, a chat state alone not', () => {
    expect(hasContent(xml('message', {}, xml('body', {}, 'hi')))).toBe(true);
    expect(hasContent(xml('message', {}, xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' })))).toBe(true);
    expect(hasContent(xml('message', {}, xml('active', { xmlns: NS.CHATSTATES })))).toBe(false);
  });
});
