import { describe, expect, it } from 'vitest';
import { OmemoAccount, STALE_AFTER } from './account.ts';
import { isOmemoError } from './errors.ts';
import { formatFingerprint } from './fingerprint.ts';
import { MemoryOmemoStore } from './store.ts';
import { TestDirectory } from './test-directory.ts';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

async function accounts(bobDevices = 1) {
  const directory = new TestDirectory();
  const alice = await OmemoAccount.open({ preKeyCount: 10, jid: ALICE, store: new MemoryOmemoStore(), directory });
  await directory.publish(alice);
  const bobs: OmemoAccount[] = [];
  for (let i = 0; i < bobDevices; i++) {
    const bob = await OmemoAccount.open({ preKeyCount: 10, jid: BOB, store: new MemoryOmemoStore(), directory });
    await directory.publish(bob);
    bobs.push(bob);
  }
  return { directory, alice, bobs };
}

describe('fingerprints', () => {
  it('are the Curve25519 key without its type byte, lowercase hex in eight groups of eight', () => {
    const key = new Uint8Array(33);
    key[0] = 0x05;
    key.set(Array.from({ length: 32 }, (_, i) => i * 7), 1);
    expect(formatFingerprint(key)).toBe('00070e15 1c232a31 383f464d 545b6269 70777e85 8c939aa1 a8afb6bd c4cbd2d9');
    expect(formatFingerprint(key.subarray(1))).toBe(formatFingerprint(key));
    expect(() => formatFingerprint(new Uint8Array(31))).toThrow();
  });
});

describe('trust: blind trust before verification', () => {
  it('trusts new devices blindly until one is verified; after that a new device waits for a decision', async () => {
    const { directory, alice, bobs } = await accounts(1);
    const [phone] = bobs;
    const first = await alice.encryptMessage([BOB], 'hi');
    expect(first.devices).toEqual([{ jid: BOB, deviceId: phone!.deviceId, version: '0.3' }]);
    expect(await alice.devices(BOB)).toEqual([{ deviceId: phone!.deviceId, active: true, versions: ['0.3'], trust: 'blind', fingerprint: await phone!.fingerprint() }]);
    expect((await phone!.decryptMessage(first.element!, ALICE)).security).toBe('encrypted');

    await alice.setTrust(BOB, phone!.deviceId, 'verified');
    const verified = await alice.encryptMessage([BOB], 'verified');
    expect((await phone!.decryptMessage(verified.element!, ALICE)).security).toBe('encrypted');
    const back = await phone!.encryptMessage([ALICE], 'from a verified device');
    expect(await alice.decryptMessage(back.element!, BOB)).toMatchObject({ trust: 'verified', security: 'encrypted-verified' });

    // bob adds a laptop: since alice verified bob's phone, the laptop is not trusted blindly.
    const laptop = await OmemoAccount.open({ preKeyCount: 10, jid: BOB, store: new MemoryOmemoStore(), directory });
    await directory.publish(laptop);
    await alice.updateDeviceList(BOB, directory.lists.get(BOB)!);
    const next = await alice.encryptMessage([BOB], 'who is the laptop?');
    expect(next.devices).toEqual([{ jid: BOB, deviceId: phone!.deviceId, version: '0.3' }]);
    expect(next.skipped).toEqual([expect.objectContaining({ deviceId: laptop.deviceId, reason: 'untrusted' })]);
    await alice.setTrust(BOB, laptop.deviceId, 'verified');
    expect((await alice.encryptMessage([BOB], 'now both')).devices).toHaveLength(2);
  });

  it('sends nothing to a distrusted device and refuses its messages', async () => {
    const { alice, bobs } = await accounts(1);
    const bob = bobs[0]!;
    await bob.decryptMessage((await alice.encryptMessage([BOB], 'hello')).element!, ALICE);
    await alice.setTrust(BOB, bob.deviceId, 'distrusted');
    await expect(alice.encryptMessage([BOB], 'secret')).rejects.toSatisfy((e) => isOmemoError(e, 'no-devices'));
    await expect(alice.decryptMessage((await bob.encryptMessage([ALICE], 'me again')).element!, BOB)).rejects.toSatisfy((e) => isOmemoError(e, 'untrusted'));
    await alice.setTrust(BOB, bob.deviceId, 'blind');
    expect((await alice.decryptMessage((await bob.encryptMessage([ALICE], 'trusted again')).element!, BOB)).plaintext).toBe('trusted again');
  });
});

describe('identity keys', () => {
  it('refuses a device id that comes back with another identity key', async () => {
    const { directory, alice, bobs } = await accounts(1);
    const bob = bobs[0]!;
    await bob.decryptMessage((await alice.encryptMessage([BOB], 'hello')).element!, ALICE);
    // Someone publishes a new bundle under bob's device id.
    const impostor = await OmemoAccount.open({ preKeyCount: 10, jid: BOB, store: new MemoryOmemoStore(), directory });
    const forged = await impostor.bundleElement();
    await expect(alice.processBundle(BOB, bob.deviceId, forged)).rejects.toSatisfy((e) => isOmemoError(e, 'untrusted') && /identity key/.test(e.message));
    expect((await alice.devices(BOB))[0]!.fingerprint).toBe(await bob.fingerprint());
  });
});

describe('device lists', () => {
  it('stops encrypting for a device that vanished from the list, but still reads what it sent before', async () => {
    const { directory, alice, bobs } = await accounts(2);
    const [phone, laptop] = bobs as [OmemoAccount, OmemoAccount];
    await alice.updateDeviceList(BOB, directory.lists.get(BOB)!);
    const before = await laptop.encryptMessage([ALICE], 'sent before vanishing');
    expect((await alice.encryptMessage([BOB], 'to both')).devices).toHaveLength(2);

    const change = await alice.updateDeviceList(BOB, (await import('./xml.ts')).buildDeviceList([phone.deviceId]));
    expect(change).toMatchObject({ vanished: [laptop.deviceId], added: [], mustRepublish: false });
    expect((await alice.encryptMessage([BOB], 'to the phone')).devices).toEqual([{ jid: BOB, deviceId: phone.deviceId, version: '0.3' }]);
    expect(await alice.devices(BOB)).toEqual(expect.arrayContaining([expect.objectContaining({ deviceId: laptop.deviceId, active: false })]));
    expect((await alice.decryptMessage(before.element!, BOB)).plaintext).toBe('sent before vanishing');
  });

  it('skips a listed device that has no bundle, and says so', async () => {
    const { directory, alice, bobs } = await accounts(2);
    const [phone, laptop] = bobs as [OmemoAccount, OmemoAccount];
    directory.bundles.delete(`${BOB}/${laptop.deviceId}`);
    const sent = await alice.encryptMessage([BOB], 'to whoever has keys');
    expect(sent.devices).toEqual([{ jid: BOB, deviceId: phone.deviceId, version: '0.3' }]);
    expect(sent.skipped).toEqual([expect.objectContaining({ jid: BOB, deviceId: laptop.deviceId, reason: 'bad-bundle' })]);
  });

  it('says when the own list lacks this device, so it is published again', async () => {
    const { alice } = await accounts(0);
    const { buildDeviceList } = await import('./xml.ts');
    expect((await alice.updateDeviceList(ALICE, buildDeviceList([7]))).mustRepublish).toBe(true);
    expect((await alice.deviceListElement()).getChildren('device').map((d) => Number(d.attrs.id)).sort()).toEqual([7, alice.deviceId].sort());
  });

  it('refuses to write to someone without devices', async () => {
    const { alice } = await accounts(0);
    await expect(alice.encryptMessage(['nobody@example.org'], 'hello?')).rejects.toSatisfy((e) => isOmemoError(e, 'no-devices'));
  });
});

describe('keeping sessions healthy', () => {
  it('answers a one-sided conversation with an empty message after enough messages', async () => {
    const { alice, bobs } = await accounts(1);
    const bob = bobs[0]!;
    const first = await bob.decryptMessage((await alice.encryptMessage([BOB], 'm0')).element!, ALICE);
    expect(first.heartbeat).toBeDefined();
    await alice.decryptMessage(first.heartbeat!, BOB);
    let heartbeats = 0;
    for (let i = 1; i <= STALE_AFTER; i++) {
      const got = await bob.decryptMessage((await alice.encryptMessage([BOB], `m${i}`)).element!, ALICE);
      if (got.heartbeat) heartbeats++;
    }
    expect(heartbeats).toBe(1);
  });

  it('replaces used pre-keys and a week-old signed pre-key, and old bundles still work', async () => {
    const { directory, alice, bobs } = await accounts(1);
    const bob = bobs[0]!;
    const got = await bob.decryptMessage((await alice.encryptMessage([BOB], 'uses a pre-key')).element!, ALICE);
    expect(got.bundleChanged).toBe(true);
    // Fetched by someone before the rotation (after the used pre-key was replaced).
    const oldBundle = await bob.bundleElement();
    expect((await bob.bundleElement()).getChild('prekeys')!.getChildren('preKeyPublic')).toHaveLength(10);
    expect(await bob.rotateSignedPreKeyIfDue()).toBe(false);
    expect(await bob.rotateSignedPreKeyIfDue(7 * 24 * 3600 * 1000, Date.now() + 8 * 24 * 3600 * 1000)).toBe(true);
    expect((await bob.bundleElement()).getChild('signedPreKeyPublic')!.attrs.signedPreKeyId).toBe('2');
    // A device that fetched the bundle before the rotation can still start a session.
    const carol = await OmemoAccount.open({ preKeyCount: 10, jid: 'carol@example.org', store: new MemoryOmemoStore(), directory });
    await carol.processBundle(BOB, bob.deviceId, oldBundle);
    expect((await bob.decryptMessage((await carol.encryptMessage([{ jid: BOB, deviceIds: [bob.deviceId] }], 'from the old bundle')).element!, 'carol@example.org')).plaintext).toBe(
      'from the old bundle',
    );
  });
});
