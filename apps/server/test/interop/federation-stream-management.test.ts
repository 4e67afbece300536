import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { chat, createAccount, login, stanzaErrorCondition, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { federatingServerToml, s2sHostsToml, serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually, sleep } from '../support/wait.ts';

/**
 * XEP-0198 between two Conexizan servers: a.test in this process, b.test a
 * process of its own. b.test is frozen (SIGSTOP) so that it cannot
 * acknowledge what alice sends, then killed: the stanzas sit in a dead
 * peer's socket buffer, exactly the ones that were lost before servers
 * acknowledged each other. They must either reach bob once b.test is back
 * or bounce to alice, each exactly once.
 */
const A = { domain: 'a.test', address: '127.0.0.14' };
const B = { domain: 'b.test', address: '127.0.0.15' };
const PASSWORD = 'correct horse 1';

let dir: string;
let a: TestServer;
let b: ServerProcess;
let bC2sPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-s2s-sm-'));
  const ca = makeTestCa(dir);
  const certA = ca.issue(A.domain);
  const certB = ca.issue(B.domain);
  const [c2s, aS2s, bS2s] = (await freePorts(3)) as [number, number, number];
  bC2sPort = c2s;
  a = await startTestServer({
    domain: A.domain,
    bind: A.address,
    ports: { s2s: aS2s },
    tls: { cert: certA.certFile, key: certA.keyFile },
    // Six attempts (about a minute with backoff, within the queue timeout) give b.test time to come back after a restart on a busy machine.
    s2s: { ca_file: ca.caFile, hosts: { [B.domain]: `${B.address}:${bS2s}` }, retries: 6, queue_timeout_seconds: 120 },
  });
  b = serverProcess({
    configFile: join(dir, 'b.toml'),
    host: B.address,
    c2sPort: bC2sPort,
    toml:
      federatingServerToml({ domain: B.domain, address: B.address, dataDir: join(dir, 'b-data'), c2sPort: bC2sPort, s2sPort: bS2s, cert: certB, caFile: ca.caFile }) +
      s2sHostsToml({ [A.domain]: `${A.address}:${aS2s}` }),
  });
  await b.start();
  await a.core.accounts.create('alice', PASSWORD);
  await createAccount({ host: B.address, port: bC2sPort, domain: B.domain, username: 'bob', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const loginAlice = () => login({ host: A.address, port: a.ports.c2s, domain: A.domain, username: 'alice', password: PASSWORD });
const loginBob = () => login({ host: B.address, port: bC2sPort, domain: B.domain, username: 'bob', password: PASSWORD });

/** alice's stream to b.test is up, acknowledging, and everything so far is confirmed: then b.test is frozen. */
async function freezeAfterWarmUp(alice: RawXmppConnection, bob: RawXmppConnection): Promise<void> {
  const warmUp = chat(`bob@${B.domain}`, 'are you there');
  alice.send(warmUp);
  await bob.inbox.waitFor((el) => el.attrs.id === warmUp.attrs.id, 'the warm-up message', 30_000);
  const remote = a.server.federation?.remote(B.domain);
  expect(remote?.acknowledging).toBe(true);
  await bob.close();
  b.signal('SIGSTOP');
}

function sendBatch(alice: RawXmppConnection, label: string, count: number): Element[] {
  const sent = Array.from({ length: count }, (_, i) => chat(`bob@${B.domain}`, `${label} ${i + 1}`));
  for (const message of sent) alice.send(message);
  return sent;
}

describe('stream management between two Conexizan servers (XEP-0198)', () => {
  it('what a frozen and then killed peer never acknowledged reaches the recipient, once, when the peer is back', async () => {
    const alice = await loginAlice();
    try {
      await freezeAfterWarmUp(alice, await loginBob());
      const sent = sendBatch(alice, 'kept for later', 3);
      // Written to the frozen peer's socket: a.test keeps them until acknowledged.
      await eventually(() => (a.server.federation?.remote(B.domain)?.unacknowledged ?? 0) >= sent.length, 'the batch to be sent and wait for acks', 10_000);
      await b.kill();
      await b.start();
      const bob = await loginBob();
      try {
        for (const message of sent) await bob.inbox.waitFor((el) => el.attrs.id === message.attrs.id && el.name === 'message', `"${message.getChildText('body')}"`, 90_000);
        await sleep(1000); // room for a duplicate to show up
        for (const message of sent) expect(bob.inbox.received.filter((el) => el.attrs.id === message.attrs.id)).toHaveLength(1);
        expect(alice.inbox.received.filter((el) => el.attrs.type === 'error')).toEqual([]);
      } finally {
        await bob.close();
      }
    } finally {
      await alice.close();
    }
  }, 150_000);

  it('what a frozen and then killed peer never acknowledged bounces to its sender, once each, if the peer stays away', async () => {
    const alice = await loginAlice();
    try {
      await freezeAfterWarmUp(alice, await loginBob());
      const sent = sendBatch(alice, 'into the freezer', 3);
      await eventually(() => (a.server.federation?.remote(B.domain)?.unacknowledged ?? 0) >= sent.length, 'the batch to be sent and wait for acks', 10_000);
      await b.kill();
      for (const message of sent) {
        const bounce = await alice.inbox.waitFor((el) => el.attrs.id === message.attrs.id && el.attrs.type === 'error', `the bounce of "${message.getChildText('body')}"`, 150_000);
        expect(['remote-server-not-found', 'remote-server-timeout']).toContain(stanzaErrorCondition(bounce));
      }
      await sleep(1000);
      for (const message of sent) expect(alice.inbox.received.filter((el) => el.attrs.id === message.attrs.id)).toHaveLength(1);
    } finally {
      await alice.close();
      await b.start();
    }
  }, 240_000);
});
