import { describe, expect, it } from 'vitest';
import { NoServiceError, orderSrv, parseHostPort, resolveTargets, type SrvRecord } from './resolver.ts';

const srv = (name: string, port: number, priority: number, weight: number): SrvRecord => ({ name, port, priority, weight });

function lookups(table: Record<string, SrvRecord[] | 'fail'>) {
  const asked: string[] = [];
  return {
    asked,
    lookupSrv: async (name: string) => {
      asked.push(name);
      const answer = table[name];
      if (answer === undefined || answer === 'fail') throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
      return answer;
    },
  };
}

describe('s2s resolver', () => {
  it('uses the static host map without asking DNS', async () => {
    const dns = lookups({});
    expect(await resolveTargets('private.example', { staticHosts: { 'private.example': '10.0.0.7:5270' }, lookupSrv: dns.lookupSrv })).toEqual([{ host: '10.0.0.7', port: 5270, directTls: false }]);
    expect(dns.asked).toEqual([]);
  });

  it('falls back to the domain itself on 5269 when there are no SRV records (RFC 6120 §3.2.2)', async () => {
    const dns = lookups({});
    expect(await resolveTargets('example.org', { staticHosts: {}, lookupSrv: dns.lookupSrv })).toEqual([{ host: 'example.org', port: 5269, directTls: false }]);
    expect(dns.asked.sort()).toEqual(['_xmpp-server._tcp.example.org', '_xmpps-server._tcp.example.org']);
  });

  it('orders by priority, direct TLS first among equals, and strips the trailing dot', async () => {
    const dns = lookups({
      '_xmpp-server._tcp.example.org': [srv('backup.example.org.', 5269, 20, 0), srv('xmpp.example.org.', 5269, 10, 0)],
      '_xmpps-server._tcp.example.org': [srv('tls.example.org.', 5270, 10, 0)],
    });
    expect(await resolveTargets('example.org', { staticHosts: {}, lookupSrv: dns.lookupSrv, random: () => 0 })).toEqual([
      { host: 'tls.example.org', port: 5270, directTls: true },
      { host: 'xmpp.example.org', port: 5269, directTls: false },
      { host: 'backup.example.org', port: 5269, directTls: false },
    ]);
  });

  it('draws within a priority by weight (RFC 2782)', () => {
    const candidates = [srv('light', 1, 0, 10), srv('heavy', 1, 0, 90)].map((record) => ({ record, directTls: false }));
    // A draw below the light record's share picks it first; a draw above picks the heavy one.
    expect(orderSrv(candidates, () => 0.05).map((c) => c.record.name)).toEqual(['light', 'heavy']);
    expect(orderSrv(candidates, () => 0.5).map((c) => c.record.name)).toEqual(['heavy', 'light']);
  });

  it('gives up when the domain says it has no such service (target ".")', async () => {
    const dns = lookups({ '_xmpp-server._tcp.example.org': [srv('.', 0, 0, 0)], '_xmpps-server._tcp.example.org': [srv('.', 0, 0, 0)] });
    await expect(resolveTargets('example.org', { staticHosts: {}, lookupSrv: dns.lookupSrv })).rejects.toBeInstanceOf(NoServiceError);
  });

  it('parses host:port forms', () => {
    expect(parseHostPort('example.net')).toEqual({ host: 'example.net', port: 5269, directTls: false });
    expect(parseHostPort('[::1]:5300')).toEqual({ host: '::1', port: 5300, directTls: false });
    expect(parseHostPort('tls://xmpp.example.net:5270')).toEqual({ host: 'xmpp.example.net', port: 5270, directTls: true });
    expect(() => parseHostPort('a:b:c')).toThrow();
    expect(() => parseHostPort('host:70000')).toThrow();
  });
});
