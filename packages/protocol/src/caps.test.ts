import { describe, expect, it } from 'vitest';
import { CapsError, capsElement, capsHash, capsVerificationString, compareOctets, validateCapsInput } from './caps.ts';
import type { CapsInput } from './caps.ts';
import { buildDataForm } from './dataforms.ts';
import { discoInfoResult, discoItemsResult, parseDiscoInfo } from './disco.ts';
import { StanzaError } from './errors.ts';
import { NS } from './namespaces.ts';
import { parseXml } from './xml.ts';

const FEATURES = [
  'http://jabber.org/protocol/disco#items',
  'http://jabber.org/protocol/caps',
  'http://jabber.org/protocol/muc',
  'http://jabber.org/protocol/disco#info',
];

describe('XEP-0115 §5.2 simple generation example', () => {
  const input: CapsInput = { identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }], features: FEATURES };
  it('builds S', () => {
    expect(capsVerificationString(input)).toBe(
      'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
    );
  });
  it('hashes', async () => {
    expect(await capsHash(input)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });
});

describe('XEP-0115 §5.3 complex generation example', () => {
  const form = buildDataForm({
    type: 'result',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
      { var: 'ip_version', type: 'text-multi', values: ['ipv4', 'ipv6'] },
      { var: 'os', values: ['Mac'] },
      { var: 'os_version', values: ['10.5.1'] },
      { var: 'software', values: ['Psi'] },
      { var: 'software_version', values: ['0.11'] },
    ],
  });
  const input: CapsInput = {
    identities: [
      { category: 'client', type: 'pc', lang: 'en', name: 'Psi 0.11' },
      { category: 'client', type: 'pc', lang: 'el', name: 'Ψ 0.11' },
    ],
    features: FEATURES,
    forms: [form],
  };
  const S =
    'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<';
  it('builds S', () => {
    expect(capsVerificationString(input)).toBe(S);
  });
  it('hashes', async () => {
    expect(await capsHash(input)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });
  it('same result from a parsed disco#info result', async () => {
    const q = parseXml(discoInfoResult({ identities: input.identities, features: FEATURES, forms: [form] }).toString());
    const parsed = parseDiscoInfo(q);
    expect(capsVerificationString(parsed)).toBe(S);
    expect(await capsHash(parsed)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
    expect(await capsHash(parsed, 'sha-256')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
  it('ignores forms without FORM_TYPE', () => {
    const noType = buildDataForm({ type: 'result', fields: [{ var: 'x', values: ['y'] }] });
    expect(capsVerificationString({ ...input, forms: [form, noType] })).toBe(S);
  });
});

describe('caps helpers', () => {
  it('compareOctets orders by code point (UTF-8 byte order)', () => {
    expect(['b', 'a', '\u{1F600}', '\uFFFD', 'B'].sort(compareOctets)).toEqual(['B', 'a', 'b', '\uFFFD', '\u{1F600}']);
    expect(compareOctets('a', 'ab')).toBe(-1);
    expect(compareOctets('ab', 'ab')).toBe(0);
  });
  it('validateCapsInput rejects duplicates', () => {
    expect(() => validateCapsInput({ identities: [{ category: 'c', type: 't' }, { category: 'c', type: 't' }], features: [] })).toThrow(CapsError);
    expect(() => validateCapsInput({ identities: [], features: ['a', 'a'] })).toThrow(CapsError);
    const f = buildDataForm({ type: 'result', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: ['u'] }] });
    expect(() => validateCapsInput({ identities: [], features: [], forms: [f, f] })).toThrow(CapsError);
    expect(() => validateCapsInput({ identities: [{ category: 'c', type: 't' }], features: ['a'], forms: [f] })).not.toThrow();
  });
  it('capsElement', () => {
    expect(capsElement('https://conexizan.org', 'abc=').toString()).toBe(
      `<c xmlns="${NS.CAPS}" hash="sha-1" node="https://conexizan.org" ver="abc="/>`,
    );
  });
});

describe('disco builders', () => {
  it('discoInfoResult', () => {
    const q = discoInfoResult({
      identities: [{ category: 'server', type: 'im', name: 'Conexizan' }],
      features: [NS.DISCO_INFO, NS.DISCO_ITEMS, NS.DISCO_INFO],
    });
    expect(q.toString()).toBe(
      `<query xmlns="${NS.DISCO_INFO}"><identity category="server" type="im" name="Conexizan"/><feature var="${NS.DISCO_INFO}"/><feature var="${NS.DISCO_ITEMS}"/></query>`,
    );
    expect(discoInfoResult({ identities: [], features: [], node: 'n#v' }).attrs.node).toBe('n#v');
  });
  it('discoItemsResult', () => {
    expect(discoItemsResult([{ jid: 'upload.example.com', name: 'Upload' }]).toString()).toBe(
      `<query xmlns="${NS.DISCO_ITEMS}"><item jid="upload.example.com" name="Upload"/></query>`,
    );
  });
  it('parseDiscoInfo rejects malformed input', () => {
    expect(() => parseDiscoInfo(parseXml(`<query xmlns="${NS.DISCO_INFO}"><identity type="pc"/></query>`))).toThrow(StanzaError);
    expect(() => parseDiscoInfo(parseXml(`<query xmlns="${NS.DISCO_INFO}"><feature/></query>`))).toThrow(StanzaError);
    expect(() => parseDiscoInfo(parseXml(`<query xmlns="${NS.DISCO_ITEMS}"/>`))).toThrow(StanzaError);
  });
});
