import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { xml } from '@conexizan/protocol/xml';
import { createAccount, login } from '../../server/test/support/raw-xmpp.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { encryptionText, everythingStoredIn } from './support/encryption.ts';
import { startOmemoPeer, type OmemoPeer } from './support/omemo-peer.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * End-to-end encryption in the web client (OMEMO, eu.siacs.conversations.axolotl):
 * Olga (desktop, English) and Paul (phone, German) chat; every message shows
 * that it was encrypted, and nothing the server stored (its SQLite database
 * with the archive, in its data directory) contains what they wrote. A new
 * browser is a new device: it says plainly that older messages were not
 * encrypted for it, instead of showing nothing. Quinn uses python-omemo
 * (oldmemo over slixmpp, apps/server/test/interop/slixmpp/omemo_peer.py), an
 * implementation nobody here wrote, and talks with Olga both ways.
 */
describe('two web users chat with OMEMO', () => {
  let server: E2eServer;
  let browser: Browser;
  let olga: Person;
  let paul: Person;
  let quinn: OmemoPeer | undefined;
  let quinnDir = '';
  const OLGA = 'olga@localhost';
  const PAUL = 'paul@localhost';
  const SECRET_1 = 'the plan: meet at the old mill at 7';
  const SECRET_2 = 'Einverstanden – ich bringe die Karte mit';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [olga, paul] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
    ]);
  });
  afterAll(async () => {
    await quinn?.quit();
    if (quinnDir) await rm(quinnDir, { recursive: true, force: true });
    await browser?.close();
    await server?.dispose();
  });

  it('both register and become contacts', async () => {
    await olga.register('olga', 'olga omemo password 1');
    await paul.register('paul', 'paul omemo password 2');
    await makeContacts(olga, OLGA, paul, PAUL);
  });

  it('messages both ways arrive and each says it was encrypted', async () => {
    await olga.openChat(PAUL);
    await olga.page.getByText(encryptionText(olga).chatEncrypted).waitFor({ timeout: 60_000 });
    await olga.send(SECRET_1);
    await paul.openChat(OLGA);
    const received = paul.messages(SECRET_1);
    await received.waitFor({ timeout: 30_000 });
    await received.getByText(encryptionText(paul).encrypted, { exact: true }).waitFor();
    await paul.send(SECRET_2);
    const answer = olga.messages(SECRET_2);
    await answer.waitFor({ timeout: 30_000 });
    await answer.getByText(encryptionText(olga).encrypted, { exact: true }).waitFor();
    await olga.messages(SECRET_1).getByText(encryptionText(olga).encrypted, { exact: true }).waitFor();
    expect(await olga.unnamedControls()).toEqual([]);
    expect(await paul.unnamedControls()).toEqual([]);
  });

  it("the server's stored data (archive included) holds no plain text of those messages", async () => {
    // The archive does have them: as OMEMO messages, with the fallback body only.
    await expect.poll(async () => (await everythingStoredIn(server.dataDir)).includes('I sent you an OMEMO encrypted message'), { timeout: 20_000 }).toBe(true);
    const stored = await everythingStoredIn(server.dataDir);
    for (const secret of [SECRET_1, SECRET_2, 'old mill', 'Karte']) expect(stored.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  });

  it('a new browser is a new device: it says once, calmly, that the archived messages predate it', async () => {
    const again = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await again.login('olga', 'olga omemo password 1');
      await again.openChat(PAUL);
      await again.messageLog().getByRole('note').filter({ hasText: encryptionText(again).predates }).waitFor({ timeout: 30_000 });
      expect(await again.messageLog().getByRole('article').filter({ hasText: encryptionText(again).undecryptable }).count()).toBe(0);
      await expect(again.messages(SECRET_2).count()).resolves.toBe(0);
      expect(again.problems).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it("after a second device of Olga's appeared, her first browser still reads Paul's messages", async () => {
    const late = 'Bis gleich an der Mühle';
    await paul.send(late);
    await olga.messages(late).getByText(encryptionText(olga).encrypted, { exact: true }).waitFor({ timeout: 30_000 });
  });

  it("Olga compares Paul's fingerprint with the one his settings show, verifies it, and her next message says so", async () => {
    // Paul's own fingerprint, as his settings show it.
    await paul.page.getByRole('button', { name: paul.t.settings, exact: true }).click();
    const paulsOwn = paul.page.getByRole('region', { name: /Verschlüsselung/ }).locator('code.fingerprint').first();
    await paulsOwn.waitFor({ timeout: 30_000 });
    const fingerprint = (await paulsOwn.textContent())!.trim();
    expect(fingerprint).toMatch(/^([0-9a-f]{8} ){7}[0-9a-f]{8}$/);
    expect(await paul.unnamedControls()).toEqual([]);
    await paul.page.getByRole('button', { name: paul.t.closeSettings, exact: true }).click();
    await paul.openChat(OLGA);

    const text = encryptionText(olga);
    await olga.page.getByRole('button', { name: text.fingerprints, exact: true }).click();
    const dialog = olga.page.getByRole('dialog');
    const device = dialog.getByRole('listitem').filter({ hasText: fingerprint });
    await device.waitFor({ timeout: 30_000 });
    await dialog.getByRole('img', { name: /^QR code with the address olga@localhost/ }).waitFor({ timeout: 30_000 });
    expect(await olga.unnamedControls()).toEqual([]);
    await device.getByRole('button', { name: /verified$/ }).click();
    await device.getByText('Verified', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: text.close, exact: true }).click();
    await olga.send('now verified');
    await olga.messages('now verified').getByText(text.encryptedVerified, { exact: true }).waitFor({ timeout: 30_000 });
    await paul.messages('now verified').getByText(encryptionText(paul).encrypted, { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('Olga sees her other browser among her devices and removes it', async () => {
    await olga.page.getByRole('button', { name: olga.t.settings, exact: true }).click();
    const others = olga.page.getByRole('list', { name: 'Your other devices' });
    await others.getByRole('listitem').first().waitFor({ timeout: 30_000 });
    const before = await others.getByRole('listitem').count();
    await others.getByRole('button', { name: /^Remove device \d+$/ }).first().click();
    await expect.poll(() => others.getByRole('listitem').count(), { timeout: 30_000 }).toBe(before - 1);
    await olga.page.getByRole('button', { name: olga.t.closeSettings, exact: true }).click();
    await olga.openChat(PAUL);
  });

  it('a python-omemo user and a browser user read each other', async () => {
    const QUINN = 'quinn@localhost';
    await createAccount({ port: server.c2sPort, username: 'quinn', password: 'quinn python-omemo password' });
    quinnDir = await mkdtemp(join(tmpdir(), 'conexizan-e2e-omemo-'));
    quinn = await startOmemoPeer({ c2sPort: server.c2sPort, user: 'quinn', password: 'quinn python-omemo password', state: join(quinnDir, 'state.json') });
    await olga.addContact(QUINN);
    await olga.openChat(QUINN);
    await olga.page.getByText(encryptionText(olga).chatEncrypted).waitFor({ timeout: 60_000 });
    await olga.send('Hello Quinn, this is encrypted in a browser');
    const got = await quinn.next((o) => o.step === 'received' && o.text !== null, 'python-omemo to decrypt the browser message', 60_000);
    expect(got).toMatchObject({ from: OLGA, text: 'Hello Quinn, this is encrypted in a browser' });
    quinn.send({ cmd: 'send', to: OLGA, text: 'Hi Olga, python-omemo answering' });
    const sent = await quinn.next((o) => o.step === 'sent', 'python-omemo to encrypt for the browser', 60_000);
    expect((sent.devices as number[]).length).toBeGreaterThan(0);
    const answer = olga.messages('Hi Olga, python-omemo answering');
    await answer.waitFor({ timeout: 30_000 });
    await answer.getByText(encryptionText(olga).encrypted, { exact: true }).waitFor();
    const stored = await everythingStoredIn(server.dataDir);
    for (const secret of ['encrypted in a browser', 'python-omemo answering']) expect(stored.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  });

  it('bad OMEMO messages are explained on the message (a key transport with a body shows nothing), and the chat keeps working', async () => {
    await olga.page.getByRole('button', { name: olga.t.settings, exact: true }).click();
    const deviceText = await olga.page.getByText(/^This browser is device \d+\.$/).textContent({ timeout: 30_000 });
    const olgaDevice = deviceText!.match(/\d+/)![0];
    await olga.page.getByRole('button', { name: olga.t.closeSettings, exact: true }).click();
    await olga.openChat(PAUL);
    // Another connection of Paul's account, sending what a broken or hostile client might.
    const raw = await login({ port: server.c2sPort, username: 'paul', password: 'paul omemo password 2', resource: 'raw' });
    const bogus = (id: string, rid: string, prekey: boolean) =>
      xml(
        'message',
        { to: OLGA, type: 'chat', id },
        xml('body', {}, 'I sent you an OMEMO encrypted message but your client does not seem to support that.'),
        xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('header', { sid: '4242' }, xml('key', { rid, ...(prekey ? { prekey: 'true' } : {}) }, Buffer.from('not a signal message at all').toString('base64')), xml('iv', {}, Buffer.alloc(12, 7).toString('base64'))), xml('payload', {}, Buffer.from('garbage').toString('base64'))),
        xml('store', { xmlns: 'urn:xmpp:hints' }),
      );
    // A key transport (an OMEMO element without a payload) that carries a <body> beside it: the body is not believed.
    const keyTransport = xml(
      'message',
      { to: OLGA, type: 'chat', id: 'bad-key-transport' },
      xml('body', {}, 'key transport with a body: transfer the money now'),
      xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('header', { sid: '4242' }, xml('key', { rid: olgaDevice }, Buffer.from('no signal message').toString('base64')), xml('iv', {}, Buffer.alloc(12, 3).toString('base64')))),
    );
    try {
      raw.send(keyTransport);
      raw.send(bogus('bad-corrupt', olgaDevice, true));
      raw.send(bogus('bad-other-device', '12345', false));
      const text = encryptionText(olga);
      const explained = olga.messageLog().getByRole('article').filter({ hasText: text.undecryptable });
      await expect.poll(() => explained.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      await olga.messageLog().getByRole('article').filter({ hasText: text.notForThisDevice }).last().waitFor();
      // Sent before those two, so handled before them (messages are handled in order): nothing of it shows.
      expect(await olga.messages('transfer the money').count()).toBe(0);
    } finally {
      await raw.close();
    }
    await paul.send('still readable after the junk');
    // Olga verified Paul's browser earlier.
    await olga.messages('still readable after the junk').getByText(encryptionText(olga).encryptedVerified, { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('nothing went wrong on the pages', () => {
    expect(olga.problems).toEqual([]);
    expect(paul.problems).toEqual([]);
  });
});
