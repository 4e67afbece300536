import { describe, expect, it } from 'vitest';
import { NS, parseXml, xml } from '@conexizan/protocol';
import { OmemoAccount } from './account.ts';
import { MemoryOmemoStore } from './store.ts';
import { TestDirectory } from './test-directory.ts';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

async function open(directory: TestDirectory, jid: string) {
  return OmemoAccount.open({ preKeyCount: 10, jid, store: new MemoryOmemoStore(), directory });
}

describe('OMEMO 2 beside 0.3 in one account', () => {
  it('uses OMEMO 2 with a contact who announces it, with the envelope bound to sender and recipient', async () => {
    const directory = new TestDirectory();
    const alice = await open(directory, ALICE);
    const bob = await open(directory, BOB);
    await directory.publish(alice, ['0.3', '2']);
    await directory.publish(bob, ['0.3', '2']);
    const sent = await alice.encryptMessage([BOB], 'hello in omemo 2');
    expect(sent.element).toBeUndefined();
    expect(sent.element2?.getNS()).toBe(NS.OMEMO);
    expect(sent.devices).toEqual([{ jid: BOB, deviceId: bob.deviceId, version: '2' }]);
    expect(sent.element2!.toString()).not.toContain('hello');
    const got = await bob.decryptMessage(sent.element2!, ALICE);
    expect(got).toMatchObject({ plaintext: 'hello in omemo 2', version: '2', senderDevice: alice.deviceId, security: 'encrypted', bundleChanged: true });
    expect(got.fingerprint).toBe(await alice.fingerprint());
    expect(got.heartbeat?.getNS()).toBe(NS.OMEMO);
    // the heartbeat confirms Alice's session: her next message is an ordinary ratchet message
    await alice.decryptMessage(got.heartbeat!, BOB);
    const next = await alice.encryptMessage([BOB], 'second');
    expect(next.element2!.toString()).not.toContain('kex=');
    expect((await bob.decryptMessage(next.element2!, ALICE)).plaintext).toBe('second');
    const back = await bob.encryptMessage([ALICE], 'and back');
    expect((await alice.decryptMessage(back.element2!, BOB)).plaintext).toBe('and back');
  });

  it('uses 0.3 for a contact device that speaks only 0.3, and both elements when the own devices differ', async () => {
    const directory = new TestDirectory();
    const alice = await open(directory, ALICE);
    const alicePhone = await open(directory, ALICE);
    const bob = await open(directory, BOB);
    await directory.publish(alice, ['0.3', '2']);
    await directory.publish(alicePhone, ['0.3']);
    await directory.publish(bob, ['0.3', '2']);
    await directory.publish(alice, ['0.3', '2']);
    const sent = await alice.encryptMessage([BOB], 'to bob and my old phone');
    expect(sent.devices).toEqual(expect.arrayContaining([{ jid: BOB, deviceId: bob.deviceId, version: '2' }, { jid: ALICE, deviceId: alicePhone.deviceId, version: '0.3' }]));
    expect((await bob.decryptMessage(sent.element2!, ALICE)).plaintext).toBe('to bob and my old phone');
    expect((await alicePhone.decryptMessage(sent.element!, ALICE)).plaintext).toBe('to bob and my old phone');
  });

  it('shares trust and fingerprints between the versions: a device verified in one is verified in the other', async () => {
    const directory = new TestDirectory();
    const alice = await open(directory, ALICE);
    const bob = await open(directory, BOB);
    await directory.publish(alice, ['0.3', '2']);
    await directory.publish(bob, ['0.3']);
    await bob.decryptMessage((await alice.encryptMessage([BOB], 'via 0.3')).element!, ALICE);
    await bob.setTrust(ALICE, alice.deviceId, 'verified');
    await directory.publish(bob, ['0.3', '2']);
    const sent = await bob.encryptMessage([ALICE], 'now omemo 2');
    expect(sent.devices).toEqual([{ jid: ALICE, deviceId: alice.deviceId, version: '2' }]);
    expect((await alice.decryptMessage(sent.element2!, BOB)).plaintext).toBe('now omemo 2');
    const answer = await alice.encryptMessage([BOB], 'verified?');
    expect(await bob.decryptMessage(answer.element2!, ALICE)).toMatchObject({ trust: 'verified', security: 'encrypted-verified' });
  });

  it('refuses an envelope moved to another recipient or sender, a replayed message, and one from a distrusted device', async () => {
    const directory = new TestDirectory();
    const alice = await open(directory, ALICE);
    const bob = await open(directory, BOB);
    await directory.publish(alice, ['2']);
    await directory.publish(bob, ['2']);
    const first = await alice.encryptMessage([BOB], 'one');
    const got = await bob.decryptMessage(first.element2!, ALICE);
    await alice.decryptMessage(got.heartbeat!, BOB);
    // Mallory forwards Alice's message to Bob as if she had sent it: the <from> affix says Alice
    const forwarded = await alice.encryptMessage([BOB], 'meant for bob, from alice');
    await expect(bob.decryptMessage(forwarded.element2!, 'mallory@example.org')).rejects.toMatchObject({ code: expect.stringMatching(/no-session|corrupted/) });
    // a message to a group addressed elsewhere: the <to> affix must name this room
    const toRoom = await alice.encryptMessage([BOB], 'for room a', { to: 'a@rooms.example.org' });
    await expect(bob.decryptMessage(toRoom.element2!, ALICE, { to: ['b@rooms.example.org'], requireTo: true })).rejects.toMatchObject({ code: 'corrupted' });
    const replay = await alice.encryptMessage([BOB], 'once');
    expect((await bob.decryptMessage(replay.element2!, ALICE)).plaintext).toBe('once');
    await expect(bob.decryptMessage(replay.element2!, ALICE)).rejects.toMatchObject({ code: 'duplicate' });
    await bob.setTrust(ALICE, alice.deviceId, 'distrusted');
    await expect(bob.decryptMessage((await alice.encryptMessage([BOB], 'ignored')).element2!, ALICE)).rejects.toMatchObject({ code: 'untrusted' });
  });

  it('reads an OMEMO 2 device list with labels and refuses a malformed one', async () => {
    const directory = new TestDirectory();
    const alice = await open(directory, ALICE);
    await alice.updateDeviceList2(BOB, xml('devices', { xmlns: NS.OMEMO }, xml('device', { id: '7', label: 'Gajim on the laptop' }), xml('device', { id: '8' })));
    expect(await alice.devices(BOB)).toEqual([
      { deviceId: 7, active: true, versions: ['2'], label: 'Gajim on the laptop' },
      { deviceId: 8, active: true, versions: ['2'] },
    ]);
    await expect(alice.updateDeviceList2(BOB, parseXml(`<devices xmlns="urn:xmpp:omemo:2"><device id="zero"/></devices>`))).rejects.toMatchObject({ code: 'bad-device-list' });
  });
});
