import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { createAccount, hasBody, login, RawXmppConnection, uniqueId, type RawXmppConnection as Raw } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * XEP-0114 with a component written here on a raw socket, byte for byte as
 * the XEP shows it: stream header in jabber:component:accept, handshake,
 * then a message each way with a user logged in over c2s. And the refusals:
 * wrong secret, unknown domain, a second connection, a spoofed from.
 */
const ACCEPT = 'jabber:component:accept';
const SECRET = 'component shared secret';
const PASSWORD = 'component test password';
let server: TestServer;
let componentPort: number;

async function openComponent(domain: string): Promise<{ connection: Raw; id: string }> {
  const connection = await RawXmppConnection.connect({ port: componentPort });
  connection.sendHeader({ raw: `<?xml version='1.0'?><stream:stream xmlns='${ACCEPT}' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>` });
  const deadline = Date.now() + 5000;
  while (!connection.header && !connection.isClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return { connection, id: String(connection.header?.attrs.id ?? '') };
}

async function handshake(domain: string, secret: string): Promise<Raw> {
  const { connection, id } = await openComponent(domain);
  expect(id).not.toBe('');
  connection.write(`<handshake>${createHash('sha1').update(id + secret).digest('hex')}</handshake>`);
  return connection;
}

beforeAll(async () => {
  [componentPort] = (await freePorts(1)) as [number];
  server = await startTestServer({
    ports: { component: componentPort },
    components: [{ domain: 'bot.localhost', secret: SECRET }, { domain: 'other.localhost', secret: 'another secret' }],
    limits: { max_stanza_bytes: 8192 },
  });
  await createAccount({ port: server.ports.c2s, username: 'carol', password: PASSWORD });
});
afterAll(() => server?.stop());

describe('XEP-0114 external components', () => {
  it('handshakes, then exchanges messages with a local user and appears in disco#items', async () => {
    const bot = await handshake('bot.localhost', SECRET);
    const done = await bot.inbox.waitFor((el) => el.name === 'handshake' || el.name === 'error', 'handshake answer');
    expect(done.toString()).toBe('<handshake/>');
    const carol = await login({ port: server.ports.c2s, username: 'carol', password: PASSWORD, resource: 'phone' });

    carol.send(xml('message', { to: 'echo@bot.localhost', type: 'chat', id: uniqueId() }, xml('body', {}, 'hello component')));
    const atBot = await bot.inbox.waitFor(hasBody('hello component'), 'message at the component');
    expect(atBot.attrs.from).toBe('carol@localhost/phone');
    expect(atBot.attrs.to).toBe('echo@bot.localhost');

    bot.send(xml('message', { from: 'echo@bot.localhost', to: 'carol@localhost/phone', type: 'chat', id: uniqueId() }, xml('body', {}, 'hello carol')));
    const atCarol = await carol.inbox.waitFor(hasBody('hello carol'), 'message from the component');
    expect(atCarol.attrs.from).toBe('echo@bot.localhost');

    // The component's iqs reach the server and the answer comes back to it.
    bot.send(xml('iq', { from: 'bot.localhost', to: 'localhost', type: 'get', id: 'bot-ping' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const pong = await bot.inbox.waitFor((el) => el.name === 'iq' && el.attrs.id === 'bot-ping', 'the answer to the ping');
    expect(pong.attrs).toMatchObject({ type: 'result', from: 'localhost', to: 'bot.localhost' });

    const items = await carol.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.getChild('query')!.getChildren('item').map((item) => item.attrs.jid)).toContain('bot.localhost');

    // A second connection for the same domain is refused with conflict.
    const second = await handshake('bot.localhost', SECRET);
    expect((await second.streamError()).condition).toBe('conflict');
    second.destroy();

    // A spoofed from ends the component's stream with invalid-from.
    bot.send(xml('message', { from: 'carol@localhost', to: 'carol@localhost/phone', id: uniqueId() }, xml('body', {}, 'spoofed')));
    expect((await bot.streamError()).condition).toBe('invalid-from');
    await bot.waitClosed();

    // Once gone: not in disco#items, and stanzas to it bounce.
    const after = await carol.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(after.getChild('query')!.getChildren('item').map((item) => item.attrs.jid)).not.toContain('bot.localhost');
    const bounced = await carol.iq(xml('iq', { type: 'get', to: 'bot.localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(bounced.attrs.type).toBe('error');
    expect(carol.received).not.toContain('spoofed');
    await carol.close();
  });

  it('refuses a wrong secret with not-authorized, an unknown domain with host-unknown, and stanzas over the size limit', async () => {
    const wrong = await handshake('other.localhost', SECRET);
    expect((await wrong.streamError()).condition).toBe('not-authorized');
    await wrong.waitClosed();

    const { connection: unknown } = await openComponent('nobody.localhost');
    expect((await unknown.streamError()).condition).toBe('host-unknown');
    await unknown.waitClosed();

    // The right secret for that domain still works afterwards.
    const other = await handshake('other.localhost', 'another secret');
    expect((await other.inbox.waitFor((el) => el.name === 'handshake', 'handshake')).toString()).toBe('<handshake/>');
    // A stanza over limits.max_stanza_bytes ends the stream, as for clients.
    other.send(xml('message', { from: 'other.localhost', to: 'carol@localhost' }, xml('body', {}, 'x'.repeat(10_000))));
    expect((await other.streamError()).condition).toBe('policy-violation');
    await other.waitClosed();
  });

  it('tells a connected component system-shutdown when the server stops', async () => {
    const bot = await handshake('bot.localhost', SECRET);
    await bot.inbox.waitFor((el) => el.name === 'handshake', 'handshake');
    const stopped = server.stop();
    expect((await bot.streamError()).condition).toBe('system-shutdown');
    await bot.waitClosed();
    await stopped;
  });
});
