import { Resolver } from 'node:dns/promises';

/**
 * Where to connect for a remote domain (RFC 6120 §3.2, XEP-0368):
 *
 * 1. a static entry from `s2s.hosts` (private deployments, tests: no DNS);
 * 2. SRV records `_xmpps-server._tcp` (TLS from the first byte) and
 *    `_xmpp-server._tcp` (STARTTLS), merged by priority, weighted within a
 *    priority as RFC 2782 says, direct TLS first among equals;
 * 3. no SRV records at all: the domain itself on port 5269. Its address is
 *    looked up by the system resolver when connecting (so /etc/hosts
 *    works), and the connection races IPv6 and IPv4 (happy eyeballs).
 *
 * A single SRV record with target "." means the domain offers no such
 * service (RFC 2782); if both lookups say so there is nowhere to go.
 */
export interface Target {
  host: string;
  port: number;
  directTls: boolean;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

export const DEFAULT_S2S_PORT = 5269;

export class NoServiceError extends Error {
  override name = 'NoServiceError';
}

export interface ResolveOptions {
  staticHosts: Record<string, string>;
  lookupSrv: SrvLookup;
  random?: () => number;
}

export async function resolveTargets(domain: string, options: ResolveOptions): Promise<Target[]> {
  const mapped = options.staticHosts[domain];
  if (mapped !== undefined) return [parseHostPort(mapped)];
  const [tls, plain] = await Promise.all([
    srvOrNone(options.lookupSrv, `_xmpps-server._tcp.${domain}`),
    srvOrNone(options.lookupSrv, `_xmpp-server._tcp.${domain}`),
  ]);
  const decline = (records: SrvRecord[]) => records.length === 1 && (records[0]!.name === '.' || records[0]!.name === '');
  if (decline(tls) && decline(plain)) throw new NoServiceError(`${domain} offers no server-to-server service`);
  const candidates = [
    ...(decline(tls) ? [] : tls.map((record) => ({ record, directTls: true }))),
    ...(decline(plain) ? [] : plain.map((record) => ({ record, directTls: false }))),
  ];
  if (candidates.length === 0) return [{ host: domain, port: DEFAULT_S2S_PORT, directTls: false }];
  return orderSrv(candidates, options.random ?? Math.random).map(({ record, directTls }) => ({ host: record.name.replace(/\.$/, ''), port: record.port, directTls }));
}

/** RFC 2782 ordering: ascending priority; within one, a weighted random draw; direct TLS before STARTTLS at equal priority (XEP-0368 §3). */
export function orderSrv<T extends { record: SrvRecord; directTls: boolean }>(candidates: T[], random: () => number): T[] {
  const byPriority = new Map<number, T[]>();
  for (const candidate of candidates) {
    const group = byPriority.get(candidate.record.priority) ?? [];
    group.push(candidate);
    byPriority.set(candidate.record.priority, group);
  }
  const ordered: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority)!;
    for (const directTls of [true, false]) ordered.push(...weightedOrder(group.filter((c) => c.directTls === directTls), random));
  }
  return ordered;
}

function weightedOrder<T extends { record: SrvRecord }>(group: T[], random: () => number): T[] {
  // Zero-weight records first in the running sum, so they get a small chance (RFC 2782).
  const remaining = [...group].sort((a, b) => a.record.weight - b.record.weight);
  const ordered: T[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, c) => sum + c.record.weight, 0);
    const pick = random() * (total + 1);
    let running = 0;
    let index = remaining.length - 1;
    for (let i = 0; i < remaining.length; i++) {
      running += remaining[i]!.record.weight;
      if (running >= pick) {
        index = i;
        break;
      }
    }
    ordered.push(...remaining.splice(index, 1));
  }
  return ordered;
}

async function srvOrNone(lookup: SrvLookup, name: string): Promise<SrvRecord[]> {
  try {
    return await lookup(name);
  } catch {
    // NXDOMAIN, no data, or an unreachable DNS server: RFC 6120 §3.2.2 falls back to the domain itself.
    return [];
  }
}

/** "host:port", "[v6]:port" or "host" (port 5269); a "tls://" prefix means TLS from the first byte (XEP-0368). */
export function parseHostPort(value: string): Target {
  const text = value.trim();
  const directTls = text.startsWith('tls://');
  const match = /^(?:\[([^\]]+)\]|([^:/]+))(?::(\d{1,5}))?$/.exec(directTls ? text.slice(6) : text);
  if (!match) throw new Error(`"${value}" is not host:port`);
  const port = match[3] ? Number(match[3]) : DEFAULT_S2S_PORT;
  if (port < 1 || port > 65535) throw new Error(`"${value}" has no valid port`);
  return { host: (match[1] ?? match[2])!, port, directTls };
}

/** SRV lookups through node:dns with a short timeout, so that a dead DNS server delays, not hangs, delivery. */
export function systemSrvLookup(timeoutMs = 3000): SrvLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  return (name) => resolver.resolveSrv(name);
}
