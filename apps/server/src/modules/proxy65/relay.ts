import type { Socket } from 'node:net';

/**
 * The SOCKS5 side of a XEP-0065 proxy (XEP-0065 §6, RFC 1928 subset): each
 * party connects, offers "no authentication", and asks to CONNECT to a
 * domain name that is the 40 hex digits of SHA-1(SID + initiator JID +
 * target JID), port 0. The first connection for a hash is the target, the
 * second the initiator. Nothing is relayed until the initiator activates
 * the pair over XMPP; then bytes flow both ways, within the limits.
 * No address, hash or byte is logged here.
 */
export interface RelayLimits {
  /** pairs (waiting or active) at once */
  maxTransfers: number;
  idleMs: number;
  /** bytes per transfer, both directions together */
  maxBytes: number;
}

interface Pair {
  target: Socket;
  initiator?: Socket;
  active: boolean;
  bytes: number;
}

const HASH = /^[0-9a-f]{40}$/;

export class Socks5Relay {
  readonly #limits: RelayLimits;
  readonly #pairs = new Map<string, Pair>();
  readonly #sockets = new Set<Socket>();

  constructor(limits: RelayLimits) {
    this.#limits = limits;
  }

  /** transfers waiting or relaying */
  get size(): number {
    return this.#pairs.size;
  }

  /** A new SOCKS5 connection. */
  accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    socket.setTimeout(this.#limits.idleMs, () => socket.destroy());
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > 600) return socket.destroy();
      if (stage === 'greeting') {
        if (buffer.length < 2) return;
        const methods = buffer[1]!;
        if (buffer[0] !== 5) return socket.destroy();
        if (buffer.length < 2 + methods) return;
        const offered = buffer.subarray(2, 2 + methods);
        buffer = buffer.subarray(2 + methods);
        if (!offered.includes(0)) {
          socket.end(Buffer.from([5, 0xff]));
          return;
        }
        socket.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (buffer.length < 5) return;
      const length = buffer[4]!;
      if (buffer.length < 5 + length + 2) return;
      const [version, command, , addressType] = buffer;
      const address = buffer.subarray(5, 5 + length).toString('latin1');
      const port = buffer.readUInt16BE(5 + length);
      const rest = buffer.subarray(5 + length + 2);
      socket.off('data', onData);
      if (version !== 5) return socket.destroy();
      if (command !== 1) return this.#refuse(socket, 7, address);
      if (addressType !== 3) return this.#refuse(socket, 8, address);
      if (!HASH.test(address) || port !== 0) return this.#refuse(socket, 4, address);
      this.#pair(socket, address, rest);
    };
    socket.on('data', onData);
  }

  /**
   * The initiator's <activate/>: starts relaying the pair with this hash.
   * Returns 'ok', 'missing' (no such pair), 'alone' (only one party is connected) or 'active' (already relaying).
   */
  activate(hash: string): 'ok' | 'missing' | 'alone' | 'active' {
    const pair = this.#pairs.get(hash);
    if (!pair) return 'missing';
    if (!pair.initiator) return 'alone';
    if (pair.active) return 'active';
    pair.active = true;
    this.#relay(hash, pair, pair.initiator, pair.target);
    this.#relay(hash, pair, pair.target, pair.initiator);
    pair.initiator.resume();
    pair.target.resume();
    return 'ok';
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#pairs.clear();
  }

  #pair(socket: Socket, hash: string, early: Buffer): void {
    const pair = this.#pairs.get(hash);
    if (!pair && this.#pairs.size >= this.#limits.maxTransfers) return this.#refuse(socket, 1, hash);
    if (pair && (pair.initiator || pair.active)) return this.#refuse(socket, 2, hash);
    // Quiet until activation: whatever the peer sends early waits in the socket (backpressure).
    socket.pause();
    if (early.length > 0) socket.unshift(early);
    if (pair) pair.initiator = socket;
    else this.#pairs.set(hash, { target: socket, active: false, bytes: 0 });
    socket.once('close', () => this.#end(hash, socket));
    this.#reply(socket, 0, hash);
  }

  #relay(hash: string, pair: Pair, from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      pair.bytes += chunk.length;
      if (pair.bytes > this.#limits.maxBytes) {
        this.#end(hash, from);
        return;
      }
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    from.once('end', () => to.end());
  }

  /** One side is gone: the transfer ends for both. */
  #end(hash: string, socket: Socket): void {
    const pair = this.#pairs.get(hash);
    if (!pair || (pair.target !== socket && pair.initiator !== socket)) return;
    this.#pairs.delete(hash);
    for (const side of [pair.target, pair.initiator]) {
      if (!side) continue;
      if (pair.active && side !== socket && !side.destroyed) side.end();
      else side.destroy();
    }
    // Half-closed peers that never finish are cut by the idle timeout.
  }

  #reply(socket: Socket, status: number, address: string): void {
    const host = Buffer.from(address, 'latin1');
    const reply = Buffer.alloc(5 + host.length + 2);
    reply.set([5, status, 0, 3, host.length]);
    host.copy(reply, 5);
    socket.write(reply);
  }

  #refuse(socket: Socket, status: number, address: string): void {
    this.#reply(socket, status, address);
    socket.end();
  }
}
