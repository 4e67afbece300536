import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { MemoryOmemoStore, OMEMO_FALLBACK_BODY, explainOmemoError, OmemoError } from '@conexizan/crypto/omemo';
import { FakePep } from '../testing.ts';
import { chatMessage, parseMessage } from '../stanzas.ts';
import { EncryptionRefusedError, OmemoLayer } from './layer.ts';
import { readSecurityMark, securityMark } from './security-mark.ts';

function person(pep: FakePep, jid: string, options: { store?: MemoryOmemoStore } = {}) {
  const store = options.store ?? new MemoryOmemoStore();
  const sent: Element[] = [];
  const protections: string[] = [];
  const layer = new OmemoLayer({ connection: pep.connection(jid, sent), jid, store, preKeyCount: 3, deviceWaitMs: 0, onSent: (_peer, _id, s) => protections.push(s) });
  pep.layers.set(jid, [...(pep.layers.get(jid) ?? []), layer]);
  return { layer, sent, protections, store };
}

/** The OMEMO element of a stanza, whichever version. */
const encryptedOf = (stanza: Element) => stanza.getChild('encrypted', NS.OMEMO) ?? stanza.getChild('encrypted', NS.OMEMO_LEGACY);

const read = (stanza: Element) => parseMessage(stanza, { self: 'bob@x' }).flatMap((e) => (e.kind === 'message' ? [e.message] : []));

describe('OmemoLayer', () => {
  it('encrypts a chat message for the contact, who reads it; the wire holds no plain text', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const wire = await alice.layer.outgoing(chatMessage('bob@x/web', 'm1', 'meet at noon'));
    expect(wire.toString()).not.toContain('meet at noon');
    expect(wire.getChildText('body')).toBe(OMEMO_FALLBACK_BODY);
    // Two web clients speak OMEMO 2 (urn:xmpp:omemo:2) with each other.
    expect(wire.getChild('encrypted', NS.OMEMO)).toBeDefined();
    expect(wire.getChild('encrypted', NS.OMEMO_LEGACY)).toBeUndefined();
    expect(wire.getChild('origin-id', NS.SID)?.attrs.id).toBe('m1');
    expect(alice.protections).toEqual(['encrypted']);

    wire.attrs.from = 'alice@x/web';
    // The same message live and from the archive at once: both copies read, neither is taken for a replay.
    const [message, archived] = (await Promise.all([bob.layer.incoming(wire), bob.layer.incoming(wire)])).map((m) => read(m)[0]);
    expect(message).toMatchObject({ id: 'm1', body: 'meet at noon', security: 'encrypted' });
    expect(archived).toMatchObject({ id: 'm1', body: 'meet at noon', security: 'encrypted' });
    // Bob's answer completes the session Alice started with a pre-key message.
    expect(bob.sent.some((s) => encryptedOf(s) && !s.getChild('body'))).toBe(true);
  }, 60_000);

  it('a file link travels inside the encryption only, and the receiver still sees it as a file', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const url = 'https://upload.x/abc/cat.png';
    const wire = await alice.layer.outgoing(chatMessage('bob@x', 'f1', url, { file: url }));
    expect(wire.toString()).not.toContain('upload.x');
    wire.attrs.from = 'alice@x/web';
    const [message] = read(await bob.layer.incoming(wire));
    expect(message).toMatchObject({ body: url, file: { url }, security: 'encrypted' });
    const aesgcm = `aesgcm://upload.x/abc/cat.png#${'ab'.repeat(44)}`;
    const sealedLink = await alice.layer.outgoing(chatMessage('bob@x', 'f2', aesgcm, { file: aesgcm }));
    expect(sealedLink.toString()).not.toContain('aesgcm');
    sealedLink.attrs.from = 'alice@x/web';
    expect(read(await bob.layer.incoming(sealedLink))[0]).toMatchObject({ body: aesgcm, file: { url: aesgcm } });
  }, 60_000);

  it('explains a damaged message instead of showing nothing, and keeps working', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const first = await alice.layer.outgoing(chatMessage('bob@x', 'm1', 'one'));
    first.attrs.from = 'alice@x/web';
    await bob.layer.incoming(first);
    const damaged = await alice.layer.outgoing(chatMessage('bob@x', 'm2', 'two'));
    damaged.attrs.from = 'alice@x/web';
    const payload = encryptedOf(damaged)!.getChild('payload')!;
    const text = payload.getText();
    payload.children = [`${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`];
    const [broken] = read(await bob.layer.incoming(damaged));
    expect(broken).toMatchObject({ id: 'm2', undecryptable: 'corrupted', body: explainOmemoError(new OmemoError('corrupted', '')) });
    const third = await alice.layer.outgoing(chatMessage('bob@x', 'm3', 'three'));
    third.attrs.from = 'alice@x/web';
    expect(read(await bob.layer.incoming(third))[0]).toMatchObject({ body: 'three', security: 'encrypted' });
  }, 60_000);

  it('refuses to send to a contact without OMEMO devices until the user chooses plain text for that chat', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    await alice.layer.start();
    await expect(alice.layer.outgoing(chatMessage('carol@x', 'm1', 'hello'))).rejects.toBeInstanceOf(EncryptionRefusedError);
    expect(alice.layer.peer('carol@x').hasDevices).toBe(false);
    await alice.layer.setMode('carol@x', 'plain');
    const wire = await alice.layer.outgoing(chatMessage('carol@x', 'm2', 'hello'));
    expect(wire.getChildText('body')).toBe('hello');
    expect(alice.protections).toEqual(['unencrypted']);
    // A file link with its key in the fragment is never sent in plain text, whatever the chat's choice.
    await expect(alice.layer.outgoing(chatMessage('carol@x', 'm3', `aesgcm://x/f.png#${'0'.repeat(88)}`))).rejects.toBeInstanceOf(EncryptionRefusedError);
  }, 60_000);

  it('waits for a new contact whose first device appears a moment later, instead of refusing at once', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const slowStore = new MemoryOmemoStore();
    const bob = new OmemoLayer({ connection: pep.connection('bob@x', []), jid: 'bob@x', store: slowStore, preKeyCount: 3, onSent: () => {} });
    await alice.layer.start();
    const waiting = new OmemoLayer({ connection: pep.connection('alice@x', alice.sent), jid: 'alice@x', store: new MemoryOmemoStore(), preKeyCount: 3, deviceWaitMs: 5000, onSent: () => {} });
    await waiting.start();
    const sent = waiting.outgoing(chatMessage('bob@x', 'w1', 'welcome'));
    setTimeout(() => void bob.start(), 1200); // bob's browser finishes making keys after the message was written
    const wire = await sent;
    expect(encryptedOf(wire)).toBeTruthy();
  }, 60_000);

  it('leaves a private message to a group chat occupant alone (the room address has no devices)', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    await alice.layer.start();
    const pm = chatMessage('room@conference.x/Bob', 'pm1', 'psst');
    pm.append(xml('x', { xmlns: NS.MUC_USER }));
    const wire = await alice.layer.outgoing(pm);
    expect(wire.getChildText('body')).toBe('psst');
    expect(encryptedOf(wire)).toBeUndefined();
  }, 60_000);

  it('marks plain messages as unencrypted and drops a forged mark', async () => {
    const pep = new FakePep();
    const bob = person(pep, 'bob@x');
    const forged = xml('message', { type: 'chat', from: 'mallory@x/a', to: 'bob@x', id: 'f1' }, xml('body', {}, 'trust me'), securityMark({ security: 'encrypted-verified' }));
    const result = await bob.layer.incoming(forged);
    expect(readSecurityMark(result)).toEqual({ security: 'unencrypted' });
  }, 60_000);

  it('sends nothing before its own device is announced: the bundle and device list go out first', async () => {
    const pep = new FakePep();
    const bob = person(pep, 'bob@x');
    await bob.layer.start();
    const alice = person(pep, 'alice@x');
    const sending = alice.layer.outgoing(chatMessage('bob@x', 'first', 'hello from a brand-new account'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pep.log.filter((l) => l.startsWith('publish alice@x'))).toEqual([]);
    void alice.layer.start();
    await sending;
    const aliceDevice = (await alice.layer.account()).deviceId;
    const announced = pep.log.findIndex((l) => l === `publish alice@x ${NS.OMEMO_LEGACY}.devicelist`);
    expect(pep.log.findIndex((l) => l === `publish alice@x ${NS.OMEMO_LEGACY}.bundles:${aliceDevice}`)).toBeLessThan(announced);
    expect(announced).toBeGreaterThanOrEqual(0);
    expect(alice.layer.deviceSince).toBeLessThanOrEqual(Date.now());
    // Announced once is enough: a reload of the same device sends at once, even before announcing again.
    const reloaded = person(pep, 'alice@x', { store: alice.store });
    await expect(reloaded.layer.outgoing(chatMessage('bob@x', 'second', 'again'))).resolves.toBeDefined();
  }, 60_000);

  it('shows nothing for an empty OMEMO message it cannot open, nor for a key transport that carries a body', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    const bobsOtherBrowser = person(pep, 'bob@x');
    await Promise.all([alice.layer.start(), bob.layer.start()]);
    await bobsOtherBrowser.layer.start();
    // Alice's pre-key message makes Bob's browser answer with a heartbeat; its carbon reaches his other browser.
    const hello = await alice.layer.outgoing(chatMessage('bob@x', 'h1', 'hi'));
    hello.attrs.from = 'alice@x/web';
    await bob.layer.incoming(hello);
    const heartbeat = bob.sent.find((s) => encryptedOf(s) && !s.getChild('body'))!;
    expect(heartbeat).toBeDefined();
    const carbonCopy = xml('message', { ...heartbeat.attrs, from: 'bob@x/web' }, ...heartbeat.getChildElements());
    const seen = await bobsOtherBrowser.layer.incoming(carbonCopy);
    expect(parseMessage(seen, { self: 'bob@x' })).toEqual([]);
    // A key transport with a body beside it (a forged or confused sender): the body is not believed.
    const transport = await (await alice.layer.account()).encryptKeyTransport(['bob@x']);
    const withBody = xml('message', { type: 'chat', from: 'alice@x/web', to: 'bob@x', id: 'kt' }, xml('body', {}, 'click here'), transport.element);
    expect(read(await bob.layer.incoming(withBody))).toEqual([]);
    const forOtherDevice = xml('message', { type: 'chat', from: 'alice@x/web', to: 'bob@x', id: 'kt2' }, xml('body', {}, 'click here'), (await (await alice.layer.account()).encryptKeyTransport([{ jid: 'bob@x', deviceIds: [(await bob.layer.account()).deviceId] }])).element);
    expect(parseMessage(await bobsOtherBrowser.layer.incoming(forOtherDevice), { self: 'bob@x' })).toEqual([]);
  }, 60_000);

  it("a chat's choice of plain text holds on the account's other devices, at login and live", async () => {
    const pep = new FakePep();
    const phone = person(pep, 'alice@x');
    await phone.layer.start();
    await phone.layer.setMode('carol@x', 'plain');
    // Stored privately on the server: only the account's own devices may read it.
    const browser = person(pep, 'alice@x');
    await browser.layer.start();
    expect((await browser.layer.checkPeer('carol@x')).mode).toBe('plain');
    await phone.layer.setMode('carol@x', 'omemo');
    await expect.poll(async () => (await browser.layer.checkPeer('carol@x')).mode).toBe('omemo');
    await browser.layer.setMode('dave@x', 'plain');
    await expect.poll(async () => (await phone.layer.checkPeer('dave@x')).mode).toBe('plain');
  }, 60_000);

  it("lists the account's other devices with their names, fingerprints and last activity", async () => {
    const pep = new FakePep();
    const phone = person(pep, 'alice@x');
    await phone.layer.start();
    await phone.layer.renameThisDevice('Work laptop');
    const browser = person(pep, 'alice@x');
    await browser.layer.start();
    const mine = await browser.layer.ownDevices();
    const phoneDevice = (await phone.layer.account()).deviceId;
    const other = mine.others.find((d) => d.deviceId === phoneDevice)!;
    expect(other).toMatchObject({ label: 'Work laptop', active: true });
    expect(other.lastActive).toBeGreaterThan(Date.now() - 60_000);
    expect(mine.current.fingerprint).toMatch(/^([0-9a-f]{8} ){7}[0-9a-f]{8}$/);
    // Removed while it is running: the phone learns it was removed on purpose and does not put itself back.
    await browser.layer.removeOwnDevice(other.deviceId);
    expect((await browser.layer.ownDevices()).others.filter((d) => d.active)).toEqual([]);
    await expect.poll(() => phone.layer.removed).toBe(true);
    await phone.layer.start();
    expect((await browser.layer.ownDevices()).others.filter((d) => d.active)).toEqual([]);
    await phone.layer.useAgain();
    expect((await browser.layer.ownDevices()).others.filter((d) => d.active).map((d) => d.deviceId)).toEqual([phoneDevice]);
  }, 60_000);
});
