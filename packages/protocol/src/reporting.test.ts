import { describe, expect, it } from 'vitest';
import { buildReport, MAX_REPORT_TEXT, MAX_REPORTED_STANZAS, parseReport } from './reporting.ts';
import { parseXml, xml } from './xml.ts';

const item = (...children: ReturnType<typeof xml>[]) => xml('item', { jid: 'spammer@example.org' }, ...children);

describe('XEP-0377 reports', () => {
  it('round-trips every reason, the text, stanza ids and the report-origin opt-in', () => {
    for (const reason of ['spam', 'abuse', 'other'] as const) {
      const built = buildReport({ reason, text: 'buy cheap watches', stanzaIds: [{ id: 'abc', by: 'alice@example.net' }], toOrigin: true }, 'en');
      expect(parseReport(item(parseXml(built.toString())))).toEqual({ reason, text: 'buy cheap watches', stanzaIds: [{ id: 'abc', by: 'alice@example.net' }], toOrigin: true });
    }
  });

  it('reads the XEP text examples and the old namespace slixmpp 1.8 sends', () => {
    const current = parseXml(`<item xmlns='urn:xmpp:blocking' jid='romeo@example.net'><report xmlns="urn:xmpp:reporting:1" reason="urn:xmpp:reporting:spam">
        <stanza-id xmlns='urn:xmpp:sid:0' by='romeo@example.net' id='28482-98726-73623'/>
        <text xml:lang="en">
          Never came trouble to my house like this.
        </text>
      </report></item>`);
    expect(parseReport(current)).toEqual({ reason: 'spam', text: 'Never came trouble to my house like this.', stanzaIds: [{ id: '28482-98726-73623', by: 'romeo@example.net' }], toOrigin: false });
    const old = parseXml(`<item xmlns='urn:xmpp:blocking' jid='romeo@example.net'><report xmlns='urn:xmpp:reporting:0'><text>rude</text><abuse/></report></item>`);
    expect(parseReport(old)).toEqual({ reason: 'abuse', text: 'rude', stanzaIds: [], toOrigin: false });
    expect(parseReport(parseXml(`<item xmlns='urn:xmpp:blocking' jid='romeo@example.net'/>`))).toBeNull();
    expect(parseReport(parseXml(`<item xmlns='urn:xmpp:blocking' jid='x@y'><report xmlns='urn:xmpp:reporting:1' reason='urn:example:unknown'/></item>`))?.reason).toBe('other');
  });

  it('bounds what a report may carry', () => {
    const many = Array.from({ length: MAX_REPORTED_STANZAS + 5 }, (_, i) => ({ id: `id${i}`, by: 'a@b' }));
    const parsed = parseReport(item(buildReport({ reason: 'spam', text: 'x'.repeat(MAX_REPORT_TEXT + 100), stanzaIds: [...many, { id: '', by: 'a@b' }] })));
    expect(parsed!.text).toHaveLength(MAX_REPORT_TEXT);
    expect(parsed!.stanzaIds).toHaveLength(MAX_REPORTED_STANZAS);
  });
});
