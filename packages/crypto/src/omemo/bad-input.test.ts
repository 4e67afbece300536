import { parseXml, type Element } from '@conexizan/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OmemoAccount } from './account.ts';
import { explainOmemoError, isOmemoError, type OmemoErrorCode } from './errors.ts';
import { MemoryOmemoStore } from './store.ts';
import { TestDirectory } from './test-directory.ts';
import { buildDeviceList } from './xml.ts';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

async function pair() {
  const directory = new TestDirectory();
  const alice = await OmemoAccount.open({ preKeyCount: 10, jid: ALICE, store: new MemoryOmemoStore(), directory });
  const bob = await OmemoAccount.open({ preKeyCount: 10, jid: BOB, store: new MemoryOmemoStore(), directory });
  await directory.publish(alice);
  await directory.publish(bob);
  return { directory, alice, bob };
}

const refusedWith = (code: OmemoErrorCode) => (error: unknown) => isOmemoError(error, code);
const edit = (el: Element, from: string | RegExp, to: string) => parseXml(el.toString().replace(from, to));
const flipFirst = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);

/** Alice writes to bob and bob decrypts; proves the session still works after each refusal. */
async function stillWorks(alice: OmemoAccount, bob: OmemoAccount, text: string) {
  expect((await bob.decryptMessage((await alice.encryptMessage([BOB], text)).element!, ALICE)).plaintext).toBe(text);
  expect((await alice.decryptMessage((await bob.encryptMessage([ALICE], `re: ${text}`)).element!, BOB)).plaintext).toBe(`re: ${text}`);
}

describe('bad input to OmemoAccount', () => {
  // Nothing is logged on the way (libsignal has console calls that print whole sessions).
  let logged: unknown[][];
  beforeEach(() => {
    logged = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation((...args) => void logged.push(args));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(logged).toEqual([]);
  });

  it('refuses a corrupted payload, a damaged key and malformed XML, and goes on', async () => {
    const { alice, bob } = await pair();
    await stillWorks(alice, bob, 'first');
    const sent = (await alice.encryptMessage([BOB], 'will be damaged')).element!;
    await expect(bob.decryptMessage(edit(sent, sent.getChildText('payload')!, flipFirst(sent.getChildText('payload')!)), ALICE)).rejects.toSatisfy(refusedWith('corrupted'));
    const key = sent.getChild('header')!.getChild('key')!.getText();
    const damagedKey = key.slice(0, 20) + (key[20] === 'A' ? 'B' : 'A') + key.slice(21);
    await expect(bob.decryptMessage(edit((await alice.encryptMessage([BOB], 'x')).element!, /<key rid="(\d+)">[^<]+</, `<key rid="${bob.deviceId}">${damagedKey}<`), ALICE)).rejects.toSatisfy(refusedWith('corrupted'));
    for (const broken of [
      `<encrypted xmlns="eu.siacs.conversations.axolotl"/>`,
      `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="x"><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>`,
      `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1"><key rid="${bob.deviceId}">not base64!</key><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>`,
      `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1"><key rid="${bob.deviceId}" prekey="true">AAAA</key><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>`,
      `<encrypted xmlns="urn:xmpp:omemo:2"><header/></encrypted>`,
      `<encrypted xmlns="urn:xmpp:omemo:2"><header sid="1"><keys jid="${BOB}"><key rid="${bob.deviceId}">not base64!</key></keys></header></encrypted>`,
      `<encrypted xmlns="urn:xmpp:omemo:2"><header sid="1"><keys jid="${BOB}"><key rid="${bob.deviceId}" kex="true">AAAA</key></keys></header></encrypted>`,
    ]) {
      await expect(bob.decryptMessage(parseXml(broken), ALICE), broken).rejects.toSatisfy(refusedWith('corrupted'));
    }
    // an OMEMO 2 element without a key for this device is simply not for it
    await expect(bob.decryptMessage(parseXml(`<encrypted xmlns="urn:xmpp:omemo:2"><header sid="1"/></encrypted>`), ALICE)).rejects.toSatisfy(refusedWith('not-for-this-device'));
    await stillWorks(alice, bob, 'after the damage');
  });

  it('says a message was not for this device, or was sent by it', async () => {
    const { alice, bob } = await pair();
    const sent = (await alice.encryptMessage([BOB], 'for bob only')).element!;
    const newcomer = await OmemoAccount.open({ preKeyCount: 10, jid: BOB, store: new MemoryOmemoStore() });
    const refusal = await newcomer.decryptMessage(sent, ALICE).catch((error: unknown) => error);
    expect(isOmemoError(refusal, 'not-for-this-device')).toBe(true);
    expect(explainOmemoError(refusal)).toMatch(/^This message was not encrypted for this device/);
    await expect(alice.decryptMessage(sent, ALICE)).rejects.toSatisfy(refusedWith('sent-by-this-device'));
    expect((await bob.decryptMessage(sent, ALICE)).plaintext).toBe('for bob only');
  });

  it('refuses a replayed pre-key message and a replayed normal message', async () => {
    const { alice, bob } = await pair();
    const first = (await alice.encryptMessage([BOB], 'pre-key')).element!;
    await bob.decryptMessage(first, ALICE);
    await expect(bob.decryptMessage(first, ALICE)).rejects.toSatisfy(refusedWith('replayed-prekey'));
    await alice.decryptMessage((await bob.encryptMessage([ALICE], 'answer')).element!, BOB);
    const normal = (await alice.encryptMessage([BOB], 'normal')).element!;
    await bob.decryptMessage(normal, ALICE);
    await expect(bob.decryptMessage(normal, ALICE)).rejects.toSatisfy(refusedWith('duplicate'));
    // The same pre-key message again after a restart: the pre-key is gone.
    await expect(bob.decryptMessage(first, ALICE)).rejects.toSatisfy(refusedWith('replayed-prekey'));
    await stillWorks(alice, bob, 'after the replays');
  });

  it('refuses a bundle with a bad signature, and malformed bundles', async () => {
    const { directory, alice, bob } = await pair();
    const bundle = directory.bundles.get(`${BOB}/${bob.deviceId}`)!;
    const signature = bundle.getChildText('signedPreKeySignature')!;
    await expect(alice.processBundle(BOB, bob.deviceId, edit(bundle, signature, flipFirst(signature)))).rejects.toSatisfy(refusedWith('bad-bundle-signature'));
    const identity = bundle.getChildText('identityKey')!;
    const other = (await OmemoAccount.open({ preKeyCount: 10, jid: 'x@y', store: new MemoryOmemoStore() })).bundleElement();
    await expect(alice.processBundle(BOB, bob.deviceId, edit(bundle, identity, (await other).getChildText('identityKey')!))).rejects.toSatisfy(refusedWith('bad-bundle-signature'));
    expect(await alice.hasSession(BOB, bob.deviceId)).toBe(false);
    await expect(alice.processBundle(BOB, bob.deviceId, edit(bundle, /<prekeys>.*<\/prekeys>/, '<prekeys/>'))).rejects.toSatisfy(refusedWith('bad-bundle'));
    await expect(alice.processBundle(BOB, bob.deviceId, edit(bundle, identity, 'AAAA'))).rejects.toSatisfy(refusedWith('bad-bundle'));
    const tooMany = edit(bundle, '</prekeys>', `${'<preKeyPublic preKeyId="9">' + identity + '</preKeyPublic>'}`.repeat(250) + '</prekeys>');
    await expect(alice.processBundle(BOB, bob.deviceId, tooMany)).rejects.toSatisfy(refusedWith('bad-bundle'));
    await alice.processBundle(BOB, bob.deviceId, bundle);
    await stillWorks(alice, bob, 'with the real bundle');
  });

  it('refuses a device list with hundreds of entries and keeps the one it had', async () => {
    const { directory, alice, bob } = await pair();
    await alice.updateDeviceList(BOB, directory.lists.get(BOB)!);
    const huge = buildDeviceList(Array.from({ length: 300 }, (_, i) => i + 1));
    await expect(alice.updateDeviceList(BOB, huge)).rejects.toSatisfy((e) => isOmemoError(e, 'bad-device-list') && /300 devices/.test(e.message));
    await expect(alice.updateDeviceList(BOB, parseXml(`<list xmlns="eu.siacs.conversations.axolotl"><device id="-4"/></list>`))).rejects.toSatisfy(refusedWith('bad-device-list'));
    expect((await alice.devices(BOB)).map((d) => d.deviceId)).toEqual([bob.deviceId]);
    await stillWorks(alice, bob, 'after the huge list');
  });

  it('refuses a message over the size limit before encrypting anything', async () => {
    const { alice } = await pair();
    await expect(alice.encryptMessage([BOB], 'x'.repeat(300 * 1024))).rejects.toSatisfy(refusedWith('too-large'));
  });
});
