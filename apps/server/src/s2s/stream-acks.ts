import { NS, xml, type Element } from '@conexizan/protocol';
import { UnackedQueue, wrap } from '../core/unacked-queue.ts';

/**
 * XEP-0198 acknowledgements on one server-to-server stream, the same for
 * both directions once <enable/> went by: we count the stanzas we handled
 * from the peer and answer its <r/> with <a h/>; we keep every stanza we
 * sent until the peer's 'h' covers it, ask for acks after a burst or a short
 * pause, and give up on a peer that does not answer in time. When the stream
 * dies, `takeUnacked` hands back what the peer never confirmed, exactly once,
 * so the owner re-sends or bounces it. No resumption: XEP-0198 §5 is for
 * clients; a new stream is simply opened.
 */
export interface SentStanza {
  stanza: Element;
  /** our domain it was sent from (the stream may carry several) */
  from: string;
  /** it already went out once on a stream that died: the next loss bounces it */
  resent: boolean;
}

export interface StreamAcksOptions {
  write(element: Element): void;
  /** the peer left an <r/> unanswered for ackTimeoutMs: treat the stream as dead */
  ackTimedOut(): void;
  ackTimeoutMs: number;
  /** ask for an ack once this many stanzas went out unacknowledged */
  requestAfter?: number;
  /** or this long after the last one (the end of a burst) */
  requestDelayMs?: number;
}

export type AckElementResult = 'handled' | 'not-sm' | 'too-high';

export class StreamAcks {
  readonly #options: StreamAcksOptions;
  #enabled = false;
  /** stanzas handled from the peer since enable, modulo 2^32 */
  #handled = 0;
  readonly #queue = new UnackedQueue<SentStanza>();
  /** queue.sent when we last sent <r/>: no new request until more went out */
  #requestedAt = -1;
  #requestTimer: NodeJS.Timeout | null = null;
  #ackTimer: NodeJS.Timeout | null = null;

  constructor(options: StreamAcksOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get handled(): number {
    return this.#handled;
  }

  /** how many sent stanzas the peer has not confirmed yet */
  get unackedCount(): number {
    return this.#queue.items.length;
  }

  /** <enable/> was sent (initiating side) or received (receiving side): counting starts at zero both ways. */
  enable(): void {
    this.#enabled = true;
  }

  /** One stanza from the peer was accepted and routed. */
  received(): void {
    if (this.#enabled) this.#handled = wrap(this.#handled + 1);
  }

  /** One stanza went out on the stream. Without SM it is not kept: nobody would ever confirm it. */
  sent(item: SentStanza): void {
    if (!this.#enabled) return;
    this.#queue.push(item);
    const requestAfter = this.#options.requestAfter ?? 5;
    if (wrap(this.#queue.sent - this.#requestedAt) >= requestAfter && this.#ackTimer === null) this.#requestAck();
    else this.#scheduleRequest();
  }

  /** Handles <r/>, <a/> of urn:xmpp:sm:3; anything else is 'not-sm'. */
  onElement(element: Element): AckElementResult {
    if (element.getNS() !== NS.SM) return 'not-sm';
    if (element.name === 'r') {
      if (this.#enabled) this.#options.write(xml('a', { xmlns: NS.SM, h: String(this.#handled) }));
      return 'handled';
    }
    if (element.name === 'a') {
      const h = Number(element.attrs.h);
      if (!this.#enabled || !Number.isInteger(h) || h < 0 || !this.#queue.ack(wrap(h))) return 'too-high';
      if (this.#ackTimer) clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
      // Sent more while waiting: those need their own confirmation.
      if (this.#queue.items.length > 0) this.#scheduleRequest();
      return 'handled';
    }
    return 'not-sm';
  }

  /** The peer refused SM (<failed/>): nothing will be confirmed, so nothing is kept. */
  disable(): void {
    this.#enabled = false;
    this.#queue.drain();
    this.stop();
  }

  /** Everything sent and never confirmed, exactly once; the stream is over. */
  takeUnacked(): SentStanza[] {
    this.stop();
    return this.#queue.drain();
  }

  stop(): void {
    for (const timer of [this.#requestTimer, this.#ackTimer]) if (timer) clearTimeout(timer);
    this.#requestTimer = null;
    this.#ackTimer = null;
  }

  #scheduleRequest(): void {
    if (this.#requestTimer || this.#ackTimer) return;
    this.#requestTimer = setTimeout(() => {
      this.#requestTimer = null;
      if (this.#queue.items.length > 0 && this.#ackTimer === null) this.#requestAck();
    }, this.#options.requestDelayMs ?? 250);
    this.#requestTimer.unref();
  }

  #requestAck(): void {
    if (this.#requestTimer) clearTimeout(this.#requestTimer);
    this.#requestTimer = null;
    this.#requestedAt = this.#queue.sent;
    this.#options.write(xml('r', { xmlns: NS.SM }));
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = null;
      if (this.#queue.items.length > 0) this.#options.ackTimedOut();
    }, this.#options.ackTimeoutMs);
    this.#ackTimer.unref();
  }
}
