import { parseXml } from '@conexizan/protocol';
import { describe, expect, it } from 'vitest';
import { OMEMO_FALLBACK_BODY, buildBundle, buildEncrypted, buildOmemoMessage, parseBundle, parseDeviceList, parseEncrypted } from './xml.ts';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const key33 = (fill: number) => Uint8Array.of(0x05, ...bytes(32, fill));

describe('OMEMO XML (eu.siacs.conversations.axolotl)', () => {
  it('writes <encrypted> as XEP-0384 v0.3 shows it and reads it back', () => {
    const el = buildEncrypted({ sid: 27183, iv: bytes(12, 1), keys: [{ rid: 31415, prekey: true, data: bytes(40, 2) }, { rid: 12321, prekey: false, data: bytes(30, 3) }], payload: bytes(5, 4) });
    expect(el.toString()).toMatch(/^<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="27183"><key rid="31415" prekey="true">[^<]+<\/key><key rid="12321">[^<]+<\/key><iv>AQEBAQEBAQEBAQEB<\/iv><\/header><payload>BAQEBAQ=<\/payload><\/encrypted>$/);
    const back = parseEncrypted(parseXml(el.toString()));
    expect(back).toEqual({ sid: 27183, iv: bytes(12, 1), keys: [{ rid: 31415, prekey: true, data: bytes(40, 2) }, { rid: 12321, prekey: false, data: bytes(30, 3) }], payload: bytes(5, 4) });
  });

  it('reads base64 with line breaks, prekey="1", and an <encrypted> without payload (empty message)', () => {
    const el = parseXml(`<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='7'><key prekey='1' rid='9'>AAAA\n  AAAA</key><iv>AQEBAQEB\nAQEBAQEB</iv></header></encrypted>`);
    expect(parseEncrypted(el)).toEqual({ sid: 7, iv: bytes(12, 1), keys: [{ rid: 9, prekey: true, data: bytes(6, 0) }] });
  });

  it('refuses other namespaces, bad ids and bad IV lengths', () => {
    for (const text of [
      `<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'><iv>AQEBAQEBAQEBAQEB</iv></header></encrypted>`,
      `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='99999999999'><iv>AQEBAQEBAQEBAQEB</iv></header></encrypted>`,
      `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><iv>AQEB</iv></header></encrypted>`,
      `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='abc'>AAAA</key><iv>AQEBAQEBAQEBAQEB</iv></header></encrypted>`,
    ]) {
      expect(() => parseEncrypted(parseXml(text)), text).toThrow(expect.objectContaining({ code: 'corrupted' }));
    }
  });

  it('round-trips a bundle and checks its keys', () => {
    const bundle = { signedPreKeyId: 1, signedPreKeyPublic: key33(1), signedPreKeySignature: bytes(64, 2), identityKey: key33(3), preKeys: [{ id: 5, publicKey: key33(4) }] };
    expect(parseBundle(parseXml(buildBundle(bundle).toString()))).toEqual(bundle);
    const bad = buildBundle({ ...bundle, signedPreKeySignature: bytes(63, 2) }).toString();
    expect(() => parseBundle(parseXml(bad))).toThrow(expect.objectContaining({ code: 'bad-bundle' }));
  });

  it('reads device lists, dropping duplicates, and refuses junk', () => {
    expect(parseDeviceList(parseXml(`<list xmlns='eu.siacs.conversations.axolotl'><device id='1'/><device id='2'/><device id='1'/></list>`))).toEqual([1, 2]);
    expect(parseDeviceList(parseXml(`<list xmlns='eu.siacs.conversations.axolotl'/>`))).toEqual([]);
    for (const text of [`<list xmlns='eu.siacs.conversations.axolotl'><device id='0'/></list>`, `<list xmlns='eu.siacs.conversations.axolotl'><device/></list>`, `<devices xmlns='urn:xmpp:omemo:2'/>`]) {
      expect(() => parseDeviceList(parseXml(text)), text).toThrow(expect.objectContaining({ code: 'bad-device-list' }));
    }
    const long = parseXml(`<list xmlns='eu.siacs.conversations.axolotl'>${'<device id="5"/>'.repeat(65)}</list>`);
    expect(() => parseDeviceList(long)).toThrow(/65 devices/);
  });
});

describe('the <message/> around <encrypted/>', () => {
  it('has a fallback body, the XEP-0380 marker and a store hint; an empty message has neither body nor marker', () => {
    const full = buildOmemoMessage({ to: 'bob@example.org', id: 'm1', encrypted: buildEncrypted({ sid: 1, iv: bytes(12, 0), keys: [], payload: bytes(3, 1) }) });
    expect(full.attrs).toEqual({ to: 'bob@example.org', id: 'm1', type: 'chat' });
    expect(full.getChildText('body')).toBe(OMEMO_FALLBACK_BODY);
    expect(full.getChild('encryption', 'urn:xmpp:eme:0')!.attrs).toMatchObject({ namespace: 'eu.siacs.conversations.axolotl', name: 'OMEMO' });
    expect(full.getChild('store', 'urn:xmpp:hints')).toBeDefined();
    const empty = buildOmemoMessage({ to: 'bob@example.org', id: 'm2', encrypted: buildEncrypted({ sid: 1, iv: bytes(12, 0), keys: [] }) });
    expect(empty.getChild('body')).toBeUndefined();
    expect(empty.getChild('encryption', 'urn:xmpp:eme:0')).toBeUndefined();
    expect(empty.getChild('store', 'urn:xmpp:hints')).toBeDefined();
  });
});
