import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOmemoStore } from '@conexizan/crypto/omemo';
import type { Observation } from '../support/python.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { freePorts } from '../support/free-port.ts';
import { federatingServerToml, s2sHostsToml, serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates } from '../support/xmpp-js.ts';
import { NodeOmemoClient, PythonOmemoPeer } from './omemo-peers.ts';

/**
 * OMEMO across two servers: alice@a.test (@conexizan/crypto on
 * @xmpp/client, server in this process) and bob@b.test (python-omemo with
 * oldmemo on slixmpp, server in its own process). Each side reads the other's
 * device list and bundle from the other server's PEP over server-to-server,
 * with no subscription between them, and they write both ways.
 */
const A = { domain: 'a.test', address: '127.0.0.12' };
const B = { domain: 'b.test', address: '127.0.0.13' };
const PASSWORD = 'omemo federation password';
const restoreTls = acceptSelfSignedCertificates();

let dir: string;
let a: TestServer;
let b: ServerProcess;
let alice: NodeOmemoClient;
let bob: PythonOmemoPeer;
let bobReady: Observation;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cnx-omemo-fed-'));
  const ca = makeTestCa(dir);
  const certA = ca.issue(A.domain);
  const certB = ca.issue(B.domain);
  const [bC2s, aS2s, bS2s] = (await freePorts(3)) as [number, number, number];
  a = await startTestServer({
    domain: A.domain,
    bind: A.address,
    ports: { s2s: aS2s },
    tls: { cert: certA.certFile, key: certA.keyFile },
    s2s: { ca_file: ca.caFile, hosts: { [B.domain]: `${B.address}:${bS2s}` } },
  });
  const toml =
    federatingServerToml({ domain: B.domain, address: B.address, dataDir: join(dir, 'b-data'), c2sPort: bC2s, s2sPort: bS2s, cert: certB, caFile: ca.caFile, logLevel: 'warn' }) +
    s2sHostsToml({ [A.domain]: `${A.address}:${aS2s}` });
  b = serverProcess({ configFile: join(dir, 'b.toml'), toml, host: B.address, c2sPort: bC2s });
  await b.start();
  await a.core.accounts.create('alice', PASSWORD);
  await createAccount({ host: B.address, port: bC2s, domain: B.domain, username: 'bob', password: PASSWORD });
  alice = await NodeOmemoClient.start({
    server: { service: `xmpp://${A.address}:${a.ports.c2s}`, domain: A.domain },
    username: 'alice',
    password: PASSWORD,
    resource: 'node',
    store: new MemoryOmemoStore(),
  });
  ({ peer: bob, ready: bobReady } = await PythonOmemoPeer.start({ host: B.address, port: bC2s, domain: B.domain, user: 'bob', password: PASSWORD, state: join(dir, 'bob-omemo.json') }));
}, 150_000);

afterAll(async () => {
  await bob?.quit();
  await alice?.stop();
  await b?.stop();
  await a?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  restoreTls();
});

describe('OMEMO between two servers', () => {
  it("we fetch python-omemo's device list and bundle from its server and it decrypts our pre-key message", async () => {
    const sent = await alice.sendText('bob@b.test', 'hello bob on b.test');
    expect(sent.devices).toEqual([{ jid: 'bob@b.test', deviceId: bobReady.device_id, version: '0.3' }]);
    const got = await bob.waitFor((o) => (o.step === 'received' && o.text === 'hello bob on b.test') || o.step === 'decrypt_failed', 'python-omemo on b.test to decrypt');
    expect(got).toMatchObject({ step: 'received', from: 'alice@a.test', device: alice.account.deviceId, fingerprint: await alice.account.fingerprint() });
    expect(await alice.account.devices('bob@b.test')).toEqual([expect.objectContaining({ deviceId: bobReady.device_id, fingerprint: bobReady.fingerprint })]);
  }, 90_000);

  it('python-omemo answers across the servers and we decrypt it', async () => {
    bob.send({ cmd: 'send', to: 'alice@a.test', text: 'hello alice on a.test' });
    await bob.waitFor((o) => o.step === 'sent', 'python-omemo to send across');
    const got = await alice.waitFor((r) => r.from === 'bob@b.test' && r.encrypted.getChild('payload') !== undefined, 'the answer from b.test');
    expect(got.error).toBeUndefined();
    expect(got.result).toMatchObject({ plaintext: 'hello alice on a.test', senderDevice: bobReady.device_id });
  }, 90_000);
});
