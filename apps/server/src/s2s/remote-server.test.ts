import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { xml, type Element, type StanzaErrorCondition } from '@conexizan/protocol';
import { freePorts } from '../../test/support/free-port.ts';
import { RemoteServer, type RemoteServerSettings } from './remote-server.ts';

/** The queue, retry and bounce rules of one remote domain, against sockets that misbehave on purpose. */
const servers: Server[] = [];
const sockets: Socket[] = [];
const ended = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function settings(overrides: Partial<RemoteServerSettings>, bounced: { stanza: Element; condition: StanzaErrorCondition }[]): RemoteServerSettings {
  return {
    localDomain: 'here.test',
    staticHosts: {},
    lookupSrv: async () => [],
    tls: () => ({}),
    requireEncryption: true,
    requireValidCertificate: false,
    maxStanzaBytes: 65_536,
    connectTimeoutMs: 2000,
    queueTimeoutMs: 60_000,
    retries: 0,
    retryBaseMs: 50,
    idleMs: 60_000,
    maxQueue: 100,
    dialbackKey: () => 'key',
    keyIsOurs: () => false,
    bidi: true,
    deliver: () => 0,
    bounce: (stanza, condition) => bounced.push({ stanza, condition }),
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}

const message = (body: string) => xml('message', { from: 'alice@here.test/a', to: 'bob@there.test', type: 'chat', id: body }, xml('body', {}, body));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP server that accepts and then says nothing at all. */
async function silentPeer(): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
    socket.once('end', () => ended.add(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('a remote server link', () => {
  it('bounces with remote-server-not-found after its bounded retries when nobody listens', async () => {
    const [port] = (await freePorts(1)) as [number];
    const bounced: { stanza: Element; condition: StanzaErrorCondition }[] = [];
    const remote = new RemoteServer('there.test', settings({ staticHosts: { 'there.test': `127.0.0.1:${port}` }, retries: 2 }, bounced));
    const started = Date.now();
    remote.send(message('one'), 'here.test');
    remote.send(message('two'), 'here.test');
    await until(() => bounced.length === 2);
    expect(bounced.map((b) => [b.stanza.attrs.id, b.condition])).toEqual([['one', 'remote-server-not-found'], ['two', 'remote-server-not-found']]);
    // Two retries with backoff from 50 ms (jittered): at least ~110 ms, far less than a connect timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    remote.stop();
  });

  it('bounces with remote-server-timeout when the peer accepts but never completes the stream', async () => {
    const port = await silentPeer();
    const bounced: { stanza: Element; condition: StanzaErrorCondition }[] = [];
    const remote = new RemoteServer('there.test', settings({ staticHosts: { 'there.test': `127.0.0.1:${port}` }, queueTimeoutMs: 300 }, bounced));
    remote.send(message('stuck'), 'here.test');
    await until(() => bounced.length === 1);
    expect(bounced[0]!.condition).toBe('remote-server-timeout');
    // ...and the stalled connection is closed, so the next stanza starts afresh.
    await until(() => sockets.length === 1 && ended.has(sockets[0]!));
    remote.stop();
  });

  it('refuses more than its queue holds with resource-constraint, keeping what it has', async () => {
    const port = await silentPeer();
    const bounced: { stanza: Element; condition: StanzaErrorCondition }[] = [];
    const remote = new RemoteServer('there.test', settings({ staticHosts: { 'there.test': `127.0.0.1:${port}` }, maxQueue: 2 }, bounced));
    remote.send(message('1'), 'here.test');
    remote.send(message('2'), 'here.test');
    expect(() => remote.send(message('3'), 'here.test')).toThrow(expect.objectContaining({ condition: 'resource-constraint' }));
    expect(remote.stop().map((stanza) => stanza.attrs.id)).toEqual(['1', '2']);
  });

  it('gives up on a peer that offers no TLS when encryption is required', async () => {
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' id='s1' from='there.test' version='1.0'><stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>`);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bounced: { stanza: Element; condition: StanzaErrorCondition }[] = [];
    const remote = new RemoteServer('there.test', settings({ staticHosts: { 'there.test': `127.0.0.1:${(server.address() as { port: number }).port}` } }, bounced));
    remote.send(message('plain'), 'here.test');
    await until(() => bounced.length === 1);
    expect(bounced[0]!.condition).toBe('remote-server-not-found');
    remote.stop();
  });
});
