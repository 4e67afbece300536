import type { WebSocket } from 'ws';
import { NS, xml, type Element } from '@conexizan/protocol';
import { StreamParser } from '../transport/stream-parser.ts';
import { ReceivedBytes } from '../transport/received-bytes.ts';
import type { ClientConnection, ConnectionEvents, TransportKind } from './connection.ts';

/**
 * XMPP over WebSocket (RFC 7395): every message is one complete element;
 * <open/> and <close/> in the framing namespace stand for the stream header
 * and its end. Each message goes through the same restricted-XML checks and
 * size limit as TCP, inside a wrapper whose default namespace is
 * jabber:client, so a stanza written without xmlns still resolves.
 */
export class WebSocketConnection implements ClientConnection {
  readonly #socket: WebSocket;
  readonly transport: TransportKind;
  readonly #maxStanzaBytes: number;
  #events: ConnectionEvents | null = null;
  owner: ClientConnection['owner'] = null;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  readonly #received = new ReceivedBytes();
  #closing = false;
  #closeTimer: NodeJS.Timeout | null = null;

  constructor(socket: WebSocket, options: { secure: boolean; maxStanzaBytes: number }) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.transport = options.secure ? 'wss' : 'ws';
    this.#maxStanzaBytes = options.maxStanzaBytes;
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
      if (this.#received.add(bytes, this.#events)) this.#onMessage(data.toString(), isBinary);
    });
    socket.on('close', () => {
      if (this.#closeTimer) clearTimeout(this.#closeTimer);
      this.#resolveClosed();
      this.#events?.closed();
    });
    socket.on('error', () => {
      // 'close' follows.
    });
  }

  get secure(): boolean {
    return this.transport === 'wss';
  }

  readonly canStartTls = false;

  get bytesReceived(): number {
    return this.#received.total;
  }

  limitUnauthenticatedBytes(limit: number | null): void {
    this.#received.allow(limit);
  }

  get pendingWriteBytes(): number {
    return this.#socket.bufferedAmount;
  }

  setEvents(events: ConnectionEvents): void {
    this.#events = events;
  }

  channelBindingTypes(): string[] {
    // The TLS session belongs to the HTTP layer (often a proxy); we cannot bind to it reliably.
    return [];
  }

  channelBinding(): Uint8Array | null {
    return null;
  }

  openStream(attrs: { id: string; from: string; to?: string; lang: string }, features?: Element): void {
    this.#sendRaw(xml('open', { xmlns: NS.FRAMING, id: attrs.id, from: attrs.from, ...(attrs.to ? { to: attrs.to } : {}), version: '1.0', 'xml:lang': attrs.lang }).toString());
    // RFC 7395 §3.3.3: every element is a message of its own.
    if (features) this.send(features);
  }

  send(element: Element): void {
    // RFC 7395 §3.3.3: each top-level element carries its namespace.
    if (!element.attrs.xmlns && (element.name === 'message' || element.name === 'presence' || element.name === 'iq')) {
      element.attrs.xmlns = NS.CLIENT;
    }
    if (element.name === 'stream:features' || element.name === 'stream:error') {
      element.attrs['xmlns:stream'] = NS.STREAM;
    }
    this.#sendRaw(element.toString());
  }

  close(error?: Element): void {
    if (this.#closing) return;
    this.#closing = true;
    if (error) this.send(error);
    this.#sendRaw(xml('close', { xmlns: NS.FRAMING }).toString());
    this.#socket.close(1000);
    this.#closeTimer = setTimeout(() => this.#socket.terminate(), 2000);
    this.#closeTimer.unref();
  }

  pauseReading(ms: number): void {
    this.#socket.pause();
    setTimeout(() => this.#socket.resume(), ms).unref();
  }

  async startTls(): Promise<void> {
    throw new Error('STARTTLS is not available over WebSocket');
  }

  holdInput(): void {
    // Each message is parsed on its own, and its elements are handled in order.
  }

  releaseInput(): void {}

  restartStream(): void {
    // Nothing to reset: every WebSocket message is parsed on its own.
  }

  #onMessage(text: string, isBinary: boolean): void {
    if (isBinary) {
      this.#events?.error('bad-format', 'XMPP over WebSocket uses text messages');
      return;
    }
    const elements: Element[] = [];
    let failure: [string, string] | null = null;
    const parser = new StreamParser(
      {
        streamStart: () => undefined,
        element: (element) => elements.push(element),
        streamEnd: () => undefined,
        error: (condition, reason) => (failure ??= [condition, reason]),
      },
      { maxStanzaBytes: this.#maxStanzaBytes + 64 },
    );
    parser.write(`<frame xmlns="${NS.CLIENT}" xmlns:stream="${NS.STREAM}">`);
    parser.write(text);
    parser.write('</frame>');
    if (failure) {
      this.#events?.error(failure[0], failure[1]);
      return;
    }
    if (elements.length !== 1) {
      // RFC 7395 §3.3.3: one complete element per message.
      this.#events?.error('bad-format', 'a WebSocket message carries exactly one element');
      return;
    }
    for (const element of elements) {
      if (element.is('open', NS.FRAMING)) this.#events?.streamStart(element.attrs as Record<string, string>, 'open');
      else if (element.is('close', NS.FRAMING)) this.#events?.streamEnd();
      else this.#events?.element(element);
    }
  }

  #sendRaw(data: string): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(data);
  }
}
