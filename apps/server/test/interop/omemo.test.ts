import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOmemoStore } from '@conexizan/crypto';
import type { Observation } from '../support/python.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates } from '../support/xmpp-js.ts';
import { NodeOmemoClient, PythonOmemoPeer } from './omemo-peers.ts';

/**
 * OMEMO (XEP-0384 v0.3, eu.siacs.conversations.axolotl) between
 * @conexizan/crypto and an implementation nobody here wrote: Debian's
 * python3-omemo 1.0 with the oldmemo backend, carried by slixmpp
 * (slixmpp/omemo_peer.py), through a real Conexizan server and its PEP.
 * Alice is @xmpp/client + OmemoAccount, bob is python-omemo.
 */
const PASSWORD = 'omemo interop password';
const ALICE = 'om-alice@localhost';
const BOB = 'om-bob@localhost';

const restoreTls = acceptSelfSignedCertificates();
let server: TestServer;
let workDir: string;
let bob: PythonOmemoPeer;
let bobReady: Observation;
let aliceStore: MemoryOmemoStore;
let alice: NodeOmemoClient;

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['om-alice', 'om-bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  workDir = await mkdtemp(join(tmpdir(), 'cnx-omemo-'));
  aliceStore = new MemoryOmemoStore();
  alice = await NodeOmemoClient.start({ server, username: 'om-alice', password: PASSWORD, resource: 'node', store: aliceStore });
  ({ peer: bob, ready: bobReady } = await PythonOmemoPeer.start({ port: server.ports.c2s, user: 'om-bob', password: PASSWORD, state: join(workDir, 'bob.json') }));
});

afterAll(async () => {
  await bob?.quit();
  await alice?.stop();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  restoreTls();
});

describe('OMEMO with python-omemo (oldmemo) through the server', () => {
  it('python-omemo starts a session with a pre-key message; we decrypt it and complete the session', async () => {
    bob.send({ cmd: 'send', to: ALICE, text: 'hello alice, python-omemo here' });
    const sent = await bob.waitFor((o) => o.step === 'sent', 'python-omemo to send');
    expect(sent.devices).toContain(alice.account.deviceId);
    const got = await alice.received.waitFor(() => true, 'the first message from python-omemo', 20_000);
    expect(got.error).toBeUndefined();
    expect(got.encrypted.getChild('header')!.getChildren('key').find((k) => k.attrs.rid === String(alice.account.deviceId))!.attrs.prekey).toBe('true');
    expect(got.result).toMatchObject({ plaintext: 'hello alice, python-omemo here', senderDevice: bobReady.device_id, fingerprint: bobReady.fingerprint, security: 'encrypted' });
    // Our heartbeat reached python-omemo and decrypted there (an empty OMEMO message).
    expect(await bob.waitFor((o) => o.step === 'received' && o.text === null, 'our heartbeat at python-omemo')).toMatchObject({ from: ALICE, device: alice.account.deviceId });
  });

  it('python-omemo decrypts our answer', async () => {
    await alice.sendText(BOB, 'hi bob, Conexizan here');
    const got = await bob.waitFor((o) => o.step === 'received' || o.step === 'decrypt_failed', 'python-omemo to decrypt our message');
    expect(got).toMatchObject({ step: 'received', from: ALICE, text: 'hi bob, Conexizan here', device: alice.account.deviceId, fingerprint: await alice.account.fingerprint() });
  });
});
