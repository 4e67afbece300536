import { createHmac, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { sourceUnit } from './source-address.ts';

/**
 * Bounds what a connection may cost before it has proven anything: each
 * source address may hold only so many connections that have not
 * authenticated yet (c2s and s2s) or not sent a request yet (HTTP), and
 * each of them must get there, or through its TLS handshake, in time.
 * Connections to the direct TLS port that never started TLS used to stay
 * open for good (50 of them for over 7 minutes).
 *
 * Counting per address, not per connection total, keeps a crowd behind
 * one NAT working: their authenticated connections do not count, and a
 * login takes a fraction of a second. Addresses are kept only as an HMAC
 * under a key that lives in this process's memory.
 */
export interface PendingSlot {
  /** the connection has authenticated (or sent its request): it no longer counts */
  release(): void;
}

export class ConnectionLimiter {
  readonly #key = randomBytes(32);
  readonly #perAddress: number;
  readonly #pending = new Map<string, number>();

  constructor(perAddress: number) {
    this.#perAddress = perAddress;
  }

  /**
   * Takes a slot for a new connection from `address`, released when the
   * socket closes or release() is called. Null (and the socket destroyed)
   * when the address already holds its share.
   */
  admit(socket: Socket, address: string | undefined = socket.remoteAddress): PendingSlot | null {
    const key = createHmac('sha256', this.#key).update(sourceUnit(address)).digest('base64url');
    const taken = this.#pending.get(key) ?? 0;
    if (taken >= this.#perAddress) {
      socket.destroy();
      return null;
    }
    this.#pending.set(key, taken + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // Once logged in, the session's socket keeps nothing of its pending slot.
      socket.off('close', release);
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left > 0) this.#pending.set(key, left);
      else this.#pending.delete(key);
    };
    socket.once('close', release);
    return { release };
  }
}

/** Destroys `socket` unless `done` is called within `ms` (a handshake or a first request that never comes). */
export function deadline(socket: Socket, ms: number): () => void {
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  // Done, the socket holds neither the timer nor this listener for the rest of its life.
  const done = () => {
    clearTimeout(timer);
    socket.off('close', done);
  };
  socket.once('close', done);
  return done;
}

/**
 * A TLS server's handshake timeout: Node's default is two minutes, and a
 * 'tlsClientError' listener (kept so a failed handshake is not an
 * unhandled error) must destroy the socket itself.
 */
export function closeFailedHandshakes(server: TlsServer): void {
  server.on('tlsClientError', (_error, socket) => socket.destroy());
}
