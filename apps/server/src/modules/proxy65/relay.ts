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
  /** what each side sent before activation (kept, not dropped: XEP-0065 §9.1), and its listener */
  early: Map<Socket, { chunks: Buffer[]; size: number; listener: (chunk: Buffer) => void }>;
}

/** bytes kept per side before activation; a side that sends more is paused until then */
const EARLY_BYTES = 65_536;

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
    for (const [from, to] of [[pair.initiator, pair.target], [pair.target, pair.initiator]] as const) {
      const early = pair.early.get(from)!;
      from.off('data', early.listener);
      pair.bytes += early.size;
      for (const chunk of early.chunks) to.write(chunk);
      this.#relay(hash, pair, from, to);
      from.resume();
    }
    pair.early.clear();
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
    // Until activation, what the peer sends is kept (up to EARLY_BYTES, then the socket is paused);
    // the socket keeps reading, so a peer that goes away before activation is noticed at once.
    const kept = { chunks: [] as Buffer[], size: 0, listener: (chunk: Buffer) => {
      kept.chunks.push(chunk);
      kept.size += chunk.length;
      if (kept.size >= EARLY_BYTES) socket.pause();
    } };
    let current = pair;
    if (current) current.initiator = socket;
    else {
      current = { target: socket, active: false, bytes: 0, early: new Map() };
      this.#pairs.set(hash, current);
    }
    current.early.set(socket, kept);
    socket.on('data', kept.listener);
    if (early.length > 0) kept.listener(early);
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
