import type { Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, TLSSocket, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { STREAM_END, type Element } from '@conexizan/protocol';
import { ReceivedBytes } from '../transport/received-bytes.ts';
import { StreamParser, type StreamParserEvents } from '../transport/stream-parser.ts';

/**
 * One server-to-server TCP connection as both directions see it: bytes in
 * through the strict stream parser (restricted XML, size limit), elements
 * out, and the STARTTLS upgrade from either side. The stream logic lives in
 * incoming.ts and outgoing.ts; this file only carries bytes.
 */
export interface StreamSocketEvents extends StreamParserEvents {
  closed(): void;
}

export class StreamSocket {
  #socket: Socket;
  readonly #parser: StreamParser;
  readonly #events: StreamSocketEvents;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #streamOpen = false;
  #closing = false;
  #isClosed = false;
  /** last time anything was read or written, for idle timeouts */
  lastActivity = Date.now();
  readonly #received = new ReceivedBytes();
  #pausedUntil = 0;
  #resumeTimer: NodeJS.Timeout | null = null;

  constructor(socket: Socket, events: StreamSocketEvents, maxStanzaBytes: number) {
    this.#socket = socket;
    this.#events = events;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#parser = new StreamParser(events, { maxStanzaBytes });
    this.#attach(socket);
  }

  get secure(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#socket instanceof TLSSocket ? this.#socket : null;
  }

  get bytesReceived(): number {
    return this.#received.total;
  }

  /** Bytes the peer may send from now on before it authenticates a domain (null: no limit); counted as they arrive. */
  limitUnauthenticatedBytes(limit: number | null): void {
    this.#received.allow(limit);
  }

  get isClosed(): boolean {
    return this.#isClosed || this.#closing;
  }

  /** Sends our stream header; the caller builds it (the attributes differ by direction). */
  openStream(header: string): void {
    this.write(header);
    this.#streamOpen = true;
  }

  send(element: Element): void {
    this.write(element.toString());
  }

  write(data: string): void {
    if (this.#closing || this.#socket.destroyed || !this.#socket.writable) return;
    this.lastActivity = Date.now();
    this.#socket.write(data);
  }

  /** Sends the stream error if given, closes the stream and then the socket. */
  close(error?: Element, headerIfNeeded?: string): void {
    if (this.#closing) return;
    if (error) {
      // A stream error lives inside a stream (RFC 6120 §4.9.1.1).
      if (!this.#streamOpen && headerIfNeeded) this.openStream(headerIfNeeded);
      this.write(error.toString());
    }
    if (this.#streamOpen) this.write(STREAM_END);
    this.#closing = true;
    this.#socket.end();
    // A peer that never reads must not keep the socket: give it a moment, then cut.
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  /**
   * Stops reading for a while: rate limiting by TCP backpressure. The rest
   * of a chunk already read is still parsed (each stanza asks again), so
   * the pause only ever grows: an earlier, shorter pause must not resume
   * reading before a longer one asked for by a later stanza ends.
   */
  pauseReading(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    const socket = this.#socket;
    socket.pause();
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = setTimeout(() => {
      this.#resumeTimer = null;
      socket.resume();
    }, ms);
    this.#resumeTimer.unref();
  }

  /** A new stream on the same connection (after TLS or SASL). */
  restart(): void {
    this.#streamOpen = false;
    this.#parser.reset();
  }

  /**
   * The receiving side of STARTTLS: after sending <proceed/>. Asks for the
   * peer's certificate (XEP-0178). The socket goes through a (never
   * listening) tls.Server because only sockets accepted by a server get
   * `authorized` set from the verification of the client certificate.
   */
  async acceptTls(options: TlsOptions): Promise<TLSSocket> {
    const plain = this.#detach();
    const server = createTlsServer({ ...options, requestCert: true, rejectUnauthorized: false });
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      server.once('secureConnection', resolve);
      server.once('tlsClientError', reject);
      plain.once('close', () => reject(new Error('closed during the TLS handshake')));
      server.emit('connection', plain);
    });
    this.#socket = secure;
    this.restart();
    this.#attach(secure);
    return secure;
  }

  /** The initiating side of STARTTLS: after receiving <proceed/>. Certificates are judged by the caller, not here. */
  async startTls(options: ConnectionOptions): Promise<TLSSocket> {
    const secure = tlsConnect({ ...options, socket: this.#detach(), rejectUnauthorized: false });
    return this.#upgrade(secure, 'secureConnect');
  }

  /**
   * Hands the plain socket to TLS. Its 'close' and (no-op) 'error' listeners
   * stay: if the handshake never completes, the close still ends the stream.
   */
  #detach(): Socket {
    // Nothing of the plaintext stream (not even half a character) carries over into TLS.
    this.#parser.discardHeld();
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    return plain;
  }

  async #upgrade(secure: TLSSocket, readyEvent: 'secureConnect'): Promise<TLSSocket> {
    this.#socket = secure;
    this.restart();
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once(readyEvent, () => resolve());
      secure.once('error', reject);
      secure.once('close', () => reject(new Error('closed during the TLS handshake')));
    });
    return secure;
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    // Bytes, not text: the parser decodes strictly (invalid UTF-8 is a stream error, not U+FFFD).
    socket.on('data', (data: Buffer) => {
      this.lastActivity = Date.now();
      if (this.#received.add(data.length, this.#events)) this.#parser.write(data);
    });
    socket.on('error', () => {
      // 'close' follows; the reason (often ECONNRESET) is not worth a log line.
    });
    socket.on('close', () => {
      if (this.#isClosed) return;
      this.#isClosed = true;
      this.#resolveClosed();
      this.#events.closed();
    });
  }
}
