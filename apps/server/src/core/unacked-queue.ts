/**
 * XEP-0198 counts handled stanzas modulo 2^32 (§4: "h" wraps to zero). The
 * unacknowledged queue holds what we sent and the peer (a client, or a
 * server on an s2s stream) has not yet confirmed; an ack with 'h' removes
 * everything up to it. Items carry whatever their owner needs to rescue
 * them when the stream dies (c2s: the time; s2s: the sending domain).
 */
import type { Element } from '@conexizan/protocol';

export const MODULUS = 2 ** 32;

export function wrap(n: number): number {
  return ((n % MODULUS) + MODULUS) % MODULUS;
}

export interface Unacked {
  stanza: Element;
  queuedAt: Date;
}

export class UnackedQueue<T = Unacked> {
  /** stanzas sent since enable, modulo 2^32 */
  sent = 0;
  /** the peer's last 'h' */
  acked = 0;
  readonly items: T[] = [];

  push(item: T): void {
    this.sent = wrap(this.sent + 1);
    this.items.push(item);
  }

  /**
   * Applies the peer's 'h'. Returns false (and changes nothing) when h
   * acknowledges more than was ever sent (§4: handled-count-too-high).
   */
  ack(h: number): boolean {
    const newly = wrap(h - this.acked);
    if (newly > this.items.length) return false;
    this.items.splice(0, newly);
    this.acked = h;
    return true;
  }

  /** Takes every unacknowledged stanza out, exactly once. */
  drain(): T[] {
    return this.items.splice(0, this.items.length);
  }
}
