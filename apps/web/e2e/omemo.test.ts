import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { encryptionText, everythingStoredIn } from './support/encryption.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * End-to-end encryption in the web client (OMEMO, eu.siacs.conversations.axolotl):
 * Olga (desktop, English) and Paul (phone, German) chat; every message shows
 * that it was encrypted, and nothing the server stored (its SQLite database
 * with the archive, in its data directory) contains what they wrote. A new
 * browser is a new device: it says plainly that older messages were not
 * encrypted for it, instead of showing nothing.
 */
describe('two web users chat with OMEMO', () => {
  let server: E2eServer;
  let browser: Browser;
  let olga: Person;
  let paul: Person;
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

  it('a new browser is a new device: the archived messages say they were not encrypted for it', async () => {
    const again = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await again.login('olga', 'olga omemo password 1');
      await again.openChat(PAUL);
      const explained = again.messageLog().getByRole('article').filter({ hasText: encryptionText(again).notForThisDevice });
      await expect.poll(() => explained.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
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

  it('nothing went wrong on the pages', () => {
    expect(olga.problems).toEqual([]);
    expect(paul.problems).toEqual([]);
  });
});
