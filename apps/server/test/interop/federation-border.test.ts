import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { RawS2s } from '../support/raw-s2s.ts';
import { chat, hasBody, login, stanzaErrorCondition, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The border of federation, driven by a hand-made peer on a raw socket
 * (real servers never misbehave on purpose): a peer proves raw.test with a
 * certificate from a CA the server trusts (PKIX, SASL EXTERNAL per
 * XEP-0178), then tries to speak for other domains, to send before
 * authenticating, to reach domains the server does not serve, to cut a
 * stanza in half; the block list is changed at run time. Each gets RFC
 * 6120's answer, and local users notice nothing.
 */
const DOMAIN = 'border.test';
const ADDRESS = '127.0.0.6';
const PASSWORD = 'correct horse 1';

let dir: string;
let ca: TestCa;
let peer: { cert: string; key: string; ca: string };
let server: TestServer;
let s2sPort: number;
let s2sTlsPort: number;
let alice: RawXmppConnection;
let carol: RawXmppConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-border-'));
  ca = makeTestCa(dir);
  const own = ca.issue(DOMAIN);
  const raw = ca.issue('raw.test');
  peer = { cert: raw.cert, key: raw.key, ca: readFileSync(ca.caFile, 'utf8') };
  [s2sPort, s2sTlsPort] = (await freePorts(2)) as [number, number];
  server = await startTestServer({
    domain: DOMAIN,
    bind: ADDRESS,
    ports: { s2s: s2sPort, s2s_tls: s2sTlsPort },
    tls: { cert: own.certFile, key: own.keyFile },
    // raw.test never listens: answers to it must fail fast, not wait for DNS.
    s2s: { ca_file: ca.caFile, hosts: { 'raw.test': '127.0.0.7:9' }, retries: 0 },
  });
  for (const user of ['alice', 'carol']) await server.core.accounts.create(user, PASSWORD);
  alice = await login({ host: ADDRESS, port: server.ports.c2s, domain: DOMAIN, username: 'alice', password: PASSWORD });
  carol = await login({ host: ADDRESS, port: server.ports.c2s, domain: DOMAIN, username: 'carol', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await alice?.close();
  await carol?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A stream from raw.test, TLS on, authenticated with its certificate (SASL EXTERNAL), ready for stanzas. */
async function authenticatedPeer(): Promise<RawS2s> {
  const s2s = await RawS2s.connect(ADDRESS, s2sPort);
  const first = await s2s.open('raw.test', DOMAIN);
  expect(first.getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls')).toBeTruthy();
  await s2s.startTls(DOMAIN, peer);
  const features = await s2s.open('raw.test', DOMAIN);
  const mechanisms = features.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')?.getChildren('mechanism').map((m) => m.text());
  expect(mechanisms).toEqual(['EXTERNAL']);
  expect(await s2s.external('raw.test')).toBe('success');
  await s2s.open('raw.test', DOMAIN);
  return s2s;
}

/** A local message from carol to alice arrives; anything `unwanted` should have arrived before it. */
async function localChatStillWorks(unwanted: string): Promise<void> {
  const marker = `local ${Date.now()}-${Math.random()}`;
  carol.send(chat(`alice@${DOMAIN}`, marker));
  await alice.inbox.waitFor(hasBody(marker), 'a local message', 5_000);
  expect(alice.inbox.received.some(hasBody(unwanted))).toBe(false);
}

describe('federation border', () => {
  it('a peer whose certificate verifies authenticates with SASL EXTERNAL and reaches local users', async () => {
    const s2s = await authenticatedPeer();
    s2s.send(xml('message', { from: 'mallory@raw.test/laptop', to: `alice@${DOMAIN}`, type: 'chat', id: 'm1' }, xml('body', {}, 'hello across the border')));
    const got = await alice.inbox.waitFor(hasBody('hello across the border'), 'the remote message');
    expect(got.attrs.from).toBe('mallory@raw.test/laptop');
    s2s.destroy();
  });

  it('a peer may also use TLS from the first byte (XEP-0368) and go straight to authentication', async () => {
    const s2s = await RawS2s.connectTls(ADDRESS, s2sTlsPort, DOMAIN, peer);
    const features = await s2s.open('raw.test', DOMAIN);
    expect(features.getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls')).toBeUndefined();
    expect(await s2s.external('raw.test')).toBe('success');
    await s2s.open('raw.test', DOMAIN);
    s2s.send(xml('message', { from: 'mallory@raw.test/tls', to: `alice@${DOMAIN}`, type: 'chat' }, xml('body', {}, 'direct tls hello')));
    await alice.inbox.waitFor(hasBody('direct tls hello'), 'the message over direct TLS');
    s2s.destroy();
  });

  it('a peer that asks for a bidirectional stream (XEP-0288) gets our stanzas back on it', async () => {
    const s2s = await RawS2s.connect(ADDRESS, s2sPort);
    await s2s.open('raw.test', DOMAIN);
    await s2s.startTls(DOMAIN, peer);
    const features = await s2s.open('raw.test', DOMAIN);
    expect(features.getChild('bidi', 'urn:xmpp:features:bidi')).toBeTruthy();
    s2s.send(xml('bidi', { xmlns: 'urn:xmpp:bidi' }));
    expect(await s2s.external('raw.test')).toBe('success');
    await s2s.open('raw.test', DOMAIN);
    // raw.test's own address (127.0.0.7:9) answers nothing: the reply can only come back this way.
    alice.send(chat('mallory@raw.test', 'back the same way'));
    const back = await s2s.inbox.waitFor((el) => el.name === 'message' && el.getChildText('body') === 'back the same way', 'our message on the peer stream');
    expect(String(back.attrs.from).startsWith(`alice@${DOMAIN}/`)).toBe(true);
    s2s.destroy();
  });

  it('a stanza whose from is a domain not authenticated on the stream ends it with invalid-from, undelivered', async () => {
    const s2s = await authenticatedPeer();
    s2s.send(xml('message', { from: 'bob@victim.test/x', to: `alice@${DOMAIN}`, type: 'chat' }, xml('body', {}, 'spoofed hello')));
    expect(await s2s.streamError()).toBe('invalid-from');
    await s2s.closed;
    await localChatStillWorks('spoofed hello');
  });

  it('a stanza before any authentication ends the stream with not-authorized', async () => {
    const s2s = await RawS2s.connect(ADDRESS, s2sPort);
    await s2s.open('raw.test', DOMAIN);
    await s2s.startTls(DOMAIN, peer);
    await s2s.open('raw.test', DOMAIN);
    s2s.send(xml('message', { from: 'mallory@raw.test/x', to: `alice@${DOMAIN}` }, xml('body', {}, 'too early')));
    expect(await s2s.streamError()).toBe('not-authorized');
    await localChatStillWorks('too early');
  });

  it('a stanza for a domain this server does not serve ends the stream with host-unknown', async () => {
    const s2s = await authenticatedPeer();
    s2s.send(xml('message', { from: 'mallory@raw.test/x', to: 'someone@elsewhere.test' }, xml('body', {}, 'relay me')));
    expect(await s2s.streamError()).toBe('host-unknown');
  });

  it('SASL EXTERNAL is refused for a domain the certificate does not name, and not even offered', async () => {
    const s2s = await RawS2s.connect(ADDRESS, s2sPort);
    await s2s.open('victim.test', DOMAIN);
    await s2s.startTls(DOMAIN, peer);
    const features = await s2s.open('victim.test', DOMAIN);
    expect(features.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')).toBeUndefined();
    expect(await s2s.external('victim.test')).toBe('not-authorized');
    s2s.destroy();
  });

  it('a peer that stops in the middle of a stanza delivers nothing half-done and disturbs nobody', async () => {
    const s2s = await authenticatedPeer();
    s2s.write(`<message from='mallory@raw.test/x' to='alice@${DOMAIN}' type='chat'><body>half a mess`);
    s2s.destroy();
    await s2s.closed;
    await localChatStillWorks('half a mess');
    const again = await authenticatedPeer();
    again.send(xml('message', { from: 'mallory@raw.test/x', to: `alice@${DOMAIN}`, type: 'chat' }, xml('body', {}, 'whole again')));
    await alice.inbox.waitFor(hasBody('whole again'), 'a message on a new stream');
    again.destroy();
  });

  it('an oversized stanza ends the stream with policy-violation', async () => {
    const s2s = await authenticatedPeer();
    s2s.write(`<message from='mallory@raw.test/x' to='alice@${DOMAIN}'><body>${'x'.repeat(server.config.limits.max_stanza_bytes + 10)}</body></message>`);
    expect(await s2s.streamError()).toBe('policy-violation');
  });

  it('with require_valid_certificates, only certificates count: dialback is neither offered nor accepted', async () => {
    const [strictPort] = (await freePorts(1)) as [number];
    const own = ca.issue('strict.test');
    const strict = await startTestServer({
      domain: 'strict.test',
      bind: ADDRESS,
      ports: { s2s: strictPort },
      tls: { cert: own.certFile, key: own.keyFile },
      s2s: { ca_file: ca.caFile, require_valid_certificates: true, hosts: { 'raw.test': '127.0.0.7:9' }, retries: 0 },
    });
    try {
      // A certificate from a CA nobody here trusts.
      const stranger = makeTestCa(mkdtempSync(join(dir, 'other-ca-'))).issue('raw.test');
      const s2s = await RawS2s.connect(ADDRESS, strictPort);
      await s2s.open('raw.test', 'strict.test');
      await s2s.startTls('strict.test', { cert: stranger.cert, key: stranger.key, ca: peer.ca });
      const features = await s2s.open('raw.test', 'strict.test');
      expect(features.getChild('dialback', 'urn:xmpp:features:dialback')).toBeUndefined();
      expect(features.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')).toBeUndefined();
      s2s.send(xml('db:result', { from: 'raw.test', to: 'strict.test' }, 'some-key'));
      const answer = await s2s.inbox.waitFor((el) => el.name === 'db:result', 'the dialback answer');
      expect(answer.attrs.type).toBe('error');
      expect(answer.getChild('error')?.getChild('not-allowed', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeTruthy();
      s2s.destroy();
      // The trusted certificate still gets in.
      const trusted = await RawS2s.connect(ADDRESS, strictPort);
      await trusted.open('raw.test', 'strict.test');
      await trusted.startTls('strict.test', peer);
      await trusted.open('raw.test', 'strict.test');
      expect(await trusted.external('raw.test')).toBe('success');
      trusted.destroy();
    } finally {
      await strict.stop();
    }
  });

  it('the block list applies at once, both ways, and can be lifted again; an allow list works alike', async () => {
    const open = await authenticatedPeer();
    server.server.reload({ ...server.config, s2s: { ...server.config.s2s, blocked_domains: ['raw.test'] } });
    // The stream that was open is closed, a new one is refused at its header.
    expect(await open.streamError()).toBe('policy-violation');
    const refused = await RawS2s.connect(ADDRESS, s2sPort);
    const answer = await refused.open('raw.test', DOMAIN);
    expect(answer.name).toBe('stream:error');
    expect(answer.getChild('policy-violation', 'urn:ietf:params:xml:ns:xmpp-streams')).toBeTruthy();
    // Outbound: alice's message is refused by her own server, at once.
    const out = chat('mallory@raw.test', 'to a blocked domain');
    alice.send(out);
    const bounce = await alice.inbox.waitFor((el) => el.attrs.id === out.attrs.id && el.attrs.type === 'error', 'the refusal');
    expect(stanzaErrorCondition(bounce)).toBe('not-allowed');

    server.server.reload({ ...server.config, s2s: { ...server.config.s2s, blocked_domains: [] } });
    const welcome = await authenticatedPeer();
    welcome.send(xml('message', { from: 'mallory@raw.test/x', to: `alice@${DOMAIN}`, type: 'chat' }, xml('body', {}, 'unblocked')));
    await alice.inbox.waitFor(hasBody('unblocked'), 'a message after unblocking');
    welcome.destroy();

    // An allow list that does not name raw.test keeps it out just the same.
    server.server.reload({ ...server.config, s2s: { ...server.config.s2s, allowed_domains: ['friends.test'] } });
    const stranger = await RawS2s.connect(ADDRESS, s2sPort);
    expect((await stranger.open('raw.test', DOMAIN)).getChild('policy-violation', 'urn:ietf:params:xml:ns:xmpp-streams')).toBeTruthy();
    server.server.reload(server.config);
  });
});
