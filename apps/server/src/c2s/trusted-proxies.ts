import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import proxyaddr from 'proxy-addr';
import { IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';

/**
 * The client's real address behind a reverse proxy or load balancer.
 * Without this, everyone behind one proxy shares one login budget and one
 * connection cap. Only connections from the operator's `trusted_proxies`
 * (addresses or CIDR ranges) are believed:
 *
 * - TCP (c2s, c2s_tls): a PROXY protocol header, version 1 or 2 (HAProxy's
 *   `send-proxy` / `send-proxy-v2`, nginx's `proxy_protocol on`), read before
 *   anything else. An XMPP stream starts with '<' and TLS with 0x16, so a
 *   header is recognised by its first byte; from a trusted proxy it is
 *   optional (health checks connect without one).
 * - HTTP (WebSocket, BOSH): X-Forwarded-For, read from the right, up to the
 *   first hop that is not a trusted proxy (proxy-addr, Express's parser);
 *   and X-Forwarded-Proto, so that a proxy that terminates HTTPS gets
 *   wss:// and https:// links in host-meta (XEP-0156), not the ws:// of its
 *   own plain leg, which a browser on an https page would refuse.
 *
 * A header from anyone else is not looked for: to an untrusted client,
 * "PROXY …" is just bytes that are not XML.
 */
export class TrustedProxies {
  readonly #trust: (address: string, hop: number) => boolean;
  readonly #any: boolean;

  constructor(proxies: readonly string[]) {
    this.#any = proxies.length > 0;
    this.#trust = proxyaddr.compile([...proxies]);
  }

  trusts(address: string | undefined): boolean {
    return this.#any && address !== undefined && this.#trust(address, 0);
  }

  /** The client behind X-Forwarded-For if the request came through trusted proxies. */
  httpClient(req: IncomingMessage): string | undefined {
    if (!this.trusts(req.socket.remoteAddress)) return req.socket.remoteAddress;
    return proxyaddr(req, this.#trust);
  }

  /**
   * Whether the browser's own leg is TLS: the listener's, or what the last
   * trusted proxy says in X-Forwarded-Proto or RFC 7239 Forwarded.
   */
  httpSecure(req: IncomingMessage, listenerSecure: boolean): boolean {
    if (!this.trusts(req.socket.remoteAddress)) return listenerSecure;
    const forwardedProto = req.headers['x-forwarded-proto'];
    const proto = (Array.isArray(forwardedProto) ? forwardedProto.join(',') : forwardedProto)?.split(',').at(-1)?.trim().toLowerCase()
      ?? /(?:^|[;,\s])proto="?([a-z]+)"?(?:$|[;,\s])/i.exec(String(req.headers.forwarded ?? '').split(',').at(-1) ?? '')?.[1]?.toLowerCase();
    return proto ? proto === 'https' || proto === 'wss' : listenerSecure;
  }

  /**
   * The client of a TCP connection: reads a PROXY header first if the peer
   * is a trusted proxy and sends one. Resolves once the rest of the input
   * can be read normally (the header's bytes are consumed, anything after it
   * is put back). Rejects for a malformed header or one that is too slow.
   */
  async tcpClient(socket: Socket, timeoutMs: number): Promise<string | undefined> {
    const own = socket.remoteAddress;
    if (!this.trusts(own)) return own;
    const header = await readHeader(socket, timeoutMs);
    return header ?? own;
  }
}

const V2_SIGNATURE = Buffer.from('\r\n\r\n\u0000\r\nQUIT\n', 'latin1');
const V1_MAX = 107;

/** The source address of a PROXY header, null if the connection has none (or says LOCAL / UNKNOWN). */
function readHeader(socket: Socket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('no PROXY header in time')), timeoutMs);
    const done = (error: Error | null, address: string | null = null, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      if (error) reject(error);
      else resolve(address);
    };
    const onClose = () => done(new Error('closed before the PROXY header'));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const first = buffered[0];
      if (first !== 0x50 /* P */ && first !== 0x0d) return done(null, null, buffered);
      try {
        if (first === 0x50) {
          const end = buffered.indexOf('\r\n');
          if (end < 0) return buffered.length > V1_MAX ? done(new Error('PROXY header too long')) : undefined;
          if (buffered.subarray(0, end).toString('latin1') === 'PROXY UNKNOWN') return done(null, null, buffered.subarray(end + 2));
          const parsed = V1ProxyProtocol.parse(buffered.subarray(0, end + 2).toString('latin1'));
          return done(null, parsed.source?.ipAddress ?? null, buffered.subarray(end + 2));
        }
        if (buffered.length < 16) return undefined;
        if (!buffered.subarray(0, 12).equals(V2_SIGNATURE)) return done(null, null, buffered);
        const length = 16 + buffered.readUInt16BE(14);
        if (buffered.length < length) return undefined;
        const parsed = V2ProxyProtocol.parse(new Uint8Array(buffered.subarray(0, length)));
        return done(null, v2Source(parsed), buffered.subarray(length));
      } catch (error) {
        return done(error instanceof Error ? error : new Error('malformed PROXY header'));
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

function v2Source(header: V2ProxyProtocol): string | null {
  const address = header.proxyAddress;
  if (address instanceof IPv4ProxyAddress) return address.sourceAddress.address.join('.');
  if (address instanceof IPv6ProxyAddress) {
    const bytes = address.sourceAddress.address;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return groups.join(':');
  }
  return null; // LOCAL (a health check) or a Unix socket: the proxy's own address stands
}

