/**
 * Counts the bytes a connection (client or server) has received against its
 * pre-authentication allowance, as they arrive rather than when a stanza
 * completes: an unauthenticated peer cannot make the server parse more than
 * its allowance, however it splits or nests its input.
 */
export class ReceivedBytes {
  total = 0;
  #limit: number | null = null;
  #exceeded = false;

  /** `bytes` more may come from now on (null: any number). */
  allow(bytes: number | null): void {
    this.#limit = bytes === null ? null : this.total + bytes;
  }

  /** Adds a read; false (once, then always) when the allowance is used up and the input must not be parsed. */
  add(bytes: number, events: { error(condition: 'policy-violation', text: string): void } | null): boolean {
    this.total += bytes;
    if (this.#exceeded) return false;
    if (this.#limit === null || this.total <= this.#limit) return true;
    this.#exceeded = true;
    events?.error('policy-violation', 'too much data before authentication');
    return false;
  }
}
