import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/free-port.ts';
import { startProsody, type ProsodyInstance } from '../support/prosody.ts';
import { chat, hasBody, login } from '../support/raw-xmpp.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually } from '../support/wait.ts';

/**
 * XEP-0198 on a server-to-server stream with Prosody 0.12 (mod_smacks).
 * Prosody negotiates it only on streams authenticated by certificate (it
 * offers and enables SM once a stream is authenticated, and with dialback
 * its features come before that), so both servers here hold certificates
 * from one test CA that both trust. Prosody finds our free s2s port
 * through an SRV record its resolver is given.
 */
const CNX = { domain: 'cnx-sm.test', address: '127.0.0.16' };
const PEER = { domain: 'prosody-sm.test', address: '127.0.0.17' };
const PASSWORD = 'correct horse 1';

let dir: string;
let server: TestServer;
let prosody: ProsodyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-prosody-sm-'));
  const ca = makeTestCa(dir);
  const ours = ca.issue(CNX.domain);
  const theirs = ca.issue(PEER.domain);
  const [s2sPort] = (await freePorts(1)) as [number];
  prosody = await startProsody({
    domain: PEER.domain,
    address: PEER.address,
    peers: { [CNX.domain]: CNX.address },
    peerSrv: { domain: CNX.domain, port: s2sPort },
    streamManagement: true,
    tls: { cert: theirs.cert, key: theirs.key, caFile: ca.caFile },
  });
  server = await startTestServer({
    domain: CNX.domain,
    bind: CNX.address,
    ports: { s2s: s2sPort },
    tls: { cert: ours.certFile, key: ours.keyFile },
    s2s: { ca_file: ca.caFile, hosts: { [PEER.domain]: `${PEER.address}:${prosody.s2sPort}` } },
  });
  await server.core.accounts.create('alice', PASSWORD);
  prosody.register('bob', PASSWORD);
}, 60_000);

afterAll(async () => {
  await prosody?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('stream management with Prosody between servers (XEP-0198)', () => {
  it('Prosody acknowledges every stanza we send it, and chat works both ways meanwhile', async () => {
    const alice = await login({ host: CNX.address, port: server.ports.c2s, domain: CNX.domain, username: 'alice', password: PASSWORD });
    const bob = await login({ host: PEER.address, port: prosody.c2sPort, domain: PEER.domain, username: 'bob', password: PASSWORD, mechanism: 'SCRAM-SHA-1' });
    try {
      for (let i = 1; i <= 7; i++) alice.send(chat(`bob@${PEER.domain}`, `counted ${i}`));
      for (let i = 1; i <= 7; i++) await bob.inbox.waitFor(hasBody(`counted ${i}`), `message ${i} at Prosody`, 30_000);
      const remote = server.server.federation?.remote(PEER.domain);
      expect(remote?.method).toBe('certificate');
      expect(remote?.acknowledging).toBe(true);
      await eventually(() => remote?.unacknowledged === 0, 'Prosody to acknowledge all seven', 10_000);
      bob.send(chat(`alice@${CNX.domain}`, 'and back'));
      await alice.inbox.waitFor(hasBody('and back'), 'the answer from Prosody', 30_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nProsody log:\n${prosody.logTail()}`, { cause: error });
    } finally {
      await alice.close();
      await bob.close();
    }
  }, 90_000);
});
