import { describe, expect, it } from 'vitest';
import { OmemoAccount } from './account.ts';
import { isOmemoError } from './errors.ts';
import { MemoryOmemoStore } from './store.ts';
import { TestDirectory } from './test-directory.ts';

async function setup() {
  const directory = new TestDirectory();
  const alice = await OmemoAccount.open({ preKeyCount: 10, jid: 'alice@example.org', store: new MemoryOmemoStore(), directory });
  const bob = await OmemoAccount.open({ preKeyCount: 10, jid: 'bob@example.org', store: new MemoryOmemoStore(), directory });
  await directory.publish(alice);
  await directory.publish(bob);
  return { directory, alice, bob };
}

describe('OmemoAccount, two devices in one process', () => {
  it('builds a session from a pre-key, answers with a heartbeat, and goes on both ways', async () => {
    const { alice, bob } = await setup();
    const first = await alice.encryptMessage(['bob@example.org'], 'hello bob');
    expect(first.devices).toEqual([{ jid: 'bob@example.org', deviceId: bob.deviceId, version: '0.3' }]);
    expect(first.element!.getChild('header')!.getChild('key')!.attrs.prekey).toBe('true');
    expect(first.element!.toString()).not.toContain('hello bob');

    const got = await bob.decryptMessage(first.element!, 'alice@example.org');
    expect(got).toMatchObject({ plaintext: 'hello bob', senderDevice: alice.deviceId, trust: 'blind', security: 'encrypted', bundleChanged: true });
    expect(got.fingerprint).toBe(await alice.fingerprint());
    expect(await alice.decryptMessage(got.heartbeat!, 'bob@example.org')).toMatchObject({ plaintext: null });

    const reply = await bob.encryptMessage(['alice@example.org'], 'hi alice');
    expect(reply.element!.getChild('header')!.getChild('key')!.attrs.prekey).toBeUndefined();
    expect((await alice.decryptMessage(reply.element!, 'bob@example.org')).plaintext).toBe('hi alice');
    for (let i = 0; i < 3; i++) {
      const next = await alice.encryptMessage(['bob@example.org'], `more ${i}`);
      expect(next.element!.getChild('header')!.getChild('key')!.attrs.prekey).toBeUndefined();
      expect((await bob.decryptMessage(next.element!, 'alice@example.org')).plaintext).toBe(`more ${i}`);
    }
  });

  it("encrypts for the sender's other devices too, and each addressed device decrypts", async () => {
    const { directory, alice, bob } = await setup();
    const phone = await OmemoAccount.open({ preKeyCount: 10, jid: 'alice@example.org', store: new MemoryOmemoStore(), directory });
    await directory.publish(phone);
    await alice.updateDeviceList('alice@example.org', directory.lists.get('alice@example.org')!);
    const sent = await alice.encryptMessage(['bob@example.org'], 'to bob and my phone');
    expect(sent.devices.map((d) => d.deviceId).sort()).toEqual([bob.deviceId, phone.deviceId].sort());
    expect((await bob.decryptMessage(sent.element!, 'alice@example.org')).plaintext).toBe('to bob and my phone');
    expect((await phone.decryptMessage(sent.element!, 'alice@example.org')).plaintext).toBe('to bob and my phone');
    await expect(alice.decryptMessage(sent.element!, 'alice@example.org')).rejects.toSatisfy((e) => isOmemoError(e, 'sent-by-this-device'));
  });

  it('survives a restart from a JSON snapshot of the store', async () => {
    const directory = new TestDirectory();
    const aliceStore = new MemoryOmemoStore();
    const bobStore = new MemoryOmemoStore();
    let alice = await OmemoAccount.open({ preKeyCount: 10, jid: 'alice@example.org', store: aliceStore, directory });
    let bob = await OmemoAccount.open({ preKeyCount: 10, jid: 'bob@example.org', store: bobStore, directory });
    await directory.publish(alice);
    await directory.publish(bob);
    await bob.decryptMessage((await alice.encryptMessage(['bob@example.org'], 'before')).element!, 'alice@example.org');

    const restored = (store: MemoryOmemoStore) => MemoryOmemoStore.fromSnapshot(JSON.parse(JSON.stringify(store.snapshot())));
    const aliceId = alice.deviceId;
    alice = await OmemoAccount.open({ preKeyCount: 10, jid: 'alice@example.org', store: restored(aliceStore), directory });
    bob = await OmemoAccount.open({ preKeyCount: 10, jid: 'bob@example.org', store: restored(bobStore), directory });
    expect(alice.deviceId).toBe(aliceId);
    expect((await alice.decryptMessage((await bob.encryptMessage(['alice@example.org'], 'after')).element!, 'bob@example.org')).plaintext).toBe('after');
    expect((await bob.decryptMessage((await alice.encryptMessage(['bob@example.org'], 'and back')).element!, 'alice@example.org')).plaintext).toBe('and back');
  });

  it('transports a key in an empty message (KeyTransportElement)', async () => {
    const { alice, bob } = await setup();
    const sent = await alice.encryptKeyTransport(['bob@example.org']);
    expect(sent.key).toHaveLength(16);
    expect(sent.element!.getChild('payload')).toBeUndefined();
    const got = await bob.decryptMessage(sent.element!, 'alice@example.org');
    expect(got.plaintext).toBeNull();
    expect(got.keyTransport).toEqual({ key: sent.key, iv: sent.iv });
  });
});
