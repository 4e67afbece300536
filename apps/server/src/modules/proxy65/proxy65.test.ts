import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { createHarness } from '../../testing/harness.ts';
import { Socks5Relay, type RelayLimits } from './relay.ts';

const HASH = 'a'.repeat(40);
let server: Server | null = null;
let relay: Socks5Relay | null = null;

async function startRelay(limits: Partial<RelayLimits>): Promise<number> {
  relay = new Socks5Relay({ maxTransfers: 4, idleMs: 5000, maxBytes: 1_000_000, ...limits });
  const current = relay;
  server = createServer((socket) => current.accept(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** SOCKS5 greeting and CONNECT in one write; resolves with the reply status and the socket. */
function open(port: number, hash = HASH): Promise<{ socket: Socket; status: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 3, hash.length]), Buffer.from(hash), Buffer.from([0, 0])]));
    });
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 + 5 + hash.length + 2) {
        socket.off('data', onData);
        resolve({ socket, status: data[3]! });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

/** The relay has forgotten every pair (its side of the sockets closes a moment after ours). */
async function settled(): Promise<void> {
  for (let i = 0; i < 100 && relay!.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(relay!.size).toBe(0);
}

afterEach(async () => {
  relay?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

describe('XEP-0065 proxy', () => {
  it('is off by default: not in disco#items, and proxy.<domain> does not answer', async () => {
    const h = await createHarness();
    await h.createUser('ann');
    const ann = await h.connect('ann');
    const items = await ann.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })));
    expect(items.getChild('query')!.getChildren('item').map((item) => item.attrs.jid)).not.toContain('proxy.localhost');
    const answer = await ann.query(xml('iq', { type: 'get', to: 'proxy.localhost' }, xml('query', { xmlns: NS.BYTESTREAMS })));
    expect(answer.attrs.type).toBe('error');
    await h.stop();
  });

  it('limits transfers at once', async () => {
    const port = await startRelay({ maxTransfers: 1 });
    const first = await open(port, 'b'.repeat(40));
    const second = await open(port, 'c'.repeat(40));
    expect([first.status, second.status]).toEqual([0, 1]);
    expect(relay!.activate('b'.repeat(40))).toBe('alone');
    expect(relay!.activate('c'.repeat(40))).toBe('missing');
    first.socket.destroy();
    second.socket.destroy();
  });

  it('cuts a transfer beyond max bytes', async () => {
    const port = await startRelay({ maxBytes: 1000 });
    const target = await open(port);
    const initiator = await open(port);
    expect(relay!.activate(HASH)).toBe('ok');
    target.socket.on('data', () => undefined);
    initiator.socket.on('error', () => undefined);
    initiator.socket.write(Buffer.alloc(5000));
    await Promise.all([closed(target.socket), closed(initiator.socket)]);
    await settled();
  });

  it('keeps what is sent before activation and delivers it after; a party leaving early ends the pair at once', async () => {
    const port = await startRelay({});
    const target = await open(port);
    const initiator = await open(port);
    initiator.socket.write('sent before activation');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const arrived = new Promise<string>((resolve) => target.socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(relay!.activate(HASH)).toBe('ok');
    expect(await arrived).toBe('sent before activation');
    target.socket.destroy();
    initiator.socket.destroy();
    await settled();

    const waiting = await open(port, 'd'.repeat(40));
    expect(relay!.size).toBe(1);
    waiting.socket.end();
    await settled();
  });

  it('closes idle connections', async () => {
    const port = await startRelay({ idleMs: 200 });
    const waiting = await open(port);
    await closed(waiting.socket);
    await settled();
  });
});
