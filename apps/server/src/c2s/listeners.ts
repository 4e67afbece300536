import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ServerCore } from '../core/core.ts';
import { listen } from '../transport/listen.ts';
import type { ServerCertificate } from '../tls/server-certificate.ts';
import { ClientStream } from './client-stream.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { TcpConnection } from './tcp-connection.ts';
import { deadline, type ConnectionLimiter, type PendingSlot } from './connection-limiter.ts';
import type { TrustedProxies } from './trusted-proxies.ts';
import type { ClientConnection } from './connection.ts';

/** The c2s listeners: STARTTLS on the c2s port, TLS from the first byte on c2s_tls (XEP-0368). */
export class ClientListeners {
  readonly #core: ServerCore;
  readonly #throttle: LoginThrottle;
  readonly #certificate: ServerCertificate;
  readonly #servers: Server[] = [];
  /** open client connections (whichever stream currently drives each) */
  readonly connections = new Set<ClientConnection>();
  readonly #proxies: TrustedProxies;
  readonly #limiter: ConnectionLimiter;

  constructor(
    core: ServerCore,
    throttle: LoginThrottle,
    certificate: ServerCertificate,
    guards: { proxies: TrustedProxies; limiter: ConnectionLimiter },
  ) {
    this.#core = core;
    this.#throttle = throttle;
    this.#certificate = certificate;
    this.#proxies = guards.proxies;
    this.#limiter = guards.limiter;
  }

  async listen(): Promise<{ name: string; port: number }[]> {
    const { bind, ports } = this.#core.config;
    const bound: { name: string; port: number }[] = [];
    if (ports.c2s) {
      const server = createTcpServer((socket) => void this.#connected(socket, false));
      bound.push({ name: 'c2s', port: await listen(server, bind, ports.c2s) });
      this.#servers.push(server);
    }
    if (ports.c2s_tls) {
      // TLS is started by hand so that a trusted proxy's PROXY header can be read before it.
      const server = createTcpServer((socket) => void this.#connected(socket, true));
      bound.push({ name: 'c2s_tls', port: await listen(server, bind, ports.c2s_tls) });
      this.#servers.push(server);
    }
    return bound;
  }

  async #connected(socket: Socket, directTls: boolean): Promise<void> {
    socket.on('error', () => undefined);
    const timeoutMs = this.#core.config.limits.unauthenticated_seconds * 1000;
    let address: string | undefined;
    try {
      address = await this.#proxies.tcpClient(socket, timeoutMs);
    } catch {
      socket.destroy();
      return;
    }
    const slot = this.#limiter.admit(socket, address);
    if (!slot) return;
    if (!directTls) {
      socket.resume();
      return this.#accept(socket, false, address, slot);
    }
    // A connection that never starts TLS is closed like one that never authenticates.
    const handshaken = deadline(socket, timeoutMs);
    const secure = new TLSSocket(socket, {
      isServer: true,
      // The certificate as it is now: a reload (SIGHUP) applies to the next connection.
      secureContext: this.#certificate.context,
      ALPNProtocols: ['xmpp-client'],
    });
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => {
      handshaken();
      this.#accept(secure, true, address, slot);
    });
    socket.resume();
  }

  /** Tracks a connection of any transport, so that shutdown reaches it. */
  track(connection: ClientConnection): void {
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }

  /**
   * Ends every stream and waits (boundedly) until their sockets have flushed
   * and closed. Clients learn why and where to go: system-shutdown, or for
   * TCP streams see-other-host with another node's address when one is
   * configured (WebSocket and BOSH clients reconnect through their URL).
   */
  async closeStreams(timeoutMs: number, seeOtherHost = ''): Promise<void> {
    const open = [...this.connections];
    const sessionsEnded: Promise<void>[] = [];
    for (const connection of open) {
      if (connection.owner) {
        sessionsEnded.push(connection.owner.ended);
        if (seeOtherHost && (connection.transport === 'tcp' || connection.transport === 'tls')) connection.owner.closeWithError('see-other-host', 'this node is shutting down', seeOtherHost);
        else connection.owner.closeWithError('system-shutdown', 'the server is shutting down');
      } else connection.close();
    }
    // Sockets flushed and closed, and each session's modules done (they may still write to storage).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...open.map((connection) => connection.closed), ...sessionsEnded]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  #accept(socket: Socket, directTls: boolean, sourceAddress: string | undefined, slot: PendingSlot): void {
    const connection = new TcpConnection(socket, {
      secureContext: () => this.#certificate.context,
      directTls,
      maxStanzaBytes: this.#core.config.limits.max_stanza_bytes,
      stanzaIdleMs: this.#core.config.limits.stanza_idle_seconds * 1000,
    });
    this.track(connection);
    new ClientStream(this.#core, connection, { throttle: this.#throttle, sourceAddress, pendingSlot: slot });
  }

  /** Stops accepting; existing streams are ended by the caller. */
  async close(): Promise<void> {
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
