import { parseXml } from '@conexizan/protocol';
import { describe, expect, it } from 'vitest';
import { findOmemoMessage } from './incoming.ts';

const OWN = 'alice@example.org';
const ENCRYPTED = `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>`;
const inner = (from: string) => `<message xmlns='jabber:client' from='${from}' to='${OWN}' type='chat'>${ENCRYPTED}</message>`;
const forwarded = (from: string) => `<forwarded xmlns='urn:xmpp:forward:0'>${inner(from)}</forwarded>`;

describe('findOmemoMessage', () => {
  it('finds a live message, a carbon and an archive result', () => {
    expect(findOmemoMessage(parseXml(inner('bob@example.org/phone')), OWN)).toMatchObject({ from: 'bob@example.org', via: 'live' });
    const carbon = parseXml(`<message xmlns='jabber:client' from='${OWN}' to='${OWN}/web'><sent xmlns='urn:xmpp:carbons:2'>${forwarded(`${OWN}/phone`)}</sent></message>`);
    expect(findOmemoMessage(carbon, OWN)).toMatchObject({ from: OWN, via: 'carbon' });
    const archived = parseXml(`<message xmlns='jabber:client' to='${OWN}/web'><result xmlns='urn:xmpp:mam:2' queryid='q' id='1'>${forwarded('bob@example.org/phone')}</result></message>`);
    expect(findOmemoMessage(archived, OWN)).toMatchObject({ from: 'bob@example.org', via: 'archive' });
  });

  it('ignores carbons and archive results from anyone but the own account, and messages without OMEMO', () => {
    const forged = parseXml(`<message xmlns='jabber:client' from='mallory@example.org' to='${OWN}/web'><received xmlns='urn:xmpp:carbons:2'>${forwarded('bob@example.org/phone')}</received></message>`);
    expect(findOmemoMessage(forged, OWN)).toBeNull();
    const forgedArchive = parseXml(`<message xmlns='jabber:client' from='mallory@example.org'><result xmlns='urn:xmpp:mam:2' id='1'>${forwarded('bob@example.org')}</result></message>`);
    expect(findOmemoMessage(forgedArchive, OWN)).toBeNull();
    expect(findOmemoMessage(parseXml(`<message xmlns='jabber:client' from='bob@example.org'><body>hi</body></message>`), OWN)).toBeNull();
    expect(findOmemoMessage(parseXml(`<presence xmlns='jabber:client'/>`), OWN)).toBeNull();
  });
});
