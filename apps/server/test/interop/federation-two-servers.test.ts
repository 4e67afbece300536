import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { runSlixmpp, type Observation } from '../support/python.ts';
import { chat, createAccount, hasBody, login, stanzaErrorCondition, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { federatingServerToml, s2sHostsToml, serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually } from '../support/wait.ts';

/**
 * Two Conexizan servers federating: a.test in this process, b.test as a
 * process of its own started like an operator would (`conexizan serve`),
 * each with its own data directory and database. Their certificates come
 * from a CA both trust, so they authenticate each other by certificate
 * (PKIX, SASL EXTERNAL) instead of dialback, and share one connection both
 * ways (XEP-0288). slixmpp users chat, subscribe
 * and read each other's device lists and vCards; b.test's block list is
 * changed with SIGHUP; b.test is killed and started again.
 */
const A = { domain: 'a.test', address: '127.0.0.4' };
const B = { domain: 'b.test', address: '127.0.0.5' };
const PASSWORD = 'correct horse 1';
const SCRIPT = fileURLToPath(new URL('./slixmpp/federation.py', import.meta.url));

let dir: string;
let a: TestServer;
let b: ServerProcess;
let bC2sPort: number;
let bobTomlBase: string;
let hostsOfB: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-two-servers-'));
  const ca = makeTestCa(dir);
  const certA = ca.issue(A.domain);
  const certB = ca.issue(B.domain);
  // Each server's s2s port is announced through the other's static map, so no fixed port is needed.
  const [c2s, proxy65, aS2s, bS2s] = (await freePorts(4)) as [number, number, number, number];
  bC2sPort = c2s;
  hostsOfB = s2sHostsToml({ [A.domain]: `${A.address}:${aS2s}`, [`proxy.${A.domain}`]: `${A.address}:${aS2s}` });
  a = await startTestServer({
    domain: A.domain,
    bind: A.address,
    ports: { s2s: aS2s, proxy65 },
    tls: { cert: certA.certFile, key: certA.keyFile },
    s2s: { ca_file: ca.caFile, hosts: { [B.domain]: `${B.address}:${bS2s}` } },
  });
  bobTomlBase = federatingServerToml({
    domain: B.domain, address: B.address, dataDir: join(dir, 'b-data'), c2sPort: bC2sPort, s2sPort: bS2s, cert: certB, caFile: ca.caFile,
  });
  b = serverProcess({ configFile: join(dir, 'b.toml'), toml: `${bobTomlBase}${hostsOfB}`, host: B.address, c2sPort: bC2sPort });
  await b.start();
  for (const user of ['alice', 'carol']) await a.core.accounts.create(user, PASSWORD);
  await createAccount({ host: B.address, port: bC2sPort, domain: B.domain, username: 'bob', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const find = (observations: Observation[], step: string, user?: string) => observations.find((o) => o.step === step && o.user === user);

async function loginAt(server: 'a' | 'b', username: string): Promise<RawXmppConnection> {
  return server === 'a'
    ? login({ host: A.address, port: a.ports.c2s, domain: A.domain, username, password: PASSWORD })
    : login({ host: B.address, port: bC2sPort, domain: B.domain, username, password: PASSWORD });
}

describe('two Conexizan servers', () => {
  it('subscriptions, chat, device lists and vCards work both ways (slixmpp users on each)', async () => {
    const run = await runSlixmpp(
      SCRIPT,
      ['--alice-host', A.address, '--alice-port', String(a.ports.c2s), '--alice-jid', `alice@${A.domain}`,
        '--bob-host', B.address, '--bob-port', String(bC2sPort), '--bob-jid', `bob@${B.domain}`,
        '--password', PASSWORD, '--label', 'twins'],
      150_000,
    );
    const o = run.observations;
    const context = `${run.stdout}\n${run.stderr.slice(-3000)}\n--- b.test ---\n${b.output().slice(-5000)}`;
    expect(find(o, 'done'), context).toMatchObject({ ok: true });
    expect(find(o, 'roster', 'alice')).toMatchObject({ subscription: 'both' });
    expect(find(o, 'roster', 'bob')).toMatchObject({ subscription: 'both' });
    expect(find(o, 'presence', 'bob')).toMatchObject({ seen: true });
    expect(find(o, 'message', 'bob')).toMatchObject({ sender: `alice@${A.domain}/slix`, body: 'hello bob twins' });
    expect(find(o, 'message', 'alice')).toMatchObject({ sender: `bob@${B.domain}/slix`, body: 'hello alice twins' });
    expect(find(o, 'devices', 'bob')).toMatchObject({ ok: true, devices: ['1111'] });
    expect(find(o, 'devices', 'alice')).toMatchObject({ ok: true, devices: ['2222'] });
    expect(find(o, 'vcard', 'bob')).toMatchObject({ ok: true, fn: 'Alice twins' });
    expect(find(o, 'vcard', 'alice')).toMatchObject({ ok: true, fn: 'Bob twins' });
  }, 180_000);

  it('authenticated each other by certificate (SASL EXTERNAL), not dialback, on one bidirectional connection (XEP-0288)', () => {
    expect(a.server.federation?.remote(B.domain)?.method).toBe('certificate');
    expect(b.output()).toMatch(/"remote":"a\.test","method":"certificate","msg":"incoming server stream authenticated"/);
    // b.test answered on the stream a.test opened, and never dialled a.test itself.
    expect(b.output()).not.toMatch(/"remote":"a\.test"[^\n]*"msg":"outgoing server stream authenticated"/);
  });

  it('a service on a subdomain (proxy.a.test) is reached from the other server and answers through federation', async () => {
    const bob = await loginAt('b', 'bob');
    try {
      // proxy.a.test serves local users only, so bob gets its refusal: the point is that it comes back from there.
      const reply = await bob.iq(xml('iq', { type: 'get', to: `proxy.${A.domain}` }, xml('query', { xmlns: 'http://jabber.org/protocol/bytestreams' })), 30_000);
      expect(reply.attrs.from).toBe(`proxy.${A.domain}`);
      expect(reply.attrs.type).toBe('error');
      expect(stanzaErrorCondition(reply)).toBe('forbidden');
    } finally {
      await bob.close();
    }
  }, 60_000);

  it('a block list changed with SIGHUP refuses the other server until it is lifted', async () => {
    const alice = await loginAt('a', 'alice');
    const bob = await loginAt('b', 'bob');
    try {
      const before = b.output().length;
      b.writeConfig(`${bobTomlBase}blocked_domains = ["${A.domain}"]\n${hostsOfB}`);
      b.signal('SIGHUP');
      await b.waitForLog(/federation policy applied/, 10_000, before);
      // b.test closed our stream with policy-violation; what is sent after that must bounce.
      await eventually(() => a.server.federation?.remote(B.domain)?.connected !== true, 'the closed stream to be noticed', 10_000);
      const refused = chat(`bob@${B.domain}`, 'while blocked');
      alice.send(refused);
      const bounce = await alice.inbox.waitFor((el) => el.attrs.id === refused.attrs.id && el.attrs.type === 'error', 'the bounce', 30_000);
      expect(stanzaErrorCondition(bounce)).toBe('remote-server-not-found');
      const outbound = chat(`alice@${A.domain}`, 'to a blocked domain');
      bob.send(outbound);
      const refusal = await bob.inbox.waitFor((el) => el.attrs.id === outbound.attrs.id && el.attrs.type === 'error', 'the refusal', 10_000);
      expect(stanzaErrorCondition(refusal)).toBe('not-allowed');
      expect(bob.inbox.received.some(hasBody('while blocked'))).toBe(false);

      const lifted = b.output().length;
      b.writeConfig(`${bobTomlBase}${hostsOfB}`);
      b.signal('SIGHUP');
      await b.waitForLog(/federation policy applied/, 10_000, lifted);
      alice.send(chat(`bob@${B.domain}`, 'after the block'));
      await bob.inbox.waitFor(hasBody('after the block'), 'a message once unblocked', 30_000);
    } finally {
      await alice.close();
      await bob.close();
    }
  }, 90_000);

  it('when the other server dies, stanzas bounce and local chat goes on; once it is back, federation resumes', async () => {
    const alice = await loginAt('a', 'alice');
    const carol = await loginAt('a', 'carol');
    try {
      await b.kill();
      // Stanzas in flight when a peer dies are federation-stream-management.test.ts; this is about a peer already gone.
      await eventually(() => a.server.federation?.remote(B.domain)?.connected !== true, 'the broken stream to be noticed', 10_000);
      const lost = chat(`bob@${B.domain}`, 'into the void');
      alice.send(lost);
      const bounce = await alice.inbox.waitFor((el) => el.attrs.id === lost.attrs.id && el.attrs.type === 'error', 'the bounce', 30_000);
      expect(stanzaErrorCondition(bounce)).toBe('remote-server-not-found');
      // Operators see it in /metrics.
      const metrics = await a.core.metrics.registry.metrics();
      expect(metrics).toMatch(/conexizan_s2s_bounces_total\{condition="remote-server-not-found"\} [1-9]/);
      alice.send(chat(`carol@${A.domain}`, 'local while b is down'));
      await carol.inbox.waitFor(hasBody('local while b is down'), 'a local message', 5_000);

      await b.start();
      const bob = await loginAt('b', 'bob');
      try {
        alice.send(chat(`bob@${B.domain}`, 'welcome back'));
        await bob.inbox.waitFor(hasBody('welcome back'), 'a message after the restart', 30_000);
      } finally {
        await bob.close();
      }
    } finally {
      await alice.close();
      await carol.close();
    }
  }, 120_000);
});
