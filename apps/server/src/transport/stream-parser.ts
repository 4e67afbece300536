import type { Element, Parser } from '@conexizan/protocol';
import { createStrictParser } from './strict-tokenizer.ts';
import { RestrictedXmlScanner } from './restricted-xml.ts';

/**
 * A streaming XML parser for one XMPP stream (RFC 6120 §4): reports the
 * stream header, each top-level element, the end of the stream, and errors
 * as the stream error condition the RFC gives for them.
 *
 * Parse time is linear in the input: elements may nest at most `maxDepth`
 * levels (see restricted-xml.ts for why), and each top-level element is
 * size-checked before the parser sees its bytes.
 */
export type StreamParserErrorCondition = 'not-well-formed' | 'restricted-xml' | 'policy-violation' | 'unsupported-encoding';

export interface StreamParserEvents {
  streamStart(attrs: Record<string, string>, name: string): void;
  element(element: Element): void;
  streamEnd(): void;
  error(condition: StreamParserErrorCondition, text: string): void;
}

export interface StreamParserLimits {
  /** largest top-level element, in bytes of input */
  maxStanzaBytes: number;
  /** deepest nesting inside a top-level element (the element itself is 1); default MAX_DEPTH */
  maxDepth?: number;
}

/** RFC 6120 leaves the limit to the server; no XMPP payload comes anywhere near it. */
export const MAX_DEPTH = 128;

export class StreamParser {
  readonly #events: StreamParserEvents;
  readonly #limits: StreamParserLimits;
  #parser!: InstanceType<typeof Parser>;
  #scanner!: RestrictedXmlScanner;
  /** for byte input only (a WebSocket, BOSH): made when bytes first come, TCP streams read text */
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  #bytesSinceElement = 0;
  #failed = false;
  #paused = false;
  /** nothing but whitespace has come since the stream (re)started */
  #fresh = true;
  /** input that arrived while paused, parsed on resume() */
  #held = '';
  #heldBytes = 0;

  constructor(events: StreamParserEvents, limits: StreamParserLimits) {
    this.#events = events;
    this.#limits = limits;
    this.reset();
  }

  /** A new stream starts on the same connection (after STARTTLS or SASL). Input held by pause() is kept for it. */
  reset(): void {
    this.#scanner = new RestrictedXmlScanner(this.#limits.maxDepth ?? MAX_DEPTH);
    this.#bytesSinceElement = 0;
    this.#fresh = true;
    const parser = createStrictParser();
    parser.on('start', (el: Element) => {
      this.#events.streamStart(el.attrs as Record<string, string>, el.name);
    });
    parser.on('element', (el: Element) => {
      if (!this.#failed) this.#events.element(el);
    });
    parser.on('end', () => {
      if (!this.#failed) this.#events.streamEnd();
    });
    parser.on('error', (error: Error) => this.#fail('not-well-formed', error.message));
    this.#parser = parser;
  }

  /** true while a top-level element has begun and not ended (a stanza half-way through) */
  get inElement(): boolean {
    return !this.#scanner.betweenElements;
  }

  /**
   * Stops parsing right after the top-level element being reported (call it
   * from the `element` event): whatever follows is kept unparsed until
   * resume(). A client that pipelines its stream restart behind <auth/>
   * thus has the restart parsed by the stream that follows the SASL
   * outcome, not by the one that is ending.
   */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const held = this.#held;
    this.#held = '';
    this.#heldBytes = 0;
    if (held) this.write(held);
  }

  /**
   * Forgets held input: after <starttls/>, plaintext sent behind it must
   * never be taken as part of the encrypted stream (STARTTLS command
   * injection, CVE-2011-0411 and its kin).
   */
  discardHeld(): void {
    this.#held = '';
    this.#heldBytes = 0;
    this.#paused = false;
    this.#decoder = null;
  }

  /**
   * Text, or bytes straight from a socket: those must be UTF-8 (RFC 6120
   * §11.6); anything else ends the stream with unsupported-encoding
   * (§4.9.3.22) instead of turning into U+FFFD. A character split between
   * two reads is put together.
   */
  write(data: string | Uint8Array): void {
    if (this.#failed) return;
    let text: string;
    if (typeof data === 'string') text = data;
    else {
      try {
        text = (this.#decoder ??= new TextDecoder('utf-8', { fatal: true })).decode(data, { stream: true });
      } catch {
        this.#fail('unsupported-encoding', 'the stream is not valid UTF-8');
        return;
      }
    }
    let from = 0;
    if (this.#fresh && !this.#paused) {
      // Whitespace before a new stream's header belongs to the one before it (go-sendxmpp sends a
      // newline behind </auth>): XML allows nothing before the declaration.
      while (from < text.length && /[ \t\r\n]/.test(text[from]!)) from++;
      if (from < text.length) this.#fresh = false;
    }
    while (from < text.length && !this.#failed) {
      if (this.#paused) {
        this.#hold(text.slice(from));
        return;
      }
      const event = this.#scanner.next(text, from);
      if (event?.kind === 'violation') {
        if (event.violation === 'depth') this.#fail('policy-violation', `elements nested more than ${this.#limits.maxDepth ?? MAX_DEPTH} levels deep`);
        else this.#fail('restricted-xml', `XMPP does not allow ${event.violation === 'entity' ? 'entity references other than the predefined ones' : `a ${event.violation}`}`);
        return;
      }
      const to = event?.offset ?? text.length;
      this.#parse(text.slice(from, to));
      from = to;
    }
  }

  #parse(piece: string): void {
    this.#bytesSinceElement += Buffer.byteLength(piece);
    if (this.#bytesSinceElement > this.#limits.maxStanzaBytes) {
      this.#fail('policy-violation', `stanza larger than ${this.#limits.maxStanzaBytes} bytes`);
      return;
    }
    try {
      this.#parser.write(piece);
    } catch (error) {
      this.#fail('not-well-formed', (error as Error).message);
    }
    // Text between stanzas (whitespace keepalives) is appended to the stream
    // root by the parser; dropping it keeps a long-lived stream's memory flat.
    const root = this.#parser.root as Element | null;
    if (root && root.children.length > 0) root.children = [];
    // The size limit is per top-level element; keepalives between elements do not add up.
    if (this.#scanner.betweenElements) this.#bytesSinceElement = 0;
  }

  #hold(text: string): void {
    this.#held += text;
    this.#heldBytes += Buffer.byteLength(text);
    // Held input is bounded like a stanza (connections also count it against their own limits).
    if (this.#heldBytes > this.#limits.maxStanzaBytes) this.#fail('policy-violation', `more than ${this.#limits.maxStanzaBytes} bytes sent ahead`);
  }

  #fail(condition: StreamParserErrorCondition, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#events.error(condition, text);
  }
}
