import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOmemoStore } from '@conexizan/crypto/omemo';
import { NS } from '@conexizan/protocol';
import type { Observation } from '../support/python.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates } from '../support/xmpp-js.ts';
import { NodeOmemoClient, PythonOmemoPeer, type Received } from './omemo-peers.ts';

/**
 * OMEMO 2 (urn:xmpp:omemo:2, XEP-0384 v0.8+ with XEP-0420 envelopes)
 * between @conexizan/crypto and python-omemo's twomemo backend (Debian's
 * python3-twomemo), through a real server: Dora speaks OMEMO 2 only, Emil
 * speaks both versions (python-omemo prefers the newest, as we do). Alice is
 * @xmpp/client + OmemoAccount, which publishes both versions.
 */
const PASSWORD = 'omemo 2 interop password';
const ALICE = 'o2-alice@localhost';
const DORA = 'o2-dora@localhost';
const EMIL = 'o2-emil@localhost';
const restoreTls = acceptSelfSignedCertificates();

let server: TestServer;
let workDir: string;
let alice: NodeOmemoClient;
let dora: PythonOmemoPeer;
let doraReady: Observation;
let emil: PythonOmemoPeer | undefined;

const v2 = (r: Received) => r.encrypted.getNS() === NS.OMEMO;

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['o2-alice', 'o2-dora', 'o2-emil']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  workDir = await mkdtemp(join(tmpdir(), 'cnx-omemo2-'));
  alice = await NodeOmemoClient.start({ server, username: 'o2-alice', password: PASSWORD, resource: 'node', store: new MemoryOmemoStore() });
  ({ peer: dora, ready: doraReady } = await PythonOmemoPeer.start({ port: server.ports.c2s, user: 'o2-dora', password: PASSWORD, state: join(workDir, 'dora.json'), omemo2: 'only' }));
}, 150_000);

afterAll(async () => {
  await emil?.quit();
  await dora?.quit();
  await alice?.stop();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  restoreTls();
});

describe('OMEMO 2 between @conexizan/crypto and python-omemo (twomemo), through the server', () => {
  it('python-omemo starts an OMEMO 2 session with a key exchange; we decrypt its envelope, show its fingerprint as it does, and confirm the session', async () => {
    dora.send({ cmd: 'send', to: ALICE, text: 'hello alice, OMEMO 2 from python' });
    const sent = await dora.waitFor((o) => o.step === 'sent', 'python-omemo to encrypt with twomemo');
    expect(sent).toMatchObject({ namespaces: [NS.OMEMO], devices: expect.arrayContaining([alice.account.deviceId]) });
    const got = await alice.waitFor(v2, 'the OMEMO 2 message');
    expect(got.error).toBeUndefined();
    expect(got.result).toMatchObject({ version: '2', plaintext: 'hello alice, OMEMO 2 from python', senderDevice: doraReady.device_id, fingerprint: doraReady.fingerprint, security: 'encrypted' });
    // Our empty OMEMO 2 message decrypts there: python-omemo's session is confirmed.
    expect(await dora.waitFor((o) => o.step === 'received' || o.step === 'decrypt_failed', 'python-omemo to read our empty message')).toMatchObject({ step: 'received', text: null, namespace: NS.OMEMO, device: alice.account.deviceId });
  });

  it('python-omemo decrypts our OMEMO 2 answer and shows our fingerprint', async () => {
    const sent = await alice.sendText(DORA, 'hi dora, Conexizan speaks OMEMO 2 too');
    expect(sent.element).toBeUndefined();
    expect(sent.devices).toEqual([{ jid: DORA, deviceId: doraReady.device_id, version: '2' }]);
    expect(await dora.waitFor((o) => o.step === 'received' || o.step === 'decrypt_failed', 'python-omemo to decrypt our message')).toMatchObject({
      step: 'received',
      text: 'hi dora, Conexizan speaks OMEMO 2 too',
      namespace: NS.OMEMO,
      fingerprint: await alice.account.fingerprint(),
    });
  });

  it('a replayed OMEMO 2 message is refused as already received, and the conversation goes on', async () => {
    dora.send({ cmd: 'send', to: ALICE, text: 'only once' });
    await dora.waitFor((o) => o.step === 'sent', 'python-omemo to send');
    expect((await alice.waitFor((r) => v2(r) && r.result?.plaintext === 'only once', 'the message')).error).toBeUndefined();
    dora.send({ cmd: 'resend_last' });
    const replay = await alice.waitFor((r) => v2(r) && r.error !== undefined, 'the replayed copy');
    expect(replay.error).toMatchObject({ code: 'duplicate' });
    dora.send({ cmd: 'send', to: ALICE, text: 'still talking' });
    expect((await alice.waitFor((r) => v2(r) && r.result?.plaintext === 'still talking', 'the next message')).result).toMatchObject({ version: '2' });
  });

  it('with a peer that speaks both versions, both sides choose OMEMO 2', async () => {
    let emilReady: Observation;
    ({ peer: emil, ready: emilReady } = await PythonOmemoPeer.start({ port: server.ports.c2s, user: 'o2-emil', password: PASSWORD, state: join(workDir, 'emil.json'), omemo2: true }));
    const sent = await alice.sendText(EMIL, 'which version, emil?');
    expect(sent.devices).toEqual([{ jid: EMIL, deviceId: emilReady.device_id, version: '2' }]);
    expect(await emil.waitFor((o) => (o.step === 'received' && o.text !== null) || o.step === 'decrypt_failed', 'python-omemo to decrypt')).toMatchObject({ step: 'received', text: 'which version, emil?', namespace: NS.OMEMO });
    emil.send({ cmd: 'send', to: ALICE, text: 'OMEMO 2, of course' });
    expect(await emil.waitFor((o) => o.step === 'sent', 'python-omemo to send')).toMatchObject({ namespaces: [NS.OMEMO] });
    expect((await alice.waitFor((r) => r.from === EMIL && r.result?.plaintext === 'OMEMO 2, of course', 'the answer')).result).toMatchObject({ version: '2', fingerprint: emilReady.fingerprint });
  });
});
