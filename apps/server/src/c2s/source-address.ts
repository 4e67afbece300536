import ipaddr from 'ipaddr.js';

/**
 * What a per-address limit counts: an IPv4 address, or an IPv6 /64. A
 * single IPv6 host is usually given a whole /64, so counting exact IPv6
 * addresses let anyone reset a limit (registrations, failed logins,
 * pending connections) by rotating through addresses it owns anyway.
 * IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
export function sourceUnit(address: string | undefined): string {
  if (!address) return 'unknown';
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/%.*$/, ''));
  } catch {
    return address;
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
    return `${v6.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
  }
  return parsed.toString();
}
