import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import {
  chat, connectSecure, createAccount, hasBody, login, RawXmppConnection, stanzaErrorCondition, stanzaErrorType,
  uniqueId, XMLNS, type SaslMechanism,
} from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Clients that misbehave, on raw sockets, and what RFC 6120 says the server
 * must answer: stream errors (§4.9) that end the stream, stanza errors
 * (§8.3) that do not, SASL failures (§6.5). After every one of them a
 * well-behaved client still logs in and gets a message: one bad client
 * never costs anyone else their service.
 */
const PASSWORD = 'bad input password';
const MAX_STANZA = 16_384;
const UNAUTHENTICATED_SECONDS = 2;
const STANZA_IDLE_SECONDS = 2;

let server: TestServer;
/** a long-lived, well-behaved session that must survive everything below */
let carol: RawXmppConnection;

beforeAll(async () => {
  server = await startTestServer({
    limits: { unauthenticated_seconds: UNAUTHENTICATED_SECONDS, max_stanza_bytes: MAX_STANZA, stanza_idle_seconds: STANZA_IDLE_SECONDS },
  });
  for (const username of ['carol', 'dave', 'mallory']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  carol = await login({ port: server.ports.c2s, username: 'carol', password: PASSWORD, resource: 'watcher' });
});

afterAll(async () => {
  await carol?.close();
  await server?.stop();
});

/** After each bad client: carol is still connected, and a fresh login of dave receives carol's message. */
afterEach(async () => {
  expect(carol.isClosed, 'the well-behaved long-lived session is still connected').toBe(false);
  const dave = await login({ port: server.ports.c2s, username: 'dave', password: PASSWORD, resource: uniqueId('dave') });
  try {
    const body = `still serving ${uniqueId()}`;
    carol.send(chat(dave.jid!, body));
    const message = await dave.inbox.waitFor(hasBody(body), 'carol\'s message');
    expect(message.attrs.from).toBe('carol@localhost/watcher');
  } finally {
    await dave.close();
  }
});

/** The stream error a server must send before closing (RFC 6120 §4.9.1.1): error, </stream:stream>, TCP close. */
async function expectStreamError(connection: RawXmppConnection, condition: string, ms = 5_000): Promise<void> {
  try {
    const { condition: received, element } = await connection.streamError(ms);
    expect(received, element.toString()).toBe(condition);
    await connection.waitClosed(ms);
    expect(connection.streamEnded, 'the server closed its stream with </stream:stream>').toBe(true);
  } finally {
    connection.destroy();
  }
}

async function plainStream(): Promise<RawXmppConnection> {
  const connection = await RawXmppConnection.connect({ port: server.ports.c2s });
  await connection.openStream();
  return connection;
}

async function mallory(): Promise<RawXmppConnection> {
  return login({ port: server.ports.c2s, username: 'mallory', password: PASSWORD, resource: uniqueId('mallory') });
}

describe('XML the server must refuse', () => {
  it('unsupported-encoding for bytes that are not UTF-8 (RFC 6120 §11.6), rather than turning them into U+FFFD', async () => {
    const connection = await plainStream();
    connection.socket.write(Buffer.concat([Buffer.from('<message><body>'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('</body></message>')]));
    await expectStreamError(connection, 'unsupported-encoding');
  });

  it('a UTF-8 character split between two reads is still one character', async () => {
    const connection = await mallory();
    try {
      const bytes = Buffer.from(`<message to='${connection.jid}' id='split' type='normal'><body>é</body></message>`);
      const cut = bytes.indexOf(0xc3) + 1;
      connection.socket.write(bytes.subarray(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 50));
      connection.socket.write(bytes.subarray(cut));
      const echoed = await connection.inbox.waitFor((el) => el.attrs.id === 'split', 'the message back');
      expect(echoed.getChildText('body')).toBe('é');
    } finally {
      await connection.close();
    }
  });

  it.each([
    ['a closing tag that does not match', '<message><body>hi</message>'],
    ['a closing tag that was never opened', '</message>'],
    ['a character reference to a character XML forbids', '<message><body>&#0;</body></message>'],
  ])('not-well-formed before TLS: %s', async (_, junk) => {
    const connection = await plainStream();
    connection.write(junk);
    await expectStreamError(connection, 'not-well-formed');
  });

  it('not-well-formed after login, inside TLS', async () => {
    const connection = await mallory();
    connection.write('<message to="carol@localhost"><body>broken</bod></message>');
    await expectStreamError(connection, 'not-well-formed');
    expect(await carol.inbox.nothing(hasBody('broken'), 200)).toBe(true);
  });

  // RFC 6120 §4.9.3.13 / §11.4: input that breaks XML 1.0 or Namespaces in XML well-formedness
  // ends the stream with <not-well-formed/> (a lenient parser would silently swallow it, or let
  // two parsers on the path disagree about a duplicated 'to').
  it.each([
    ['an unquoted attribute value', '<message to=carol@localhost/watcher><body>unquoted</body></message>'],
    ["a raw '<' in text", '<message to="carol@localhost/watcher"><body>a < b</body></message>'],
    ['the same attribute twice', '<message to="dave@localhost" to="carol@localhost/watcher"><body>twice</body></message>'],
    ['an undeclared namespace prefix', '<message to="carol@localhost/watcher" undeclared:attr="1"><body>prefix</body></message>'],
  ])('not-well-formed after login: %s', async (_, junk) => {
    const connection = await mallory();
    connection.write(junk);
    await expectStreamError(connection, 'not-well-formed', 1_500);
  });

  it('policy-violation for a stanza larger than limits.max_stanza_bytes', async () => {
    const connection = await mallory();
    // Well-formed, addressed to carol, and one and a half times too big.
    connection.send(chat('carol@localhost/watcher', 'x'.repeat(MAX_STANZA + MAX_STANZA / 2)));
    await expectStreamError(connection, 'policy-violation');
    expect(await carol.inbox.nothing((el) => (el.getChildText('body') ?? '').startsWith('xxxxxxxx'), 200), 'the oversized message was not delivered').toBe(true);
  });

  it('a stanza just under the limit is fine', async () => {
    const connection = await mallory();
    const body = 'y'.repeat(MAX_STANZA - 1024);
    connection.send(chat('carol@localhost/watcher', body));
    await carol.inbox.waitFor(hasBody(body), 'the large but allowed message');
    await connection.close();
  });

  it('restricted-xml for a DOCTYPE before the stream header (RFC 6120 §11.1)', async () => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s });
    connection.sendHeader({
      raw: `<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY boom "boom">]><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
    });
    await expectStreamError(connection, 'restricted-xml');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE message [<!ENTITY boom "boom">]>'],
    ['a comment', '<!-- a comment -->'],
    ['a processing instruction', '<?evil instruction?>'],
    ['an entity reference that is not predefined', '<message to="carol@localhost/watcher"><body>&boom;</body></message>'],
  ])('restricted-xml for %s after login', async (_, junk) => {
    const connection = await mallory();
    connection.write(junk);
    await expectStreamError(connection, 'restricted-xml');
  });

  it('unsupported-stanza-type for an unknown top-level element after login', async () => {
    const connection = await mallory();
    connection.send(xml('surprise', { xmlns: 'urn:example:not-a-stanza' }));
    await expectStreamError(connection, 'unsupported-stanza-type');
  });
});

describe('a stanza that stops half-way after login', () => {
  it('ends the stream with connection-timeout instead of holding it open forever', async () => {
    const connection = await mallory();
    connection.write(`<message to='carol@localhost/watcher'><body>half of a mess`);
    const started = Date.now();
    await expectStreamError(connection, 'connection-timeout', (STANZA_IDLE_SECONDS + 3) * 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STANZA_IDLE_SECONDS * 1000 - 200);
  });
});

describe('addresses', () => {
  it('invalid-from for a stanza that claims to come from another user', async () => {
    const connection = await mallory();
    connection.send(chat('carol@localhost/watcher', 'forged', { from: 'dave@localhost/phone' }));
    await expectStreamError(connection, 'invalid-from');
    expect(await carol.inbox.nothing(hasBody('forged'), 300), 'the forged message was not delivered').toBe(true);
  });

  it('another resource of the same account in from is replaced by the real one, as Prosody does (no spoofing, the stream goes on)', async () => {
    const connection = await mallory();
    try {
      connection.send(chat('carol@localhost/watcher', 'other resource', { from: 'mallory@localhost/not-this-one' }));
      const message = await carol.inbox.waitFor(hasBody('other resource'), 'the message with its from corrected');
      expect(message.attrs.from).toBe(connection.jid);
      expect(connection.isClosed).toBe(false);
    } finally {
      await connection.close();
    }
  });

  it('its own full or bare JID in from is accepted', async () => {
    const connection = await mallory();
    connection.send(chat('carol@localhost/watcher', 'from my full jid', { from: connection.jid! }));
    connection.send(chat('carol@localhost/watcher', 'from my bare jid', { from: 'mallory@localhost' }));
    expect((await carol.inbox.waitFor(hasBody('from my full jid'), 'the first message')).attrs.from).toBe(connection.jid);
    expect((await carol.inbox.waitFor(hasBody('from my bare jid'), 'the second message')).attrs.from).toBe(connection.jid);
    await connection.close();
  });

  it('host-unknown for a stream header to a domain the server does not host', async () => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s });
    connection.sendHeader({ to: 'example.org' });
    await expectStreamError(connection, 'host-unknown');
  });

  it('host-unknown on the direct TLS port too', async () => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s_tls, directTls: true });
    connection.sendHeader({ to: 'not-localhost.example' });
    await expectStreamError(connection, 'host-unknown');
  });
});

describe('stanza errors that leave the stream open (RFC 6120 §8.3)', () => {
  let connection: RawXmppConnection;

  beforeAll(async () => {
    connection = await mallory();
  });

  afterAll(async () => {
    await connection?.close();
  });

  /** The stream survived: a ping still gets its answer. */
  async function stillOpen(): Promise<void> {
    const pong = await connection.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: XMLNS.PING })));
    expect(pong.attrs.type).toBe('result');
  }

  it.each([
    ['the server', 'localhost'],
    ['the account itself', undefined],
    ['another account', 'carol@localhost'],
  ])('service-unavailable for an iq in an unknown namespace to %s', async (_, to) => {
    const reply = await connection.iq(xml('iq', { type: 'get', ...(to ? { to } : {}) }, xml('query', { xmlns: 'urn:example:nobody-knows-this' })));
    expect(stanzaErrorCondition(reply), reply.toString()).toBe('service-unavailable');
    expect(stanzaErrorType(reply)).toBe('cancel');
    await stillOpen();
  });

  it.each([
    ['no child', xml('iq', { type: 'get', to: 'localhost' })],
    ['no child, to the account itself', xml('iq', { type: 'get' })],
    ['two children', xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: XMLNS.PING }), xml('ping', { xmlns: XMLNS.PING }))],
  ])('bad-request for an iq get with %s', async (_, iq) => {
    const reply = await connection.iq(iq);
    expect(stanzaErrorCondition(reply), reply.toString()).toBe('bad-request');
    expect(stanzaErrorType(reply)).toBe('modify');
    await stillOpen();
  });
});

describe('authentication', () => {
  it.each<[string, SaslMechanism, string]>([
    ['SCRAM-SHA-256 with a wrong password', 'SCRAM-SHA-256', 'mallory'],
    ['SCRAM-SHA-1 with a wrong password', 'SCRAM-SHA-1', 'mallory'],
    ['PLAIN with a wrong password', 'PLAIN', 'mallory'],
    ['SCRAM-SHA-256 for an account that does not exist', 'SCRAM-SHA-256', 'nobody-here'],
    ['PLAIN for an account that does not exist', 'PLAIN', 'nobody-here'],
  ])('not-authorized: %s', async (_, mechanism, username) => {
    const { connection } = await connectSecure({ port: server.ports.c2s });
    try {
      const result = await connection.authenticate(username, 'not the password', mechanism);
      expect(result.ok).toBe(false);
      expect(result.ok ? null : result.condition).toBe('not-authorized');
    } finally {
      await connection.close();
    }
  });

  it('a failed attempt can be followed by a successful one on the same stream (RFC 6120 §6.4.5)', async () => {
    const { connection } = await connectSecure({ port: server.ports.c2s });
    try {
      expect((await connection.authenticate('mallory', 'wrong password', 'SCRAM-SHA-256')).ok).toBe(false);
      expect((await connection.authenticate('mallory', PASSWORD, 'SCRAM-SHA-256')).ok).toBe(true);
      await connection.openStream();
      expect(await connection.bind('retry')).toBe('mallory@localhost/retry');
    } finally {
      await connection.close();
    }
  });
});

describe('clients that stall (limits.unauthenticated_seconds = 2)', () => {
  it.each([
    ['never finishes its stream header', (c: RawXmppConnection) => c.sendHeader({ raw: `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client'` })],
    ['says nothing at all', () => undefined],
  ])('connection-timeout for a client that %s', async (_, stall) => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s });
    const started = Date.now();
    stall(connection);
    await expectStreamError(connection, 'connection-timeout', 8_000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(UNAUTHENTICATED_SECONDS * 1000 - 200);
    expect(elapsed).toBeLessThan(UNAUTHENTICATED_SECONDS * 1000 + 3000);
  });

  it('connection-timeout for a client that starts TLS but never authenticates', async () => {
    const started = Date.now();
    const { connection } = await connectSecure({ port: server.ports.c2s });
    await expectStreamError(connection, 'connection-timeout', 8_000);
    expect(Date.now() - started).toBeLessThan(UNAUTHENTICATED_SECONDS * 1000 + 3000);
  });
});
