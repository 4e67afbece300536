import { describe, expect, it } from 'vitest';
import { federationDnsReport } from './dns-report.ts';
import type { SrvRecord } from './resolver.ts';

const srvTable = (table: Record<string, SrvRecord[]>) => async (name: string) => {
  const records = table[name];
  if (!records) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return records;
};
const noAddress = async () => {
  throw new Error('ENOTFOUND');
};

describe('federation DNS report (conexizan check)', () => {
  it('accepts SRV records that name the s2s port', async () => {
    const report = await federationDnsReport('example.org', { s2s: 5269, s2s_tls: 0 }, srvTable({ '_xmpp-server._tcp.example.org': [{ name: 'xmpp.example.org.', port: 5269, priority: 0, weight: 5 }] }), noAddress);
    expect(report).toEqual([{ level: 'ok', text: '_xmpp-server._tcp.example.org: xmpp.example.org:5269 (priority 0, weight 5)' }]);
  });

  it('falls back to the domain address, and warns when the port is not 5269', async () => {
    const found = async () => ['203.0.113.10'];
    expect(await federationDnsReport('example.org', { s2s: 5269, s2s_tls: 0 }, srvTable({}), found)).toEqual([{ level: 'ok', text: 'no SRV records: other servers connect to example.org:5269 (1 address found)' }]);
    const odd = await federationDnsReport('example.org', { s2s: 5999, s2s_tls: 0 }, srvTable({}), found);
    expect(odd.map((line) => line.level)).toEqual(['ok', 'problem']);
  });

  it('reports a domain nobody can reach, and direct TLS records without the listener', async () => {
    expect((await federationDnsReport('example.org', { s2s: 5269, s2s_tls: 0 }, srvTable({}), noAddress))[0]!.level).toBe('problem');
    const tlsOnly = await federationDnsReport('example.org', { s2s: 5269, s2s_tls: 0 }, srvTable({ '_xmpps-server._tcp.example.org': [{ name: 'xmpp.example.org.', port: 5270, priority: 0, weight: 0 }] }), noAddress);
    expect(tlsOnly.map((line) => line.level)).toEqual(['ok', 'problem']);
  });

  it('says nothing about DNS when federation is off', async () => {
    expect(await federationDnsReport('example.org', { s2s: 0, s2s_tls: 0 }, srvTable({}), noAddress)).toEqual([{ level: 'note', text: 'federation is off (ports.s2s = 0)' }]);
  });
});
