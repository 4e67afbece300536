import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { NS, Parser, parseXml, type Element } from '@conexizan/protocol';
import WebSocket from 'ws';

/**
 * The byte pipe under a load client, with XML framing: a TCP stream (RFC 6120,
 * one XML document per stream, parsed incrementally) or a WebSocket (RFC 7395,
 * one complete element per message). The client sees elements either way;
 * stream headers arrive as an element named 'stream:stream' or 'open'.
 */
export interface Link {
  /** opens (or re-opens, after STARTTLS or SASL) the XML stream */
  open(domain: string): void;
  write(text: string): void;
  /** ends the stream politely; resolves when the connection is gone (bounded) */
  close(timeoutMs: number): Promise<void>;
  destroy(): void;
  /** Drops the connection as a network outage would: the socket goes without the stream being closed. */
  drop(): void;
  readonly closed: boolean;
  /** the latest TLS session the server gave (a TLS 1.3 ticket), for resuming on the next connection */
  readonly tlsSession: Buffer | null;
  /** this connection's TLS handshake resumed an earlier session */
  readonly tlsResumed: boolean;
}

export interface LinkEvents {
  element(el: Element): void;
  /** the connection failed or closed; called once */
  failure(err: Error): void;
}

export interface TcpTarget {
  host: string;
  port: number;
  domain: string;
  /** source address to connect from (several loopback addresses give more than ~28k ports) */
  localAddress?: string | undefined;
  /** a TLS session from an earlier connection to offer for resumption */
  tlsSession?: Buffer | null | undefined;
}

const tlsOptions = (domain: string, session?: Buffer | null) => ({
  // Our own loopback servers with a certificate the bench made: not verified.
  servername: domain,
  rejectUnauthorized: false,
  // Resumption, as a client reconnecting after a network outage would offer it.
  ...(session ? { session } : {}),
});
// XEP-0368 direct TLS names the protocol; an HTTPS server for WebSocket would refuse it.
const xmppAlpn = { ALPNProtocols: ['xmpp-client'] };

/** TCP stream link; `startTls` upgrades it in place (RFC 6120 §5). */
export class TcpLink implements Link {
  #socket: Socket | TLSSocket;
  #parser: Parser | null = null;
  #events: LinkEvents;
  #failed = false;
  #closing: Promise<void> | null = null;
  #tlsSession: Buffer | null = null;
  readonly #offered: Buffer | null;

  private constructor(socket: Socket | TLSSocket, events: LinkEvents, offered: Buffer | null) {
    this.#socket = socket;
    this.#events = events;
    this.#offered = offered;
    this.#adopt(socket);
  }

  static async connect(target: TcpTarget, directTls: boolean, events: LinkEvents): Promise<TcpLink> {
    const where = { host: target.host, port: target.port, localAddress: target.localAddress };
    const offered = target.tlsSession ?? null;
    const socket = directTls ? tlsConnect({ ...where, ...tlsOptions(target.domain, offered), ...xmppAlpn }) : tcpConnect(where);
    const link = new TcpLink(socket, events, offered);
    await link.#ready(directTls ? 'secureConnect' : 'connect');
    return link;
  }

  get closed(): boolean {
    return this.#failed || this.#socket.destroyed;
  }

  get tlsSession(): Buffer | null {
    return this.#tlsSession;
  }

  get tlsResumed(): boolean {
    return 'isSessionReused' in this.#socket && this.#socket.isSessionReused();
  }

  async startTls(domain: string): Promise<void> {
    const plain = this.#socket;
    for (const event of ['data', 'error', 'close']) plain.removeAllListeners(event);
    this.#socket = tlsConnect({ socket: plain, ...tlsOptions(domain, this.#offered) });
    this.#adopt(this.#socket);
    await this.#ready('secureConnect');
  }

  open(domain: string): void {
    const parser = new Parser();
    parser.on('start', (el) => this.#events.element(el));
    parser.on('element', (el) => this.#events.element(el));
    parser.on('error', (err) => this.#fail(err));
    this.#parser = parser;
    this.#socket.write(
      `<?xml version='1.0'?><stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAM}' to='${domain}' version='1.0' xml:lang='en'>`,
    );
  }

  write(text: string): void {
    if (!this.closed) this.#socket.write(text);
  }

  close(timeoutMs: number): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed) return Promise.resolve();
    this.#closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end('</stream:stream>');
    });
    return this.#closing;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  drop(): void {
    this.#failed = true; // not a failure to report: we cut it
    this.#socket.destroy();
  }

  #adopt(socket: Socket): void {
    socket.on('session', (session: Buffer) => (this.#tlsSession = session));
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#parser?.write(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  #ready(event: 'connect' | 'secureConnect'): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#failed) return reject(new Error('connection closed'));
      this.#socket.once(event, () => resolve());
      this.#socket.once('close', () => reject(new Error('connection closed before it was ready')));
      this.#socket.once('error', reject);
    });
  }

  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    if (!this.#socket.destroyed && err.message !== 'connection closed') this.#socket.destroy();
    this.#events.failure(err);
  }
}

/** RFC 7395 WebSocket link (wss, subprotocol "xmpp"). */
export class WebSocketLink implements Link {
  #ws: WebSocket;
  #events: LinkEvents;
  #failed = false;
  #closing: Promise<void> | null = null;
  #tlsSession: Buffer | null = null;
  #tlsResumed = false;

  private constructor(ws: WebSocket, events: LinkEvents) {
    this.#ws = ws;
    this.#events = events;
    // The TLS socket under the upgrade: its session for the next connection, and whether this one resumed.
    ws.once('upgrade', (response) => {
      const socket = response.socket as TLSSocket;
      this.#tlsResumed = socket.isSessionReused();
      this.#tlsSession = socket.getSession() ?? null;
      socket.on('session', (session: Buffer) => (this.#tlsSession = session));
    });
    ws.on('message', (data) => {
      try {
        this.#events.element(parseXml(String(data)));
      } catch (error) {
        this.#fail(error as Error);
      }
    });
    ws.on('error', (err) => this.#fail(err));
    ws.on('close', () => this.#fail(new Error('connection closed')));
  }

  static connect(url: string, domain: string, localAddress: string | undefined, events: LinkEvents, tlsSession?: Buffer | null): Promise<WebSocketLink> {
    const ws = new WebSocket(url, 'xmpp', { ...tlsOptions(domain, tlsSession), localAddress, perMessageDeflate: false });
    const link = new WebSocketLink(ws, events);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(link));
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('connection closed before it was ready')));
    });
  }

  get closed(): boolean {
    return this.#failed || this.#ws.readyState !== WebSocket.OPEN;
  }

  open(domain: string): void {
    this.#ws.send(`<open xmlns='${NS.FRAMING}' to='${domain}' version='1.0' xml:lang='en'/>`);
  }

  write(text: string): void {
    if (!this.closed) this.#ws.send(text);
  }

  close(timeoutMs: number): Promise<void> {
    const ws = this.#ws;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.#closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, timeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.send(`<close xmlns='${NS.FRAMING}'/>`);
      ws.close(1000);
    });
    return this.#closing;
  }

  destroy(): void {
    this.#ws.terminate();
  }

  get tlsSession(): Buffer | null {
    return this.#tlsSession;
  }

  get tlsResumed(): boolean {
    return this.#tlsResumed;
  }

  drop(): void {
    this.#failed = true;
    this.#ws.terminate();
  }

  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    if (err.message !== 'connection closed') this.#ws.terminate();
    this.#events.failure(err);
  }
}
