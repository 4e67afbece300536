import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../src/i18n/en.json' with { type: 'json' };
import { createAccount } from '../../server/test/support/raw-xmpp.ts';
import { launchChromium } from './support/browser.ts';
import { startOmemoPeer, type OmemoPeer } from './support/omemo-peer.ts';
import { encryptionText, everythingStoredIn } from './support/encryption.ts';
import { makeContacts, makePng, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * Encrypted file transfer (XEP-0454, OMEMO media sharing) end to end, over
 * https as a browser needs it (the server's HTTPS listener, its self-signed
 * certificate accepted): Ada sends a picture and a document in an OMEMO
 * chat; they are sealed in her browser before the upload (an aesgcm:// link
 * whose fragment holds the key travels only inside the encrypted message),
 * Bea's browser decrypts them. Quinn (python-omemo) gets the link in an
 * OMEMO message, and Python's cryptography (AES-256-GCM), which nobody here
 * wrote, opens the upload with its key; the server's data directory holds
 * neither the bytes nor the key. In a chat set to OpenPGP a file is sealed
 * the same way.
 */
describe('encrypted files between two browsers over https', () => {
  let server: E2eServer;
  let browser: Browser;
  let ada: Person;
  let bea: Person;
  let quinn: OmemoPeer | undefined;
  let quinnDir = '';
  const ADA = 'ada@localhost';
  const BEA = 'bea@localhost';
  const DOCUMENT = Buffer.from(`minutes of the meeting: ${'the budget stays confidential. '.repeat(40)}`, 'utf8');

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ https: true }), launchChromium()]);
    const url = `https://localhost:${server.httpsPort}/chat/`;
    [ada, bea] = await Promise.all([Person.open(browser, url, { size: 'desktop', lang: 'en', acceptSelfSigned: true }), Person.open(browser, url, { size: 'phone', lang: 'de', acceptSelfSigned: true })]);
    await ada.register('ada', 'ada files password 1');
    await bea.register('bea', 'bea files password 2');
    await makeContacts(ada, ADA, bea, BEA);
  });
  afterAll(async () => {
    await quinn?.quit();
    if (quinnDir) await rm(quinnDir, { recursive: true, force: true });
    await browser?.close();
    await server?.dispose();
  });

  it('a picture sent in an OMEMO chat is sealed before the upload and shown decrypted on the other side', async () => {
    await ada.openChat(BEA);
    await ada.page.getByText(encryptionText(ada).chatEncrypted).waitFor({ timeout: 60_000 });
    const png = await makePng(ada.page);
    await ada.attach({ name: 'plan.png', mimeType: 'image/png', buffer: png });
    await bea.openChat(ADA);
    for (const person of [ada, bea]) {
      const image = person.messageLog().getByRole('article').locator('img').last();
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 60_000 }).toBe(64);
      await person.messageLog().getByRole('article').last().getByText(encryptionText(person).encrypted, { exact: true }).waitFor();
    }
  });

  it('a document opens on request, byte for byte', async () => {
    await ada.attach({ name: 'minutes.txt', mimeType: 'text/plain', buffer: DOCUMENT });
    const button = bea.page.getByRole('button', { name: 'minutes.txt entschlüsseln und öffnen', exact: true });
    await button.click({ timeout: 60_000 });
    const save = bea.page.getByRole('link', { name: 'minutes.txt speichern', exact: true });
    const [download] = await Promise.all([bea.page.waitForEvent('download'), save.click()]);
    const path = await download.path();
    expect(execFileSync('cat', [path])).toEqual(DOCUMENT);
  });

  it("python-omemo receives the link, Python's AES-GCM opens the upload with its key, and the server's data holds neither the bytes nor the key", async () => {
    const QUINN = 'quinn@localhost';
    await createAccount({ port: server.c2sPort, username: 'quinn', password: 'quinn python-omemo password' });
    quinnDir = await mkdtemp(join(tmpdir(), 'conexizan-e2e-files-'));
    quinn = await startOmemoPeer({ c2sPort: server.c2sPort, user: 'quinn', password: 'quinn python-omemo password', state: join(quinnDir, 'state.json') });
    await ada.addContact(QUINN);
    await ada.openChat(QUINN);
    await ada.page.getByText(encryptionText(ada).chatEncrypted).waitFor({ timeout: 60_000 });
    await ada.attach({ name: 'minutes.txt', mimeType: 'text/plain', buffer: DOCUMENT });
    const got = await quinn.next((o) => o.step === 'received' && typeof o.text === 'string' && o.text.startsWith('aesgcm://'), 'python-omemo to decrypt the file link', 60_000);
    const link = String(got.text);
    expect(link).toMatch(/^aesgcm:\/\/localhost:\d+\/.+minutes\.txt#[0-9a-f]{88}$/);
    const opened = execFileSync('python3', ['-c', PYTHON_OPEN, link.replace(/^aesgcm:/, 'https:')]);
    expect(opened).toEqual(DOCUMENT);
    const key = link.split('#')[1]!;
    const stored = await everythingStoredIn(server.dataDir);
    expect(stored.includes(Buffer.from('the budget stays confidential'))).toBe(false);
    expect(stored.includes(Buffer.from(key))).toBe(false);
    expect(stored.includes(Buffer.from(key.slice(24)))).toBe(false);
  });

  it('in a chat set to OpenPGP a file is sealed the same way', async () => {
    for (const person of [ada, bea]) {
      await person.showContacts();
      await person.page.getByRole('button', { name: person.t.settings, exact: true }).click();
      const section = person.page.getByRole('region', { name: en.openpgp.title });
      await section.getByRole('button', { name: person.lang === 'de' ? 'OpenPGP-Schlüssel erstellen' : en.openpgp.generate, exact: true }).click();
      await section.locator('code.fingerprint').waitFor({ timeout: 60_000 });
      await person.page.getByRole('button', { name: person.t.closeSettings, exact: true }).click();
    }
    await ada.openChat(BEA);
    await ada.page.getByRole('button', { name: en.openpgp.useInChat, exact: true }).click({ timeout: 30_000 });
    await ada.page.getByText(en.openpgp.chatEncrypted).waitFor({ timeout: 30_000 });
    await ada.attach({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('OpenPGP file: bring the second key') });
    await bea.openChat(ADA);
    await bea.page.getByRole('button', { name: 'notes.txt entschlüsseln und öffnen', exact: true }).waitFor({ timeout: 60_000 });
    await bea.messageLog().getByRole('article').last().getByText('Verschlüsselt (OpenPGP)', { exact: true }).waitFor();
    expect((await everythingStoredIn(server.dataDir)).includes(Buffer.from('bring the second key'))).toBe(false);
  });

  it('nothing went wrong on the pages', () => {
    // Chromium registers no service worker from a certificate it does not trust, whatever the test accepts: the only complaint allowed.
    const real = (problems: string[]) => problems.filter((p) => !p.includes('SSL certificate error occurred when fetching the script'));
    expect(real(ada.problems)).toEqual([]);
    expect(real(bea.problems)).toEqual([]);
  });
});

/**
 * XEP-0454 with Python's cryptography: GET the https URL (the test server's
 * self-signed certificate is not checked), then AES-256-GCM with the
 * fragment's 12-byte IV and 32-byte key; the tag is the last 16 bytes.
 */
const PYTHON_OPEN = `
import ssl, sys, urllib.request
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
url, fragment = sys.argv[1].split('#')
raw = bytes.fromhex(fragment)
iv, key = raw[:12], raw[12:]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
data = urllib.request.urlopen(url, context=context).read()
sys.stdout.buffer.write(AESGCM(key).decrypt(iv, data, None))
`;
