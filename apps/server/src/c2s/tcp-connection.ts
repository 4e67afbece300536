import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { NS, STREAM_END, streamHeader, type Element } from '@conexizan/protocol';
import { StreamParser, type StreamParserErrorCondition, type StreamParserEvents } from '../transport/stream-parser.ts';
import { channelBinding, channelBindingTypes } from '../tls/channel-binding.ts';
import { ReceivedBytes } from '../transport/received-bytes.ts';
import type { ClientConnection, ConnectionEvents, TransportKind } from './connection.ts';

/**
 * After our closing tag, how long the peer has to answer with its own before
 * the TCP connection ends anyway (RFC 6120 §4.4).
 */
const CLOSE_LINGER_MS = 500;

/** RFC 6120 streams over TCP: STARTTLS on the c2s port, or TLS from the first byte (XEP-0368). */
export class TcpConnection implements ClientConnection {
  #socket: Socket;
  #events: ConnectionEvents | null = null;
  owner: ClientConnection['owner'] = null;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  readonly #parser: StreamParser;
  /** the certificate's context when TLS starts (it may have been reloaded since the connection came in) */
  readonly #secureContext: () => SecureContext;
  #transport: TransportKind;
  readonly #received = new ReceivedBytes();
  #closing = false;
  #streamOpen = false;
  #peerClosedStream = false;

  readonly #stanzaIdleMs: number;
  #stanzaTimer: NodeJS.Timeout | null = null;

  /** `stanzaIdleMs`: how long a stanza may stop half-way before the stream ends */
  constructor(socket: Socket, options: { secureContext: () => SecureContext; directTls: boolean; maxStanzaBytes: number; stanzaIdleMs: number }) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#secureContext = options.secureContext;
    this.#transport = options.directTls ? 'tls' : 'tcp';
    this.#stanzaIdleMs = options.stanzaIdleMs;
    this.#parser = new StreamParser(new TcpConnection.#ParserEvents(this), { maxStanzaBytes: options.maxStanzaBytes });
    this.#attach(socket);
  }

  /**
   * What the parser finds goes to the stream that owns the connection. One
   * small object per connection with its methods shared, rather than a
   * closure per event and connection (each held for the session's lifetime).
   */
  static readonly #ParserEvents = class implements StreamParserEvents {
    constructor(readonly connection: TcpConnection) {}
    streamStart(attrs: Record<string, string>, name: string): void {
      this.connection.#events?.streamStart(attrs, name);
    }
    element(element: Element): void {
      this.connection.#events?.element(element);
    }
    streamEnd(): void {
      const connection = this.connection;
      connection.#peerClosedStream = true;
      if (connection.#closing) connection.#socket.end();
      connection.#events?.streamEnd();
    }
    error(condition: StreamParserErrorCondition, text: string): void {
      this.connection.#events?.error(condition, text);
    }
  };

  get transport(): TransportKind {
    return this.#transport;
  }

  get secure(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  get canStartTls(): boolean {
    return !this.secure;
  }

  get bytesReceived(): number {
    return this.#received.total;
  }

  limitUnauthenticatedBytes(limit: number | null): void {
    this.#received.allow(limit);
  }

  get pendingWriteBytes(): number {
    return this.#socket.writableLength;
  }

  setEvents(events: ConnectionEvents): void {
    this.#events = events;
  }

  channelBindingTypes(): string[] {
    return this.#socket instanceof TLSSocket ? channelBindingTypes(this.#socket) : [];
  }

  channelBinding(type: string): Uint8Array | null {
    return this.#socket instanceof TLSSocket ? channelBinding(this.#socket, type) : null;
  }

  openStream(attrs: { id: string; from: string; to?: string; lang: string }, features?: Element): void {
    // One write, so one TLS record: a client that takes any packet as the answer (tsung) sees the features with the header.
    this.#write(streamHeader({ xmlns: NS.CLIENT, ...attrs }) + (features?.toString() ?? ''));
    this.#streamOpen = true;
  }

  send(element: Element): void {
    this.#write(element.toString());
  }

  close(error?: Element): void {
    if (this.#closing) return;
    this.#closing = true;
    if (error) {
      // A stream error needs an open stream to live in (RFC 6120 §4.9.1.1).
      if (!this.#streamOpen) this.#write(streamHeader({ xmlns: NS.CLIENT }));
      this.#write(error.toString());
    }
    if (this.#streamOpen || error) this.#write(STREAM_END);
    // RFC 6120 §4.4: the TCP connection ends once the peer has closed its stream too, or after a
    // moment. A client that answers our closing tag with its own (xmpp.js does, before it follows
    // see-other-host) must not find the socket already shut.
    if (this.#peerClosedStream || this.#socket.readableEnded) this.#socket.end();
    else setTimeout(() => this.#socket.end(), CLOSE_LINGER_MS).unref();
    // A peer that never reads must not keep the socket: give it a moment, then cut.
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  pauseReading(ms: number): void {
    const socket = this.#socket;
    socket.pause();
    setTimeout(() => socket.resume(), ms).unref();
  }

  async startTls(): Promise<void> {
    // Plaintext sent behind <starttls/> is never parsed (STARTTLS command injection).
    this.#parser.discardHeld();
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.#secureContext() });
    this.#socket = secure;
    this.#transport = 'tcp';
    this.#streamOpen = false;
    this.#parser.reset();
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', () => resolve());
      secure.once('error', reject);
    });
  }

  restartStream(): void {
    this.#streamOpen = false;
    this.#parser.reset();
  }

  holdInput(): void {
    this.#parser.pause();
  }

  releaseInput(): void {
    this.#parser.resume();
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    // Bytes, not text: the parser decodes strictly (invalid UTF-8 is a stream error, not U+FFFD).
    socket.on('data', (data: Buffer) => {
      if (this.#received.add(data.length, this.#events)) this.#parser.write(data);
      this.#watchHalfSentStanza();
    });
    // The peer shut its side: nothing to wait for.
    socket.on('end', () => {
      if (this.#closing) socket.end();
    });
    socket.on('error', () => {
      // The 'close' event follows; the reason (often ECONNRESET) is not worth a log line.
    });
    socket.on('close', () => {
      if (this.#stanzaTimer) clearTimeout(this.#stanzaTimer);
      this.#resolveClosed();
      this.#events?.closed();
    });
  }

  /** A stanza that stops half-way would hold its stream (and its buffer) for good. */
  #watchHalfSentStanza(): void {
    if (this.#stanzaTimer) clearTimeout(this.#stanzaTimer);
    this.#stanzaTimer = null;
    if (!this.#parser.inElement) return;
    this.#stanzaTimer = setTimeout(() => this.#events?.error('connection-timeout', 'a stanza stopped half-way'), this.#stanzaIdleMs);
    this.#stanzaTimer.unref();
  }

  #write(data: string): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    this.#socket.write(data);
  }
}
