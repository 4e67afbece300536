/**
 * XEP-0198 counts handled stanzas modulo 2^32 (§4: "h" wraps to zero). The
 * unacknowledged queue holds what we sent and the client has not yet
 * confirmed; an ack with 'h' removes everything up to it.
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

export class UnackedQueue {
  /** stanzas sent since enable, modulo 2^32 */
  sent = 0;
  /** the client's last 'h' */
  acked = 0;
  readonly items: Unacked[] = [];

  push(stanza: Element, now = new Date()): void {
    this.sent = wrap(this.sent + 1);
    this.items.push({ stanza, queuedAt: now });
  }

  /**
   * Applies the client's 'h'. Returns false (and changes nothing) when h
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
  drain(): Unacked[] {
    return this.items.splice(0, this.items.length);
  }
}
