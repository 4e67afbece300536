import type { Element, Parser } from '@conexizan/protocol';
import { createStrictParser } from './strict-tokenizer.ts';
import { RestrictedXmlScanner } from './restricted-xml.ts';

/**
 * A streaming XML parser for one XMPP stream (RFC 6120 §4): reports the
 * stream header, each top-level element, the end of the stream, and errors
 * as the stream error condition the RFC gives for them.
 */
export interface StreamParserEvents {
  streamStart(attrs: Record<string, string>, name: string): void;
  element(element: Element): void;
  streamEnd(): void;
  error(condition: 'not-well-formed' | 'restricted-xml' | 'policy-violation', text: string): void;
}

export interface StreamParserLimits {
  /** largest top-level element, in bytes of input */
  maxStanzaBytes: number;
}

const SLICE = 8192;

export class StreamParser {
  readonly #events: StreamParserEvents;
  readonly #limits: StreamParserLimits;
  #parser!: InstanceType<typeof Parser>;
  #scanner!: RestrictedXmlScanner;
  #bytesSinceElement = 0;
  #failed = false;

  constructor(events: StreamParserEvents, limits: StreamParserLimits) {
    this.#events = events;
    this.#limits = limits;
    this.reset();
  }

  /** A new stream starts on the same connection (after STARTTLS or SASL). */
  reset(): void {
    this.#scanner = new RestrictedXmlScanner();
    this.#bytesSinceElement = 0;
    const parser = createStrictParser();
    parser.on('start', (el: Element) => {
      this.#bytesSinceElement = 0;
      this.#events.streamStart(el.attrs as Record<string, string>, el.name);
    });
    parser.on('element', (el: Element) => {
      this.#bytesSinceElement = 0;
      if (!this.#failed) this.#events.element(el);
    });
    parser.on('end', () => {
      if (!this.#failed) this.#events.streamEnd();
    });
    parser.on('error', (error: Error) => this.#fail('not-well-formed', error.message));
    this.#parser = parser;
  }

  write(data: string): void {
    // Small slices keep the size check close to the element boundaries.
    for (let offset = 0; offset < data.length && !this.#failed; offset += SLICE) this.#write(data.slice(offset, offset + SLICE));
  }

  #write(data: string): void {
    this.#bytesSinceElement += Buffer.byteLength(data);
    if (this.#bytesSinceElement > this.#limits.maxStanzaBytes) {
      this.#fail('policy-violation', `stanza larger than ${this.#limits.maxStanzaBytes} bytes`);
      return;
    }
    const violation = this.#scanner.scan(data);
    if (violation) {
      this.#fail('restricted-xml', `XMPP does not allow ${violation === 'entity' ? 'entity references other than the predefined ones' : `a ${violation}`}`);
      return;
    }
    try {
      this.#parser.write(data);
    } catch (error) {
      this.#fail('not-well-formed', (error as Error).message);
    }
    // Text between stanzas (whitespace keepalives) is appended to the stream
    // root by the parser; dropping it keeps a long-lived stream's memory flat.
    const root = this.#parser.root as Element | null;
    if (root && root.children.length > 0) root.children = [];
  }

  #fail(condition: 'not-well-formed' | 'restricted-xml' | 'policy-violation', text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#events.error(condition, text);
  }
}
