import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEVICE_LIST_NODE, DEVICES_NODE_2, MemoryOmemoStore, buildDevices2, OmemoAccount, aesgcmUrl, buildDeviceList, decryptFile, encryptFile, isOmemoError, parseAesgcmUrl,
} from '@conexizan/crypto/omemo';
import { NS, parseXml, xml, type Element } from '@conexizan/protocol';
import type { Observation } from '../support/python.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates } from '../support/xmpp-js.ts';
import { NodeOmemoClient, PythonOmemoPeer, httpsCall, type Received } from './omemo-peers.ts';

/**
 * OMEMO (XEP-0384 v0.3, eu.siacs.conversations.axolotl) between
 * @conexizan/crypto and an implementation nobody here wrote: Debian's
 * python3-omemo 1.0 with the oldmemo backend, carried by slixmpp
 * (slixmpp/omemo_peer.py, one long-lived process driven step by step),
 * through a real Conexizan server and its PEP (publish-options
 * access_model=open). Alice is @xmpp/client + OmemoAccount, on up to two
 * devices; bob is python-omemo with his keys in a JSON file.
 */
const PASSWORD = 'omemo interop password';
const ALICE = 'om-alice@localhost';
const BOB = 'om-bob@localhost';
const MALLORY = 'om-mallory@localhost';
const CAROL = 'om-carol@localhost';
const restoreTls = acceptSelfSignedCertificates();

let server: TestServer;
let workDir: string;
let bob: PythonOmemoPeer;
let bobReady: Observation;
let aliceStore: MemoryOmemoStore;
let alice: NodeOmemoClient;
const aliceSecondStore = new MemoryOmemoStore();
let aliceSecond: NodeOmemoClient | undefined;
let firstPreKeyMessage: Element;

const bobState = () => join(workDir, 'bob-omemo.json');
const keyFor = (encrypted: Element, deviceId: number) => encrypted.getChild('header')!.getChildren('key').find((k) => k.attrs.rid === String(deviceId));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const decrypted = (text: string | null) => (r: Received) => r.result?.plaintext === text;

async function startBob(): Promise<void> {
  ({ peer: bob, ready: bobReady } = await PythonOmemoPeer.start({ port: server.ports.c2s, user: 'om-bob', password: PASSWORD, state: bobState() }));
}

async function bobSends(text: string, to = ALICE): Promise<Observation> {
  bob.send({ cmd: 'send', to, text });
  return bob.waitFor((o) => o.step === 'sent' && o.to === to, `python-omemo to send "${text}"`);
}

async function bobReceives(text: string | null, from = ALICE): Promise<Observation> {
  return bob.waitFor((o) => (o.step === 'received' && o.text === text && o.from === from) || o.step === 'decrypt_failed', `python-omemo to decrypt ${JSON.stringify(text)}`);
}

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['om-alice', 'om-bob', 'om-mallory', 'om-carol']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  workDir = await mkdtemp(join(tmpdir(), 'cnx-omemo-'));
  aliceStore = new MemoryOmemoStore();
  alice = await NodeOmemoClient.start({ server, username: 'om-alice', password: PASSWORD, resource: 'node', store: aliceStore });
  await alice.enableCarbons();
  await startBob();
}, 150_000);

afterAll(async () => {
  await bob?.quit();
  await aliceSecond?.stop();
  await alice?.stop();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  restoreTls();
});

describe('OMEMO between @conexizan/crypto and python-omemo (oldmemo), through the server', () => {
  it('python-omemo starts a session with a pre-key message; we decrypt it, show its fingerprint as it does, complete the session and replace the used pre-key', async () => {
    const preKeyIds = async () => new Set((await alice.directory.fetchBundle(ALICE, alice.account.deviceId))!.getChild('prekeys')!.getChildren('preKeyPublic').map((k) => k.attrs.preKeyId));
    const publishedBefore = await preKeyIds();
    expect(publishedBefore.size).toBe(100);
    const sent = await bobSends('hello alice, python-omemo here');
    expect(sent.devices).toContain(alice.account.deviceId);
    const got = await alice.waitFor(() => true, 'the first message from python-omemo');
    expect(got.error).toBeUndefined();
    expect(keyFor(got.encrypted, alice.account.deviceId)!.attrs.prekey).toBe('true');
    expect(got.result).toMatchObject({ plaintext: 'hello alice, python-omemo here', senderDevice: bobReady.device_id, fingerprint: bobReady.fingerprint, trust: 'blind', security: 'encrypted' });
    firstPreKeyMessage = got.encrypted;
    // Our empty message reached python-omemo and decrypted there: its session is complete.
    expect(await bobReceives(null)).toMatchObject({ step: 'received', device: alice.account.deviceId });
    // The bundle on the server has 100 pre-keys again, without the one python-omemo used.
    const publishedAfter = await preKeyIds();
    expect(publishedAfter.size).toBe(100);
    expect([...publishedBefore].filter((id) => !publishedAfter.has(id))).toHaveLength(1);
  });

  it('python-omemo decrypts our answer and shows our fingerprint', async () => {
    const sent = await alice.sendText(BOB, 'hi bob, Conexizan here');
    expect(keyFor(sent.element!, bobReady.device_id as number)!.attrs.prekey).toBeUndefined();
    expect(await bobReceives('hi bob, Conexizan here')).toMatchObject({ step: 'received', device: alice.account.deviceId, fingerprint: await alice.account.fingerprint() });
  });

  it("a new device of ours builds its session from python-omemo's bundle (pre-key message), and our other device reads the carbon copy", async () => {
    aliceSecond = await NodeOmemoClient.start({ server, username: 'om-alice', password: PASSWORD, resource: 'second', store: aliceSecondStore });
    await alice.account.updateDeviceList(ALICE, (await alice.directory.fetchDeviceList(ALICE))!);
    const sent = await aliceSecond.sendText(BOB, 'from my second device');
    expect(sent.devices).toEqual(expect.arrayContaining([{ jid: BOB, deviceId: bobReady.device_id, version: '0.3' }, { jid: ALICE, deviceId: alice.account.deviceId, version: '2' }]));
    expect(keyFor(sent.element!, bobReady.device_id as number)!.attrs.prekey).toBe('true');
    expect(await bobReceives('from my second device')).toMatchObject({ step: 'received', device: aliceSecond.account.deviceId });
    const carbon = await alice.waitFor((r) => r.via === 'carbon', 'the carbon copy on the first device');
    expect(carbon.result).toMatchObject({ plaintext: 'from my second device', senderJid: ALICE, senderDevice: aliceSecond.account.deviceId });
    // python-omemo completes the session it was offered with an empty message.
    expect((await aliceSecond.waitFor(decrypted(null), "python-omemo's empty message")).result!.senderDevice).toBe(bobReady.device_id);
  });

  it('python-omemo encrypts for each of our devices; the one that was offline decrypts the message from the archive', async () => {
    await aliceSecond!.stop();
    bob.send({ cmd: 'refresh', jid: ALICE });
    expect((await bob.waitFor((o) => o.step === 'refreshed', 'python-omemo to read our device list')).devices).toEqual(
      [alice.account.deviceId, aliceSecond!.account.deviceId].sort((a, b) => a - b),
    );
    const sent = await bobSends('for all your devices');
    expect(sent.devices).toEqual(expect.arrayContaining([alice.account.deviceId, aliceSecond!.account.deviceId]));
    expect((await alice.waitFor(decrypted('for all your devices'), 'the message on the online device')).via).toBe('live');

    aliceSecond = await NodeOmemoClient.start({ server, username: 'om-alice', password: PASSWORD, resource: 'second', store: aliceSecondStore });
    await aliceSecond.queryArchive(BOB);
    const archived = await aliceSecond.waitFor(decrypted('for all your devices'), 'the archived message on the second device');
    expect(archived).toMatchObject({ via: 'archive', result: { senderDevice: bobReady.device_id } });
  });

  it('keeps the sessions after both sides restart from their stored state', async () => {
    const bobDevice = bobReady.device_id;
    await bob.quit();
    await startBob();
    expect(bobReady.device_id).toBe(bobDevice);

    const aliceDevice = alice.account.deviceId;
    await alice.stop();
    aliceStore = MemoryOmemoStore.fromSnapshot(JSON.parse(JSON.stringify(aliceStore.snapshot())));
    alice = await NodeOmemoClient.start({ server, username: 'om-alice', password: PASSWORD, resource: 'node', store: aliceStore });
    expect(alice.account.deviceId).toBe(aliceDevice);

    const sent = await alice.sendText(BOB, 'after the restart');
    expect(keyFor(sent.element!, bobDevice as number)!.attrs.prekey).toBeUndefined();
    expect(await bobReceives('after the restart')).toMatchObject({ step: 'received' });
    await bobSends('restarted too');
    const got = await alice.waitFor(decrypted('restarted too'), 'a message after both restarts');
    expect(keyFor(got.encrypted, aliceDevice)!.attrs.prekey).toBeUndefined();
  }, 150_000);

  it('sends a file each way as an aesgcm:// URL (XEP-0454) whose key never reaches the server', async () => {
    const photo = new Uint8Array(randomBytes(40_000));
    const { ciphertext, secret } = await encryptFile(photo);
    const httpsUrl = await alice.upload('photo.jpg', ciphertext);
    expect(httpsUrl).not.toContain('#');
    const url = aesgcmUrl(httpsUrl, secret);
    await alice.sendText(BOB, url);
    expect(await bobReceives(url)).toMatchObject({ step: 'received' });
    bob.send({ cmd: 'fetch_file', url });
    expect(await bob.waitFor((o) => o.step === 'file_fetched', 'python to download and decrypt our file')).toMatchObject({ status: 200, size: photo.length, sha256: sha256(photo) });

    const report = new Uint8Array(randomBytes(30_000));
    bob.send({ cmd: 'send_file', to: ALICE, name: 'report.pdf', data: Buffer.from(report).toString('base64') });
    const fileSent = await bob.waitFor((o) => o.step === 'file_sent', 'python to upload its file');
    expect(fileSent.https).not.toContain('#');
    const got = await alice.waitFor((r) => r.result?.plaintext?.startsWith('aesgcm://') === true, "python's aesgcm URL");
    const parsed = parseAesgcmUrl(got.result!.plaintext!);
    expect(parsed.httpsUrl).toBe(fileSent.https);
    const download = await httpsCall('GET', parsed.httpsUrl);
    expect(download.status).toBe(200);
    expect(sha256(await decryptFile(download.body, parsed.secret))).toBe(sha256(report));
  });
});

describe('key transport elements', () => {
  it('carries a key in an empty OMEMO message each way', async () => {
    const ours = await alice.account.encryptKeyTransport([BOB]);
    expect(ours.element.getChild('payload')).toBeUndefined();
    await alice.sendEncrypted(BOB, ours.element);
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(await bob.waitFor((o) => (o.step === 'received' && o.key === hex(ours.key)) || o.step === 'decrypt_failed', 'python-omemo to read our key')).toMatchObject({ step: 'received', text: null });

    bob.send({ cmd: 'send_key_transport', to: ALICE });
    const theirs = await bob.waitFor((o) => o.step === 'key_transport_sent', 'python-omemo to send a key');
    const got = await alice.waitFor((r) => r.from === BOB && r.result?.keyTransport !== undefined && hex(r.result.keyTransport.key) === theirs.key, "python-omemo's key");
    expect(got.result).toMatchObject({ plaintext: null });
  });
});

describe('a device that leaves', () => {
  it('gets nothing more from python-omemo or from our other device once it is off the device list', async () => {
    await aliceSecond!.stop();
    const gone = aliceSecond!.account.deviceId;
    aliceSecond = undefined;
    await alice.directory.publishOpen(DEVICE_LIST_NODE, buildDeviceList([alice.account.deviceId]));
    await alice.directory.publishOpen(DEVICES_NODE_2, buildDevices2([{ id: alice.account.deviceId }]));
    expect((await alice.account.updateDeviceList(ALICE, (await alice.directory.fetchDeviceList(ALICE))!)).vanished).toEqual([gone]);
    expect((await alice.account.updateDeviceList2(ALICE, (await alice.directory.fetchDeviceList2(ALICE))!)).vanished).toEqual([gone]);
    bob.send({ cmd: 'refresh', jid: ALICE });
    expect(await bob.waitFor((o) => o.step === 'refreshed', 'python-omemo to read our shorter list')).toMatchObject({ devices: [alice.account.deviceId], inactive: [gone] });
    expect((await bobSends('only your first device now')).devices).not.toContain(gone);
    expect((await alice.waitFor(decrypted('only your first device now'), 'the message on the remaining device')).result!.senderDevice).toBe(bobReady.device_id);
    expect((await alice.sendText(BOB, 'and mine skips it too')).devices).toEqual([{ jid: BOB, deviceId: bobReady.device_id, version: '0.3' }]);
    expect(await bobReceives('and mine skips it too')).toMatchObject({ step: 'received' });
  });
});

describe('publishing through PEP', () => {
  it('makes the device list world-readable even where an older client left it presence-only (publish-options fallback)', async () => {
    const carol = await NodeOmemoClient.start({
      server,
      username: 'om-carol',
      password: PASSWORD,
      resource: 'node',
      store: new MemoryOmemoStore(),
      // An older client published the device list for contacts only.
      prepare: async (session) => {
        const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' },
          xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${NS.PUBSUB}#publish-options`)),
          xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'presence')));
        await session.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB },
          xml('publish', { node: DEVICE_LIST_NODE }, xml('item', { id: 'current' }, buildDeviceList([4242]))), xml('publish-options', {}, form))));
      },
    });
    try {
      expect(carol.published).toEqual({ bundle: 'published', deviceList: 'reconfigured' });
      // python-omemo is no contact of carol's, yet reads her device list and bundle and writes to her.
      const sent = await bobSends('hello carol, we have never met', CAROL);
      expect(sent.devices).toContain(carol.account.deviceId);
      expect((await carol.waitFor(decrypted('hello carol, we have never met'), 'the message from a stranger')).result!.senderDevice).toBe(bobReady.device_id);
    } finally {
      await carol.stop();
    }
  });
});

describe('bad input is refused with a clear error, and the session keeps working', () => {
  async function heldMessageFromBob(text: string): Promise<Element> {
    alice.hold = true;
    try {
      await bobSends(text);
      return (await alice.waitFor((r) => r.from === BOB && r.via === 'live' && r.encrypted.getChild('payload') !== undefined, `python's message "${text}", held`)).encrypted;
    } finally {
      alice.hold = false;
    }
  }

  async function stillWorks(label: string): Promise<void> {
    await bobSends(`still fine after ${label}`);
    const next = await alice.waitFor((r) => r.from === BOB && r.via === 'live' && r.encrypted.getChild('payload') !== undefined, `the next message after ${label}`);
    expect(next.error).toBeUndefined();
    expect(next.result!.plaintext).toBe(`still fine after ${label}`);
    await alice.sendText(BOB, `me too after ${label}`);
    expect(await bobReceives(`me too after ${label}`)).toMatchObject({ step: 'received' });
  }

  it('a corrupted payload', async () => {
    const held = await heldMessageFromBob('this one will be damaged');
    const payload = held.getChildText('payload')!;
    const damaged = parseXml(held.toString().replace(payload, (payload[0] === 'A' ? 'B' : 'A') + payload.slice(1)));
    await expect(alice.account.decryptMessage(damaged, BOB)).rejects.toSatisfy((e) => isOmemoError(e, 'corrupted'));
    await stillWorks('a corrupted payload');
  });

  it('a message for another device (a device added later reads the archive)', async () => {
    const held = await heldMessageFromBob('not for the newcomer');
    const newcomer = await OmemoAccount.open({ jid: ALICE, store: new MemoryOmemoStore() });
    await expect(newcomer.decryptMessage(held, BOB)).rejects.toSatisfy((e) => isOmemoError(e, 'not-for-this-device') && /not encrypted for this device/.test(e.message));
    // The held message itself is still good for the device it was meant for.
    expect((await alice.account.decryptMessage(held, BOB)).plaintext).toBe('not for the newcomer');
    await stillWorks('a message for another device');
  });

  it('a replayed pre-key message', async () => {
    await expect(alice.account.decryptMessage(firstPreKeyMessage, BOB)).rejects.toSatisfy((e) => isOmemoError(e, 'replayed-prekey'));
    await stillWorks('a replayed pre-key message');
  });

  it('a bundle with a bad signature', async () => {
    const bundle = (await alice.directory.fetchBundle(BOB, bobReady.device_id as number))!;
    const signature = bundle.getChildText('signedPreKeySignature', NS.OMEMO_LEGACY)!;
    const forged = parseXml(bundle.toString().replace(signature, (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)));
    const newcomer = await OmemoAccount.open({ jid: ALICE, store: new MemoryOmemoStore() });
    await expect(newcomer.processBundle(BOB, bobReady.device_id as number, forged)).rejects.toSatisfy((e) => isOmemoError(e, 'bad-bundle-signature'));
    expect(await newcomer.hasSession(BOB, bobReady.device_id as number)).toBe(false);
    await newcomer.processBundle(BOB, bobReady.device_id as number, bundle);
    expect(await newcomer.hasSession(BOB, bobReady.device_id as number)).toBe(true);
    await stillWorks('a bundle with a bad signature');
  });

  it('a device list with hundreds of entries', async () => {
    const mallory = await NodeOmemoClient.start({ server, username: 'om-mallory', password: PASSWORD, resource: 'x', store: new MemoryOmemoStore() });
    const malloryDevice = mallory.account.deviceId;
    try {
      await mallory.directory.publishOpen(DEVICE_LIST_NODE, buildDeviceList(Array.from({ length: 300 }, (_, i) => i + 1)));
    } finally {
      await mallory.stop();
    }
    const list = (await alice.directory.fetchDeviceList(MALLORY))!;
    expect(list.getChildren('device')).toHaveLength(300);
    await expect(alice.account.updateDeviceList(MALLORY, list)).rejects.toSatisfy((e) => isOmemoError(e, 'bad-device-list') && /300 devices/.test(e.message));
    // Only the device Mallory's client announced in its (valid) OMEMO 2 list gets the message, none of the 300.
    const sent = await alice.account.encryptMessage([MALLORY], 'hello?');
    expect(sent.devices.filter((d) => d.jid === MALLORY)).toEqual([{ jid: MALLORY, deviceId: malloryDevice, version: '2' }]);
    await stillWorks('a device list with hundreds of entries');
  });
});

describe('trust', () => {
  it("shows python-omemo's device with the fingerprint python-omemo shows, blindly trusted until verified", async () => {
    expect(await alice.account.devices(BOB)).toEqual([{ deviceId: bobReady.device_id, active: true, versions: ['0.3'], fingerprint: bobReady.fingerprint, trust: 'blind' }]);
  });

  it('a distrusted device gets nothing from us and its messages are refused; verified, its messages say so', async () => {
    const bobDevice = bobReady.device_id as number;
    await alice.account.setTrust(BOB, bobDevice, 'distrusted');
    await expect(alice.account.encryptMessage([BOB], 'secret')).rejects.toSatisfy((e) => isOmemoError(e, 'no-devices'));
    await bobSends('do you trust me?');
    const refused = await alice.waitFor((r) => r.from === BOB && r.via === 'live' && r.encrypted.getChild('payload') !== undefined, 'the message from the distrusted device');
    expect(refused.error).toMatchObject({ code: 'untrusted' });

    await alice.account.setTrust(BOB, bobDevice, 'verified');
    await bobSends('verified now');
    expect((await alice.waitFor((r) => r.from === BOB && r.via === 'live' && r.encrypted.getChild('payload') !== undefined, 'the message from the verified device')).result).toMatchObject({
      plaintext: 'verified now',
      trust: 'verified',
      security: 'encrypted-verified',
    });
    await alice.sendText(BOB, 'yes, verified');
    expect(await bobReceives('yes, verified')).toMatchObject({ step: 'received' });
  });
});
