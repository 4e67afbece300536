import type { Element, StreamErrorCondition } from '@conexizan/protocol';

/**
 * One client connection as the stream logic sees it, whatever carries it:
 * TCP (with STARTTLS), direct TLS (XEP-0368), WebSocket (RFC 7395) or BOSH
 * (XEP-0206). The framing differs (a <stream:stream> document, one element
 * per WebSocket message, HTTP request and response bodies); the negotiation
 * on top is the same.
 */
export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss' | 'bosh' | 'boshs';

export interface ConnectionEvents {
  streamStart(attrs: Record<string, string>, name: string): void;
  element(element: Element): void;
  streamEnd(): void;
  /** a framing-level error; the connection sends the stream error itself */
  error(condition: string, text: string): void;
  closed(): void;
}

export interface ClientConnection {
  readonly transport: TransportKind;
  /** true once the bytes are encrypted (TLS, after STARTTLS, or wss) */
  readonly secure: boolean;
  /** STARTTLS is possible on this connection now */
  readonly canStartTls: boolean;
  /** bytes received so far */
  readonly bytesReceived: number;
  /**
   * Bytes the client may send from now on before it authenticates (null: no
   * limit once it has). Counted as they arrive, before any parsing: a stanza
   * that never ends must not get past the limit.
   */
  limitUnauthenticatedBytes(limit: number | null): void;
  /** channel binding types this connection can give (RFC 9266, RFC 5929) */
  channelBindingTypes(): string[];
  channelBinding(type: string): Uint8Array | null;
  /** sends the stream header (or WebSocket <open/>) answering the client's, and the features in the same write */
  openStream(attrs: { id: string; from: string; to?: string; lang: string }, features?: Element): void;
  send(element: Element): void;
  /** sends the stream error if given, closes the stream and the connection */
  close(error?: Element): void;
  /** after <proceed/>: wraps the socket in TLS and waits for the new stream */
  startTls(): Promise<void>;
  /** after SASL success: the client opens a new stream on the same connection */
  restartStream(): void;
  /**
   * Stops parsing after the element just reported, keeping what follows
   * for releaseInput() (transports whose messages are parsed one by one
   * need do nothing).
   */
  holdInput(): void;
  releaseInput(): void;
  setEvents(events: ConnectionEvents): void;
  /** the stream that currently drives this connection (it changes when a session is resumed) */
  owner: { closeWithError(condition: StreamErrorCondition, text?: string, seeOtherHost?: string): void; readonly ended: Promise<void> } | null;
  /** settles when the socket underneath has closed (after any TLS upgrade) */
  readonly closed: Promise<void>;
  /** stops reading from the peer for a while (rate limiting by backpressure) */
  pauseReading(ms: number): void;
  /** bytes written but not yet flushed to the socket */
  readonly pendingWriteBytes: number;
}
