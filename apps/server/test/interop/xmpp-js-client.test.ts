import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { createAccount, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, stopQuietly, TRANSPORTS, xml,
  type JsSession, type Transport,
} from '../support/xmpp-js.ts';

/**
 * @xmpp/client 0.14 (xmpp.js, a client library nobody here wrote) against
 * Conexizan on all three client transports: STARTTLS on the c2s port
 * (RFC 6120), TLS from the first byte (XEP-0368) and WebSocket (RFC 7395).
 * Accounts are made by in-band registration (XEP-0077) with the raw-socket
 * helper, since xmpp.js has no registration API. Then a server restart:
 * rosters and offline messages must survive it.
 */
const restoreTls = acceptSelfSignedCertificates();
provideWebSocketGlobal();

const PASSWORD = 'xmpp.js password';
const SHORT: Record<Transport, string> = { starttls: 'st', 'direct-tls': 'dt', websocket: 'ws' };
const userOf = (transport: Transport, name: string) => `${SHORT[transport]}-${name}`;

let server: TestServer;
const everySession: JsSession[] = [];

async function login(transport: Transport, username: string, resource?: string): Promise<JsSession> {
  const session = await loginJs({ server, transport, username, password: PASSWORD, ...(resource ? { resource } : {}) });
  everySession.push(session);
  return session;
}

const isMessage = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;
const isPresence = (type: string | undefined, from: string) => (el: Element) =>
  el.name === 'presence' && el.attrs.type === type && (el.attrs.from === from || (el.attrs.from ?? '').startsWith(`${from}/`));

async function rosterOf(session: JsSession): Promise<Record<string, { subscription: string; ask: string | null }>> {
  const result = await session.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: XMLNS.ROSTER })), 5_000);
  const items: Record<string, { subscription: string; ask: string | null }> = {};
  for (const item of result.getChild('query', XMLNS.ROSTER)?.getChildren('item') ?? []) {
    items[item.attrs.jid!] = { subscription: item.attrs.subscription ?? 'none', ask: item.attrs.ask ?? null };
  }
  return items;
}

/** A ping answered means every stanza sent before it on this stream was handled (streams are processed in order). */
async function ping(session: JsSession): Promise<void> {
  const reply = await session.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: XMLNS.PING })), 5_000);
  expect(reply.attrs.type).toBe('result');
}

beforeAll(async () => {
  server = await startTestServer();
  // Every account is registered in-band over a real STARTTLS stream.
  const names = TRANSPORTS.flatMap((transport) => [userOf(transport, 'alice'), userOf(transport, 'bob')]);
  for (const username of [...names, 'carol']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
});

afterAll(async () => {
  await Promise.all(everySession.map((session) => session.stop()));
  await server?.stop();
  restoreTls();
});

describe.each(TRANSPORTS)('@xmpp/client over %s', (transport) => {
  const aliceUser = userOf(transport, 'alice');
  const bobUser = userOf(transport, 'bob');
  const aliceBare = `${aliceUser}@localhost`;
  const bobBare = `${bobUser}@localhost`;
  let alice: JsSession;
  let bob: JsSession;

  beforeAll(async () => {
    alice = await login(transport, aliceUser, 'laptop');
    bob = await login(transport, bobUser);
  });

  it('logs in with SCRAM-SHA-1 and gets its JID bound', () => {
    expect(alice.jid).toBe(`${aliceBare}/laptop`);
    // No resource asked for: the server picks one (RFC 6120 §7.6).
    expect(bob.jid).toMatch(new RegExp(`^${bobBare}/.+$`));
    expect(alice.mechanism).toBe('SCRAM-SHA-1');
    expect(bob.mechanism).toBe('SCRAM-SHA-1');
    if (transport !== 'websocket') expect(alice.xmpp.isSecure()).toBe(true);
    expect(alice.errors).toEqual([]);
  });

  it('exchanges messages both ways', async () => {
    await alice.send(xml('message', { to: bob.jid, type: 'chat', id: `${transport}-1` }, xml('body', {}, `hello bob over ${transport}`)));
    const atBob = await bob.inbox.waitFor(isMessage(`hello bob over ${transport}`), 'the message from alice');
    expect(atBob.attrs.from).toBe(alice.jid);
    expect(atBob.attrs.type).toBe('chat');

    // To the bare JID this time: delivered to bob's available resource.
    await bob.send(xml('message', { to: aliceBare, type: 'chat' }, xml('body', {}, `hi alice, ${transport} here`)));
    const atAlice = await alice.inbox.waitFor(isMessage(`hi alice, ${transport} here`), 'the message from bob');
    expect(atAlice.attrs.from).toBe(bob.jid);
    expect(atAlice.getChild('delay', XMLNS.DELAY)).toBeUndefined();
  });

  it('subscribes to presence both ways (RFC 6121 §3) and each sees the other online', async () => {
    await alice.send(xml('presence', { to: bobBare, type: 'subscribe' }));
    await bob.inbox.waitFor(isPresence('subscribe', aliceBare), 'alice\'s subscription request');
    await bob.send(xml('presence', { to: aliceBare, type: 'subscribed' }));
    await alice.inbox.waitFor(isPresence('subscribed', bobBare), 'bob\'s approval');
    // Approved: alice now receives bob's current presence.
    await alice.inbox.waitFor(isPresence(undefined, bob.jid), 'bob\'s presence');

    await bob.send(xml('presence', { to: aliceBare, type: 'subscribe' }));
    await alice.inbox.waitFor(isPresence('subscribe', bobBare), 'bob\'s subscription request');
    await alice.send(xml('presence', { to: bobBare, type: 'subscribed' }));
    await bob.inbox.waitFor(isPresence('subscribed', aliceBare), 'alice\'s approval');
    await bob.inbox.waitFor(isPresence(undefined, alice.jid), 'alice\'s presence');

    expect(await rosterOf(alice)).toEqual({ [bobBare]: { subscription: 'both', ask: null } });
    expect(await rosterOf(bob)).toEqual({ [aliceBare]: { subscription: 'both', ask: null } });

    // A presence change now reaches the contact.
    await bob.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, `busy on ${transport}`)));
    const away = await alice.inbox.waitFor((el) => isPresence(undefined, bob.jid)(el) && el.getChildText('show') === 'away', 'bob\'s away presence');
    expect(away.getChildText('status')).toBe(`busy on ${transport}`);
  });
});

describe('@xmpp/client across transports', () => {
  it('a STARTTLS user and a WebSocket user talk to each other', async () => {
    const [tcp, ws] = await Promise.all([login('starttls', userOf('starttls', 'alice'), 'desk'), login('websocket', userOf('websocket', 'alice'), 'browser')]);
    await tcp.send(xml('message', { to: ws.jid, type: 'chat' }, xml('body', {}, 'tcp to ws')));
    expect((await ws.inbox.waitFor(isMessage('tcp to ws'), 'the message over TCP')).attrs.from).toBe(tcp.jid);
    await ws.send(xml('message', { to: tcp.jid, type: 'chat' }, xml('body', {}, 'ws to tcp')));
    expect((await tcp.inbox.waitFor(isMessage('ws to tcp'), 'the message over WebSocket')).attrs.from).toBe(ws.jid);
    await Promise.all([tcp.stop(), ws.stop()]);
  });
});

describe('@xmpp/client and a server restart', () => {
  const aliceUser = userOf('starttls', 'alice');
  const bobBare = `${userOf('starttls', 'bob')}@localhost`;
  const body = 'written while carol was away, before the restart';
  let stillOnline: JsSession[] = [];

  beforeAll(async () => {
    // carol has never been online; alice writes to her, and makes sure the server has handled it.
    const alice = await login('starttls', aliceUser, 'restart');
    await alice.send(xml('message', { to: 'carol@localhost', type: 'chat' }, xml('body', {}, body)));
    await ping(alice);
    expect(alice.inbox.received.filter((el) => el.attrs.type === 'error')).toEqual([]);

    stillOnline = everySession.filter((session) => session.xmpp.status === 'online');
    expect(stillOnline.length).toBeGreaterThan(0);
    await server.restart();
  });

  it('tells connected clients it is shutting down', async () => {
    for (const session of stillOnline) {
      await session.inbox.waitFor(() => false, 'the end of the connection', 5_000).catch(() => undefined);
      expect(session.xmpp.status, `${session.jid} is disconnected`).not.toBe('online');
      expect(session.errors.map((error) => error.condition), `${session.jid} (${session.transport}) got <system-shutdown/>`).toContain('system-shutdown');
    }
  });

  it('logs in again on every transport, and the roster is still there', async () => {
    for (const transport of TRANSPORTS) {
      const alice = await login(transport, userOf(transport, 'alice'), 'after-restart');
      expect(alice.jid).toBe(`${userOf(transport, 'alice')}@localhost/after-restart`);
      expect(await rosterOf(alice)).toEqual({ [`${userOf(transport, 'bob')}@localhost`]: { subscription: 'both', ask: null } });
      await alice.stop();
    }
  });

  it('delivers the message stored before the restart, with a delay stamp', async () => {
    const carol = await login('websocket', 'carol', 'phone');
    const message = await carol.inbox.waitFor(isMessage(body), 'the offline message');
    expect(message.attrs.from).toBe(`${aliceUser}@localhost/restart`);
    const delay = message.getChild('delay', XMLNS.DELAY);
    expect(delay, 'XEP-0203 <delay/>').toBeDefined();
    expect(delay!.attrs.from).toBe('localhost');
    expect(Number.isNaN(Date.parse(delay!.attrs.stamp!))).toBe(false);
    // Delivered once: logging in again brings nothing new.
    await carol.stop();
    const again = await login('websocket', 'carol', 'phone');
    await ping(again);
    expect(again.inbox.received.filter(isMessage(body))).toEqual([]);
    await again.stop();
  });

  it('routes messages and presence between sessions started after the restart', async () => {
    const alice = await login('starttls', aliceUser, 'after');
    const bob = await login('direct-tls', userOf('starttls', 'bob'), 'after');
    // bob's initial presence reaches alice (subscription both, restored from storage).
    await alice.inbox.waitFor(isPresence(undefined, bob.jid), 'bob\'s presence after the restart');
    await alice.send(xml('message', { to: bobBare, type: 'chat' }, xml('body', {}, 'still here')));
    expect((await bob.inbox.waitFor(isMessage('still here'), 'a message after the restart')).attrs.from).toBe(alice.jid);
    await Promise.all([alice.stop(), bob.stop()]);
  });
});

afterAll(async () => {
  // Sessions from before the restart are offline already; make sure no socket is left behind.
  await Promise.all(everySession.map((session) => stopQuietly(session.xmpp)));
});
