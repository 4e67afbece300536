import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { NS, xml, type Element } from '@conexizan/protocol';
import { base64Decode } from '@conexizan/crypto/bytes';
import { openBackup } from '@conexizan/crypto/backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, login, type RawXmppConnection } from '../../server/test/support/raw-xmpp.ts';
import { launchChromium } from './support/browser.ts';
import { scramSaltedPasswords, secretsOnDisk, type Secret } from './support/disk.ts';
import { choosePlainText, encryptionText } from './support/encryption.ts';
import { startOmemoPeer, type OmemoPeer } from './support/omemo-peer.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * One person, several browsers (issue 16's "several devices without
 * confusion", issue 19's "logout leaves secrets on disk"). Rosa uses a
 * desktop browser (English) and a phone (German), then a third browser whose
 * profile is kept on disk so the test can read what it leaves there; Sam
 * writes to her from his browser. A raw connection of Rosa's account watches
 * her stream, so the test knows when the empty OMEMO messages (heartbeats)
 * that used to become fake bubbles have gone by. Quinn is python-omemo.
 */
describe('several browsers of one person', () => {
  let server: E2eServer;
  let browser: Browser;
  let rosaA: Person;
  let rosaB: Person;
  let sam: Person;
  let rosaC: Person | undefined;
  let watcher: RawXmppConnection | undefined;
  let quinn: OmemoPeer | undefined;
  const dirs: string[] = [];
  const ROSA = 'rosa@localhost';
  const SAM = 'sam@localhost';
  const TOM = 'tom@localhost';
  const QUINN = 'quinn@localhost';
  const ROSA_PASSWORD = 'rosa has several browsers';
  /** empty OMEMO messages seen in Rosa's stream so far (heartbeats, directly or as carbons) */
  const emptyOmemoSeen = (): number =>
    (watcher?.inbox.received ?? []).filter((el: Element) => {
      const carbon = el.getChild('sent', NS.CARBONS) ?? el.getChild('received', NS.CARBONS);
      const message = carbon?.getChild('forwarded', NS.FORWARD)?.getChild('message') ?? el;
      const encrypted = message.getChild('encrypted', NS.OMEMO) ?? message.getChild('encrypted', NS.OMEMO_LEGACY);
      return encrypted !== undefined && !encrypted.getChild('payload');
    }).length;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [rosaA, rosaB, sam] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
    ]);
  });
  afterAll(async () => {
    watcher?.destroy();
    await quinn?.quit();
    await rosaC?.close().catch(() => {});
    await browser?.close();
    await server?.dispose();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  }

  it('Rosa registers in one browser and logs in from a second; Sam becomes her contact', async () => {
    await rosaA.register('rosa', ROSA_PASSWORD);
    await rosaB.login('rosa', ROSA_PASSWORD);
    await sam.register('sam', 'sam writes to rosa');
    watcher = await login({ port: server.c2sPort, username: 'rosa', password: ROSA_PASSWORD, resource: 'watcher', presence: false });
    watcher.send(xml('iq', { type: 'set', id: 'carbons' }, xml('enable', { xmlns: NS.CARBONS })));
    watcher.send(xml('presence', {}, xml('priority', {}, '-1')));
    await makeContacts(rosaA, ROSA, sam, SAM);
  });

  it("messages show in both of Rosa's browsers, and no bubble appears that nobody sent", async () => {
    await sam.openChat(ROSA);
    await sam.page.getByText(encryptionText(sam).chatEncrypted).waitFor({ timeout: 60_000 });
    await sam.send('one: Sam to Rosa');
    await rosaA.openChat(SAM);
    await rosaB.openChat(SAM);
    for (const rosa of [rosaA, rosaB]) await rosa.messages('one: Sam to Rosa').getByText(encryptionText(rosa).encrypted, { exact: true }).waitFor({ timeout: 30_000 });
    await rosaA.send('two: Rosa on her desktop');
    await sam.messages('two: Rosa on her desktop').waitFor({ timeout: 30_000 });
    // Her phone shows what she wrote on the desktop (a carbon copy, encrypted for it too).
    await rosaB.messages('two: Rosa on her desktop').getByText(encryptionText(rosaB).encrypted, { exact: true }).waitFor({ timeout: 30_000 });
    await rosaB.send('drei: Rosa am Telefon');
    await sam.messages('drei: Rosa am Telefon').waitFor({ timeout: 30_000 });
    await rosaA.messages('drei: Rosa am Telefon').getByText(encryptionText(rosaA).encrypted, { exact: true }).waitFor({ timeout: 30_000 });
    // The pre-key messages above were each answered with an empty OMEMO message (a heartbeat), and
    // Rosa's browsers received those and their carbons: the cause of the fake bubbles.
    await expect.poll(emptyOmemoSeen, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    for (const person of [rosaA, rosaB, sam]) {
      expect(await person.messageLog().getByRole('article').count()).toBe(3);
      expect(await person.messageLog().getByRole('article').filter({ hasText: encryptionText(person).undecryptable }).count()).toBe(0);
    }
    // Nobody has a chat with their own address.
    expect(await rosaA.contactSummary(ROSA)).toBe('');
    expect(await rosaB.contactSummary(ROSA)).toBe('');
    await rosaA.openChat(SAM);
    await rosaB.openChat(SAM);
  });

  it("Rosa's choice to write to a contact in plain text holds in her other browser", async () => {
    await createAccount({ port: server.c2sPort, username: 'tom', password: 'tom has no encryption' });
    await rosaA.addContact(TOM);
    await rosaA.openChat(TOM);
    await choosePlainText(rosaA);
    await rosaB.openChat(TOM);
    await rosaB.page.getByText(encryptionText(rosaB).chatPlain).waitFor({ timeout: 30_000 });
    await rosaB.openChat(SAM);
    await rosaA.openChat(SAM);
  });

  it('Settings lists her other browser by name, fingerprint and last activity', async () => {
    await rosaB.page.getByRole('button', { name: rosaB.t.settings, exact: true }).click();
    const phoneFingerprint = (await rosaB.page.locator('code.fingerprint').first().textContent({ timeout: 30_000 }))!.trim();
    const phoneDevice = (await rosaB.page.getByText(/^Dieser Browser ist Gerät \d+\.$/).textContent())!.match(/\d+/)![0];
    await rosaB.page.getByRole('button', { name: rosaB.t.closeSettings, exact: true }).click();
    await rosaB.openChat(SAM);

    await rosaA.page.getByRole('button', { name: rosaA.t.settings, exact: true }).click();
    const others = rosaA.page.getByRole('list', { name: 'Your other devices' });
    const phone = others.getByRole('listitem').filter({ hasText: `Device ${phoneDevice}` });
    await phone.waitFor({ timeout: 30_000 });
    await phone.getByText('Chromium on Linux').waitFor();
    await phone.getByText(phoneFingerprint, { exact: true }).waitFor();
    await phone.getByText(/^Last active /).waitFor();
    expect(await rosaA.unnamedControls()).toEqual([]);
    await others.scrollIntoViewIfNeeded();
    await rosaA.shot('own-devices');
    await rosaA.page.getByRole('button', { name: rosaA.t.closeSettings, exact: true }).click();
    await rosaA.openChat(SAM);
  });

  it('a third browser says once that older messages predate it, and reads what comes next', async () => {
    rosaC = await Person.openPersistent(await tempDir('conexizan-e2e-profile-'), server.url, { size: 'desktop', lang: 'en' });
    await rosaC.login('rosa', ROSA_PASSWORD, { stayLoggedIn: true });
    await rosaC.openChat(SAM);
    await rosaC.messageLog().getByRole('note').filter({ hasText: encryptionText(rosaC).predates }).waitFor({ timeout: 30_000 });
    expect(await rosaC.messageLog().getByRole('article').filter({ hasText: encryptionText(rosaC).undecryptable }).count()).toBe(0);
    await sam.send('four: for all of your browsers');
    for (const rosa of [rosaA, rosaB, rosaC]) await rosa.messages('four: for all of your browsers').getByText(encryptionText(rosa).encrypted, { exact: true }).waitFor({ timeout: 60_000 });
  });

  it('a browser she removes from another one stops receiving, and says why', async () => {
    await rosaB.page.getByRole('button', { name: rosaB.t.settings, exact: true }).click();
    const phoneDevice = (await rosaB.page.getByText(/^Dieser Browser ist Gerät \d+\.$/).textContent({ timeout: 30_000 }))!.match(/\d+/)![0];
    await rosaB.page.getByRole('button', { name: rosaB.t.closeSettings, exact: true }).click();
    await rosaB.openChat(SAM);

    await rosaA.page.getByRole('button', { name: rosaA.t.settings, exact: true }).click();
    await rosaA.page.getByRole('button', { name: `Remove device ${phoneDevice}`, exact: true }).click();
    await rosaA.page.getByRole('button', { name: `Remove device ${phoneDevice}`, exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
    await rosaA.page.getByRole('button', { name: rosaA.t.closeSettings, exact: true }).click();
    await rosaA.openChat(SAM);

    await rosaB.alert(encryptionText(rosaB).removedHere).waitFor({ timeout: 30_000 });
    // Sam's browser follows Rosa's device list: it no longer encrypts for the phone.
    await sam.send('five: after the phone was removed');
    for (const rosa of [rosaA, rosaC!]) await rosa.messages('five: after the phone was removed').waitFor({ timeout: 60_000 });
    await rosaB.messageLog().getByRole('article').filter({ hasText: encryptionText(rosaB).notForThisDevice }).last().waitFor({ timeout: 30_000 });
    expect(await rosaB.messages('five: after the phone was removed').count()).toBe(0);
  });

  it('logging out deletes her messages, keys and saved login from the disk, and the backup brings them back in a new browser', async () => {
    const profile = dirs[0]!;
    const saltedPasswords = await scramSaltedPasswords({ port: server.c2sPort, username: 'rosa', password: ROSA_PASSWORD });
    let secrets: Secret[] = [];
    const bodies: Secret[] = ['one: Sam to Rosa', 'four: for all of your browsers', 'five: after the phone was removed'].map((text) => ({ what: `message "${text}"`, text }));
    const backup = await rosaC!.logout({
      backup: true,
      beforeConfirm: async (made) => {
        const contents = (await openBackup(made!.file.toString('utf8'), made!.code)) as { omemo: Record<string, { priv?: string }> };
        const identityKey = base64Decode(contents.omemo.identity!.priv!);
        secrets = [
          ...saltedPasswords.map((bytes, i) => ({ what: `SCRAM SaltedPassword ${i}`, bytes })),
          { what: 'OMEMO identity private key', bytes: identityKey },
        ];
        // While logged in, the browser holds them only sealed; its messages are there (the search does find things).
        expect(await secretsOnDisk(profile, secrets)).toEqual([]);
        await expect.poll(async () => (await secretsOnDisk(profile, bodies)).length, { timeout: 30_000 }).toBeGreaterThan(0);
      },
    });
    await expect.poll(() => secretsOnDisk(profile, [...secrets, ...bodies]), { timeout: 30_000 }).toEqual([]);
    await rosaC!.page.getByRole('status').filter({ hasText: "This browser's messages and keys were deleted." }).waitFor();
    await rosaC!.close();
    rosaC = undefined;

    const rosaD = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await rosaD.restoreBackup(backup!);
      await rosaD.login('rosa', ROSA_PASSWORD);
      await rosaD.openChat(SAM);
      await rosaD.messages('four: for all of your browsers').waitFor({ timeout: 30_000 });
      // The same device again: Sam's next message is encrypted for it.
      await sam.send('six: to the restored browser');
      await rosaD.messages('six: to the restored browser').getByText(encryptionText(rosaD).encrypted, { exact: true }).waitFor({ timeout: 60_000 });
      expect(rosaD.problems).toEqual([]);
    } finally {
      await rosaD.close();
    }
  });

  it("a brand-new account's first message, sent right after registering, is read by python-omemo", async () => {
    await createAccount({ port: server.c2sPort, username: 'quinn', password: 'quinn python-omemo password' });
    quinn = await startOmemoPeer({ c2sPort: server.c2sPort, user: 'quinn', password: 'quinn python-omemo password', state: join(await tempDir('conexizan-e2e-omemo-'), 'state.json') });
    const vera = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await vera.register('vera', 'vera is brand new here');
      const registered = Date.now();
      await vera.addContact(QUINN);
      await vera.openChat(QUINN);
      await vera.send('my very first message, encrypted');
      const elapsed = Date.now() - registered;
      const got = await quinn.next((o) => o.step === 'received' || o.step === 'decrypt_failed', 'python-omemo to receive the first message', 60_000);
      expect(got, `sent ${elapsed} ms after registering`).toMatchObject({ step: 'received', from: 'vera@localhost', text: 'my very first message, encrypted' });
      expect(vera.problems).toEqual([]);
    } finally {
      await vera.close();
    }
  });

  it('nothing went wrong on the pages', () => {
    expect(rosaA.problems).toEqual([]);
    expect(rosaB.problems).toEqual([]);
    expect(sam.problems).toEqual([]);
  });
});
