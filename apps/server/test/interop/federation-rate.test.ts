import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { RawS2s } from '../support/raw-s2s.ts';
import { chat, hasBody, login, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The per-domain stanza rate (s2s.stanzas_per_second) against a raw peer
 * that floods: 300 messages written in one go, most of them in one TCP
 * read. The peer is slowed (its stream stops being read), nothing it sent
 * is lost (every message arrives, and its XEP-0198 count says 300), and a
 * local user's message overtakes the flood instead of queueing behind it.
 */
const DOMAIN = 'rate.test';
const ADDRESS = '127.0.0.18';
const PASSWORD = 'correct horse 1';
const PER_SECOND = 50;
const FLOOD = 300;

let dir: string;
let server: TestServer;
let s2sPort: number;
let peer: { cert: string; key: string; ca: string };
let alice: RawXmppConnection;
let carol: RawXmppConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-rate-'));
  const ca = makeTestCa(dir);
  const own = ca.issue(DOMAIN);
  const raw = ca.issue('flood.test');
  peer = { cert: raw.cert, key: raw.key, ca: readFileSync(ca.caFile, 'utf8') };
  [s2sPort] = (await freePorts(1)) as [number];
  server = await startTestServer({
    domain: DOMAIN,
    bind: ADDRESS,
    ports: { s2s: s2sPort },
    tls: { cert: own.certFile, key: own.keyFile },
    s2s: { ca_file: ca.caFile, hosts: { 'flood.test': '127.0.0.19:9' }, retries: 0, stanzas_per_second: PER_SECOND },
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

describe('inbound rate limit per remote domain', () => {
  it('a flooding peer is slowed, loses nothing, and local users are not held up', async () => {
    const s2s = await RawS2s.connect(ADDRESS, s2sPort);
    await s2s.open('flood.test', DOMAIN);
    await s2s.startTls(DOMAIN, peer);
    await s2s.open('flood.test', DOMAIN);
    expect(await s2s.external('flood.test')).toBe('success');
    const features = await s2s.open('flood.test', DOMAIN);
    expect(features.getChild('sm', 'urn:xmpp:sm:3')).toBeTruthy();
    s2s.send(xml('enable', { xmlns: 'urn:xmpp:sm:3' }));
    await s2s.inbox.waitFor((el) => el.name === 'enabled', 'SM enabled');

    const started = Date.now();
    s2s.write(Array.from({ length: FLOOD }, (_, i) => chat(`alice@${DOMAIN}`, `flood ${i + 1}`, { from: 'mallory@flood.test/x' }).toString()).join(''));
    const local = `local ${Date.now()}`;
    carol.send(chat(`alice@${DOMAIN}`, local));
    await alice.inbox.waitFor(hasBody(local), 'the local message', 30_000);
    // The local message did not wait for the flood to be worked off.
    expect(alice.inbox.received.some(hasBody(`flood ${FLOOD}`))).toBe(false);

    for (let i = 1; i <= FLOOD; i++) await alice.inbox.waitFor(hasBody(`flood ${i}`), `flood message ${i}`, 60_000);
    const elapsed = Date.now() - started;
    // A burst of two seconds' worth passes at once, the rest at the rate: the peer was slowed down.
    expect(elapsed).toBeGreaterThanOrEqual(((FLOOD - 2 * PER_SECOND) / PER_SECOND) * 1000 * 0.8);
    s2s.send(xml('r', { xmlns: 'urn:xmpp:sm:3' }));
    const ack = await s2s.inbox.waitFor((el) => el.name === 'a', 'the ack', 10_000);
    expect(ack.attrs.h).toBe(String(FLOOD));
    s2s.destroy();
  }, 90_000);
});
