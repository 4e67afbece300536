import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { runSlixmpp } from '../support/python.ts';
import { createAccount, login, stanzaErrorCondition, uniqueId, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { withTimeout } from '../support/wait.ts';

/**
 * XEP-0065 through the proxy, as two clients use it: discover proxy.localhost
 * in the domain's disco#items, ask it for its streamhost, connect both
 * sides with SOCKS5 (written here on node:net, RFC 1928 as XEP-0065 §6
 * uses it), activate as the initiator, and relay bytes both ways.
 */
const BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';
const PASSWORD = 'proxy65 test password';
const SLIXMPP_SCRIPT = fileURLToPath(new URL('./slixmpp/bytestreams.py', import.meta.url));
let server: TestServer;
let proxyPort: number;
let alice: RawXmppConnection;
let bob: RawXmppConnection;

/** A SOCKS5 client: greeting (no auth), CONNECT to the hash as a domain name, port 0. Resolves with the connected socket and the reply status. */
function socks5(port: number, hash: string): Promise<{ socket: Socket; status: number; data: () => Buffer }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      let received = Buffer.alloc(0);
      let stage = 0;
      let after = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('connect', () => socket.write(Buffer.from([5, 1, 0])));
      socket.on('data', (chunk: Buffer) => {
        if (stage === 2) {
          after = Buffer.concat([after, chunk]);
          return;
        }
        received = Buffer.concat([received, chunk]);
        if (stage === 0 && received.length >= 2) {
          if (received[1] !== 0) return reject(new Error('no-auth refused'));
          received = received.subarray(2);
          stage = 1;
          const host = Buffer.from(hash, 'latin1');
          socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, host.length]), host, Buffer.from([0, 0])]));
        }
        if (stage === 1 && received.length >= 5 + received[4]! + 2) {
          stage = 2;
          after = received.subarray(5 + received[4]! + 2);
          resolve({ socket, status: received[1]!, data: () => after });
        }
      });
    }),
    5000,
    'SOCKS5 connect',
  );
}

const hashOf = (sid: string, initiator: string, target: string) => createHash('sha1').update(sid + initiator + target).digest('hex');

beforeAll(async () => {
  [proxyPort] = (await freePorts(1)) as [number];
  server = await startTestServer({ ports: { proxy65: proxyPort }, proxy65: { max_bytes: 1_000_000 } });
  for (const username of ['alice', 'bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  alice = await login({ port: server.ports.c2s, username: 'alice', password: PASSWORD, resource: 'laptop' });
  bob = await login({ port: server.ports.c2s, username: 'bob', password: PASSWORD, resource: 'phone' });
});
afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await server?.stop();
});

describe('XEP-0065 SOCKS5 bytestreams proxy', () => {
  it('is found in disco#items, describes itself and tells its streamhost', async () => {
    const items = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.getChild('query')!.getChildren('item').map((item) => item.attrs.jid)).toContain('proxy.localhost');
    const info = await alice.iq(xml('iq', { type: 'get', to: 'proxy.localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const query = info.getChild('query')!;
    expect(query.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`)).toEqual(['proxy/bytestreams']);
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toContain(BYTESTREAMS);
    const streamhost = (await alice.iq(xml('iq', { type: 'get', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS })))).getChild('query')!.getChild('streamhost')!;
    expect(streamhost.attrs).toMatchObject({ jid: 'proxy.localhost', host: '127.0.0.1', port: String(proxyPort) });
  });

  it('relays bytes between target and initiator after the initiator activates', async () => {
    const sid = uniqueId('sid');
    const hash = hashOf(sid, alice.jid!, bob.jid!);
    // The initiator offers the proxy to the target (XEP-0065 §5.3.1); the target connects first, then the initiator.
    const offer = xml('iq', { type: 'set', to: bob.jid!, id: uniqueId('offer') }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('streamhost', { jid: 'proxy.localhost', host: '127.0.0.1', port: String(proxyPort) })));
    alice.send(offer);
    const atBob = await bob.inbox.waitFor((el) => el.name === 'iq' && el.attrs.id === offer.attrs.id, 'the offer');
    const target = await socks5(proxyPort, hash);
    expect(target.status).toBe(0);
    bob.send(xml('iq', { type: 'result', to: alice.jid!, id: atBob.attrs.id }, xml('query', { xmlns: BYTESTREAMS }, xml('streamhost-used', { jid: 'proxy.localhost' }))));
    await alice.inbox.waitFor((el) => el.name === 'iq' && el.attrs.id === offer.attrs.id && el.attrs.type === 'result', 'streamhost-used');
    const initiator = await socks5(proxyPort, hash);
    expect(initiator.status).toBe(0);

    // Only the initiator can activate: bob's activation hashes another triple.
    const wrong = await bob.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('activate', {}, alice.jid!))));
    expect(stanzaErrorCondition(wrong)).toBe('item-not-found');

    const activated = await alice.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('activate', {}, bob.jid!))));
    expect(activated.attrs.type).toBe('result');
    const again = await alice.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('activate', {}, bob.jid!))));
    expect(stanzaErrorCondition(again)).toBe('not-allowed');

    // Both ways: the target's bytes reach the initiator too.
    const back = new Promise<string>((resolve) => initiator.socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    target.socket.write('ready for the file');
    expect(await withTimeout(back, 5000, 'bytes at the initiator')).toBe('ready for the file');

    const file = randomBytes(200_000);
    const arrived = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [target.data()];
      target.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      target.socket.on('end', () => resolve(Buffer.concat(chunks)));
    });
    initiator.socket.end(file);
    expect((await withTimeout(arrived, 5000, 'the file at the target')).equals(file)).toBe(true);
  });

  it('refuses a third connection for a pair and activation before both are there', async () => {
    const sid = uniqueId('sid');
    const hash = hashOf(sid, alice.jid!, bob.jid!);
    const early = await alice.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('activate', {}, bob.jid!))));
    expect(stanzaErrorCondition(early)).toBe('item-not-found');
    const first = await socks5(proxyPort, hash);
    const alone = await alice.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: BYTESTREAMS, sid }, xml('activate', {}, bob.jid!))));
    expect(stanzaErrorCondition(alone)).toBe('not-allowed');
    const second = await socks5(proxyPort, hash);
    const third = await socks5(proxyPort, hash);
    expect([first.status, second.status, third.status]).toEqual([0, 0, 2]);
    for (const side of [first, second, third]) side.socket.destroy();

    const bad = await socks5(proxyPort, 'not-a-hash');
    expect(bad.status).not.toBe(0);
    bad.socket.destroy();
  });

  it("carries a file for slixmpp's xep_0065 plugin (proxy discovery, handshake, activation)", async () => {
    const run = await runSlixmpp(SLIXMPP_SCRIPT, ['--port', String(server.ports.c2s), '--password', PASSWORD, '--alice', 'alice', '--bob', 'bob', '--size', '100000'], 30_000);
    const step = (name: string) => run.observations.find((o) => o.step === name);
    expect(step('done'), run.stderr + run.stdout).toMatchObject({ ok: true });
    expect(step('proxies')).toMatchObject({ proxies: { 'proxy.localhost': ['127.0.0.1', String(proxyPort)] } });
    expect(step('handshake')).toMatchObject({ ok: true });
    expect(step('transfer')).toMatchObject({ ok: true, sent: 100000, received: 100000 });
  }, 35_000);
});
