import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { xml } from '@conexizan/protocol/xml';
import { generateOxKey, parsePubkey, parsePublicKeysList, sealSigncrypt } from '@conexizan/crypto/openpgp';
import { createAccount, login } from '../../server/test/support/raw-xmpp.ts';
import en from '../src/i18n/en.json' with { type: 'json' };
import de from '../src/i18n/de.json' with { type: 'json' };
import { launchChromium } from './support/browser.ts';
import { everythingStoredIn } from './support/encryption.ts';
import { makeContacts, Person } from './support/person.ts';
import { ProfanityPeer } from './support/profanity.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * OpenPGP for XMPP (XEP-0373/0374) in the web client, beside OMEMO: Ada
 * (desktop, English) creates her key in the browser, Bea (phone, German)
 * imports one she made with GnuPG; they choose OpenPGP for their chat and
 * read each other, each message saying it went with OpenPGP. Finn uses
 * profanity (Debian, built with GPGME: its /ox commands, keys in GnuPG) and
 * talks with Ada both ways. The server's data holds none of the texts. Ada
 * backs her key up on the server (a backup code shown once) and restores it
 * in a new browser, which then reads the OpenPGP history. A message from
 * Bea's account signed with another key says it may be forged.
 */
describe('OpenPGP for XMPP between browsers and profanity', () => {
  let server: E2eServer;
  let browser: Browser;
  let ada: Person;
  let bea: Person;
  let finn: ProfanityPeer | undefined;
  let home = '';
  const ADA = 'ada@localhost';
  const BEA = 'bea@localhost';
  const FINN = 'finn@localhost';
  const texts = (p: Person) => (p.lang === 'de' ? de : en);
  const gpgIn = (dir: string) => (args: string[], input?: string | Buffer) =>
    execFileSync('gpg', ['--homedir', dir, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  const gpgHomes: string[] = [];
  let adaFingerprint = '';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [ada, bea] = await Promise.all([Person.open(browser, server.url, { size: 'desktop', lang: 'en' }), Person.open(browser, server.url, { size: 'phone', lang: 'de' })]);
    home = await mkdtemp(join(tmpdir(), 'conexizan-e2e-ox-'));
  });
  afterAll(async () => {
    await finn?.quit();
    for (const dir of gpgHomes) execFileSync('gpgconf', ['--homedir', dir, '--kill', 'all']);
    if (home) await rm(home, { recursive: true, force: true });
    await browser?.close();
    await server?.dispose();
  });

  async function openSettings(person: Person) {
    await person.showContacts();
    await person.page.getByRole('button', { name: person.t.settings, exact: true }).click();
    return person.page.getByRole('region', { name: texts(person).openpgp.title });
  }
  async function closeSettings(person: Person) {
    await person.page.getByRole('button', { name: person.t.closeSettings, exact: true }).click();
  }
  /** The fingerprint Settings shows, without its spaces. */
  async function fingerprintIn(person: Person): Promise<string> {
    const section = await openSettings(person);
    const shown = await section.locator('code.fingerprint').textContent({ timeout: 60_000 });
    await closeSettings(person);
    return (shown ?? '').replace(/\s+/g, '');
  }
  async function useOpenPgp(person: Person, peer: string) {
    await person.openChat(peer);
    await person.page.getByRole('button', { name: texts(person).openpgp.useInChat, exact: true }).click({ timeout: 30_000 });
    await person.page.getByText(texts(person).openpgp.chatEncrypted).waitFor({ timeout: 30_000 });
  }
  const sentWithOpenPgp = (person: Person, text: string) => person.messages(text).getByText(texts(person).openpgp.encrypted, { exact: true });

  it('Ada creates an OpenPGP key in the browser; Bea imports the one she made with GnuPG', async () => {
    await ada.register('ada', 'ada openpgp password 1');
    await bea.register('bea', 'bea openpgp password 2');
    await makeContacts(ada, ADA, bea, BEA);

    const section = await openSettings(ada);
    await section.getByRole('button', { name: en.openpgp.generate, exact: true }).click();
    await section.locator('code.fingerprint').waitFor({ timeout: 60_000 });
    await closeSettings(ada);
    adaFingerprint = await fingerprintIn(ada);
    expect(adaFingerprint).toMatch(/^[0-9A-F]{40}$/);

    const beaGpg = join(home, 'bea-gnupg');
    await mkdir(beaGpg, { mode: 0o700 });
    gpgHomes.push(beaGpg);
    gpgIn(beaGpg)(['--quick-generate-key', `xmpp:${BEA}`, 'future-default', 'default', '1y']);
    const secret = gpgIn(beaGpg)(['--armor', '--export-secret-keys', `xmpp:${BEA}`]);
    const beaSection = await openSettings(bea);
    await beaSection.getByLabel(de.openpgp.import, { exact: true }).setInputFiles({ name: 'bea-secret.asc', mimeType: 'application/pgp-keys', buffer: secret });
    await beaSection.locator('code.fingerprint').waitFor({ timeout: 60_000 });
    const gpgFingerprint = /fpr:{9}([0-9A-F]{40}):/.exec(gpgIn(beaGpg)(['--with-colons', '--list-keys', `xmpp:${BEA}`]).toString())![1]!;
    expect((await beaSection.locator('code.fingerprint').textContent())!.replace(/\s+/g, '')).toBe(gpgFingerprint);
    await closeSettings(bea);
  });

  it('they choose OpenPGP for their chat and read each other; each message says it went with OpenPGP', async () => {
    await useOpenPgp(ada, BEA);
    await ada.send('OpenPGP from Ada: the keys are under the mat');
    await useOpenPgp(bea, ADA);
    await sentWithOpenPgp(bea, 'OpenPGP from Ada: the keys are under the mat').waitFor({ timeout: 60_000 });
    await bea.send('Antwort mit OpenPGP: danke, ich hole sie ab');
    await sentWithOpenPgp(ada, 'Antwort mit OpenPGP: danke, ich hole sie ab').waitFor({ timeout: 60_000 });
    await sentWithOpenPgp(ada, 'OpenPGP from Ada: the keys are under the mat').waitFor();
    // The fingerprint Ada's chat shows for Bea is the one Bea's settings show; Ada marks it verified.
    const shown = (await ada.page.getByText(en.openpgp.theirFingerprint.replace('{{name}}', BEA)).locator('code.fingerprint').textContent())!.replace(/\s+/g, '');
    expect(shown).toBe(await fingerprintIn(bea));
    await ada.page.getByRole('checkbox', { name: en.openpgp.verified }).check();
    await ada.page.getByRole('checkbox', { name: en.openpgp.verified, checked: true }).waitFor();
    await ada.send('now verified');
    await ada.messages('now verified').getByText(en.openpgp.encryptedVerified, { exact: true }).waitFor({ timeout: 30_000 });
    expect(await ada.unnamedControls()).toEqual([]);
    expect(await bea.unnamedControls()).toEqual([]);
  });

  it('profanity (/ox, GnuPG) and Ada read each other', async () => {
    const finnHome = join(home, 'finn');
    const gnupg = join(finnHome, '.gnupg');
    await mkdir(gnupg, { recursive: true, mode: 0o700 });
    gpgHomes.push(gnupg);
    // profanity encrypts to keys GnuPG trusts; trust on first use, as the web client does.
    await writeFile(join(gnupg, 'gpg.conf'), 'trust-model always\n');
    gpgIn(gnupg)(['--quick-generate-key', `xmpp:${FINN}`, 'future-default', 'default', '1y']);
    const keyFile = join(finnHome, 'finn.gpg');
    gpgIn(gnupg)(['--export', '--export-options', 'export-minimal', '--output', keyFile, `xmpp:${FINN}`]);
    await createAccount({ port: server.c2sPort, username: 'finn', password: 'finn uses profanity' });
    finn = await ProfanityPeer.start({ home: finnHome, user: 'finn', password: 'finn uses profanity', port: server.c2sPort });
    await finn.type(`/ox announce ${keyFile}`);
    // Contacts both ways: profanity's key nodes are readable by contacts.
    await ada.addContact(FINN);
    await finn.waitForScreen(new RegExp(`(authori[sz]ation|subscription)[^\\n]*${ADA}|${ADA}[^\\n]*(authori[sz]ation|subscription)`, 'i'), 'profanity to show Ada’s contact request');
    await finn.type(`/sub allow ${ADA}`);
    await finn.type(`/sub request ${ADA}`);
    // Ada's web client may take Finn's request as the answer to hers, or ask her: either way she sees him online.
    await expect
      .poll(async () => {
        await ada.acceptIfAsked(FINN);
        return ada.contactSummary(FINN);
      }, { timeout: 30_000 })
      .toMatch(/\bonline\b/);

    await finn.type(`/ox request ${ADA} ${adaFingerprint}`);
    await finn.waitForScreen(/Public Key imported/i, 'profanity to import Ada’s key');
    await useOpenPgp(ada, FINN);
    await ada.send('Ada to Finn over OpenPGP');
    await finn.type(`/msg ${ADA}`);
    await finn.waitForScreen(/Ada to Finn over OpenPGP/, 'profanity to decrypt Ada’s message');
    await finn.type('/ox start');
    await finn.type('Finn answers with GnuPG');
    try {
      await sentWithOpenPgp(ada, 'Finn answers with GnuPG').waitFor({ timeout: 60_000 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nAda's chat: ${await ada.messageLog().textContent()}\nprofanity: ${(await finn.screen()).slice(-3000)}`, { cause: error });
    }
  });

  it("the server's stored data holds none of the texts", async () => {
    await expect.poll(async () => (await everythingStoredIn(server.dataDir)).includes(NS.OPENPGP), { timeout: 20_000 }).toBe(true);
    const stored = await everythingStoredIn(server.dataDir);
    for (const secret of ['under the mat', 'ich hole sie ab', 'now verified', 'Ada to Finn', 'Finn answers']) expect(stored.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  });

  it('a message from Bea’s account signed with another key says it may be forged, and does not show its text', async () => {
    const raw = await login({ port: server.c2sPort, username: 'bea', password: 'bea openpgp password 2', resource: 'forger' });
    try {
      const items = (node: string) => raw.iq(xml('iq', { type: 'get', to: ADA }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node, max_items: '1' }))));
      const list = parsePublicKeysList((await items(`${NS.OPENPGP}:public-keys`)).getChild('pubsub', NS.PUBSUB)!.getChild('items')!.getChild('item')!.getChildElements()[0]);
      const adaKey = parsePubkey((await items(`${NS.OPENPGP}:public-keys:${list[0]!.fingerprint}`)).getChild('pubsub', NS.PUBSUB)!.getChild('items')!.getChild('item')!.getChildElements()[0]);
      const other = await generateOxKey(BEA);
      const forged = await sealSigncrypt({ content: [xml('body', { xmlns: NS.CLIENT }, 'forged: meet at the other place')], to: [ADA], secretKey: other.secretKey, encryptionKeys: [adaKey] });
      raw.send(xml('message', { to: ADA, type: 'chat', id: 'forged-1' }, forged, xml('body', {}, 'forged: meet at the other place')));
      await ada.openChat(BEA);
      await ada.page.getByText(en.encryption.errors['bad-signature']).waitFor({ timeout: 30_000 });
      expect(await ada.messages('forged: meet at the other place').count()).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it('Ada backs up her key on the server (a code shown once) and restores it in a new browser, which reads the OpenPGP history', async () => {
    const section = await openSettings(ada);
    await section.getByRole('button', { name: en.openpgp.backUp, exact: true }).click();
    const code = (await section.getByLabel(en.openpgp.backupCode).textContent({ timeout: 60_000 }))!.trim();
    expect(code).toMatch(/^([1-9A-NP-Z]{4}-){5}[1-9A-NP-Z]{4}$/);
    await section.getByRole('button', { name: en.openpgp.codeNoted, exact: true }).click();
    await section.getByText(en.openpgp.backedUp).waitFor();
    await closeSettings(ada);

    const laptop = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await laptop.login('ada', 'ada openpgp password 1');
      const fresh = await openSettings(laptop);
      const typed = fresh.getByRole('textbox', { name: en.openpgp.backupCode, exact: true });
      await typed.fill('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA');
      await fresh.getByRole('button', { name: en.openpgp.restore, exact: true }).click();
      await fresh.getByText(en.openpgp.errors['bad-backup-code']).waitFor({ timeout: 60_000 });
      await typed.fill(code.toLowerCase());
      await fresh.getByRole('button', { name: en.openpgp.restore, exact: true }).click();
      await fresh.locator('code.fingerprint').waitFor({ timeout: 60_000 });
      expect((await fresh.locator('code.fingerprint').textContent())!.replace(/\s+/g, '')).toBe(adaFingerprint);
      await closeSettings(laptop);
      // The archive's OpenPGP messages open with the restored key (unlike OMEMO's, which were for other devices).
      await laptop.openChat(BEA);
      await sentWithOpenPgp(laptop, 'Antwort mit OpenPGP: danke, ich hole sie ab').waitFor({ timeout: 60_000 });
      await bea.openChat(ADA);
      await bea.send('Neue Nachricht nach der Wiederherstellung');
      await sentWithOpenPgp(laptop, 'Neue Nachricht nach der Wiederherstellung').waitFor({ timeout: 60_000 });
    } finally {
      await laptop.close();
    }
  });

  it('nothing went wrong on the pages', () => {
    expect(ada.problems).toEqual([]);
    expect(bea.problems).toEqual([]);
  });
});
