import { lookup } from 'node:dns/promises';
import { DEFAULT_S2S_PORT, type SrvLookup, type SrvRecord } from './resolver.ts';

/**
 * What other servers will find in DNS when they look for this domain
 * (RFC 6120 §3.2, XEP-0368), for `conexizan check`: the SRV records, or,
 * without them, the domain's own addresses on port 5269.
 */
export interface ReportLine {
  level: 'ok' | 'note' | 'problem';
  text: string;
}

export type AddressLookup = (host: string) => Promise<string[]>;

export const systemAddressLookup: AddressLookup = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address);

export async function federationDnsReport(domain: string, ports: { s2s: number; s2s_tls: number }, lookupSrv: SrvLookup, lookupAddresses: AddressLookup): Promise<ReportLine[]> {
  if (!ports.s2s) return [{ level: 'note', text: 'federation is off (ports.s2s = 0)' }];
  const lines: ReportLine[] = [];
  const srv = async (name: string) => {
    try {
      return await lookupSrv(name);
    } catch {
      return [];
    }
  };
  const plainName = `_xmpp-server._tcp.${domain}`;
  const tlsName = `_xmpps-server._tcp.${domain}`;
  const [plain, tls] = await Promise.all([srv(plainName), srv(tlsName)]);
  const declined = (records: SrvRecord[]) => records.length === 1 && (records[0]!.name === '.' || records[0]!.name === '');
  const describe = (records: SrvRecord[]) => records.map((r) => `${r.name.replace(/\.$/, '')}:${r.port} (priority ${r.priority}, weight ${r.weight})`).join(', ');
  if (declined(plain)) lines.push({ level: 'problem', text: `${plainName} says this domain offers no federation (target "."), but ports.s2s is on` });
  else if (plain.length > 0) {
    lines.push({ level: 'ok', text: `${plainName}: ${describe(plain)}` });
    if (!plain.some((r) => r.port === ports.s2s)) lines.push({ level: 'note', text: `no ${plainName} record names port ${ports.s2s} (ports.s2s); fine if a proxy forwards it` });
  }
  if (tls.length > 0 && !declined(tls)) {
    lines.push({ level: 'ok', text: `${tlsName}: ${describe(tls)}` });
    if (!ports.s2s_tls) lines.push({ level: 'problem', text: `${tlsName} records exist but ports.s2s_tls is off: peers that try them first will fail over slowly` });
  }
  if (plain.length === 0 && tls.length === 0) {
    try {
      const addresses = await lookupAddresses(domain);
      lines.push({ level: 'ok', text: `no SRV records: other servers connect to ${domain}:${DEFAULT_S2S_PORT} (${addresses.length} address${addresses.length === 1 ? '' : 'es'} found)` });
      if (ports.s2s !== DEFAULT_S2S_PORT) lines.push({ level: 'problem', text: `without SRV records other servers use port ${DEFAULT_S2S_PORT}, but ports.s2s is ${ports.s2s}: add ${plainName} records` });
    } catch {
      lines.push({ level: 'problem', text: `no SRV records and no address for ${domain}: other servers cannot reach this one (see "Federation" in the README)` });
    }
  }
  return lines;
}
