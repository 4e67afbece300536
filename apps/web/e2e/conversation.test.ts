import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE } from './support/browser.ts';
import { makePng, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { encryptionText } from './support/encryption.ts';

/**
 * Two people who have never used Conexizan: Alice on a desktop, Bob on a
 * phone, each in a browser of their own. They register, add each other,
 * chat both ways, send a picture, and still see their history after a
 * reload (the browser's copy) and in a fresh browser (the server's archive).
 */
describe('two new users chat in the web client', () => {
  let server: E2eServer;
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  const ALICE = 'alice@localhost';
  const BOB = 'bob@localhost';
  const ALICE_PASSWORD = 'alice correct horse 1';
  const BOB_PASSWORD = 'bob battery staple 2';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [alice, bob] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop' }),
      Person.open(browser, server.url, { size: 'phone' }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('both register from the start page and are online', async () => {
    await alice.shot('login');
    expect(await alice.horizontalOverflow()).toBe(0);
    expect(await alice.unnamedControls()).toEqual([]);
    await bob.shot('login');
    expect(await bob.horizontalOverflow()).toBe(0);
    expect(await bob.unnamedControls()).toEqual([]);
    await alice.register('alice', ALICE_PASSWORD, { stayLoggedIn: true, screenshot: true });
    await bob.register('bob', BOB_PASSWORD, { stayLoggedIn: true, screenshot: true });
    await expect.poll(() => alice.page.getByRole('banner').textContent()).toContain(ALICE);
    await expect.poll(() => bob.page.getByRole('banner').textContent()).toContain(BOB);
  });

  it('add each other: a request, accepted, makes them contacts both ways', async () => {
    await alice.addContact(BOB);
    await alice.contact(BOB).waitFor();
    await bob.acceptRequest(ALICE);
    await bob.contact(ALICE).waitFor();
    // Bob's client asks back when he accepts; Alice's may approve that by
    // itself (she asked first) or show it as a request to accept.
    await expect.poll(async () => {
      const request = alice.page.getByRole('button', { name: alice.t.accept(BOB), exact: true });
      if (await request.isVisible()) await request.click();
      return (await alice.contact(BOB).getAttribute('aria-label')) ?? (await alice.contact(BOB).textContent());
    }, { timeout: 30_000 }).toMatch(/online/);
    await expect.poll(async () => (await bob.contact(ALICE).getAttribute('aria-label')) ?? (await bob.contact(ALICE).textContent()), { timeout: 30_000 }).toMatch(/online/);
    await alice.shot('contacts');
    expect(await alice.horizontalOverflow()).toBe(0);
    expect(await alice.unnamedControls()).toEqual([]);
    await bob.shot('contacts');
    expect(await bob.horizontalOverflow()).toBe(0);
    expect(await bob.unnamedControls()).toEqual([]);
  });

  it('chat both ways', async () => {
    await alice.openChat(BOB);
    await alice.send('Hello Bob, it is Alice.');
    await alice.messages('Hello Bob, it is Alice.').waitFor();
    await bob.openChat(ALICE);
    await bob.messages('Hello Bob, it is Alice.').waitFor();
    await bob.send('Hi Alice! Bob here, on my phone.');
    await alice.messages('Hi Alice! Bob here, on my phone.').waitFor();
    await expect(alice.composer().inputValue()).resolves.toBe('');
    // From the keyboard: Shift+Enter starts a new line, Enter sends; the lines arrive as written.
    await bob.composer().click();
    await bob.page.keyboard.type('first line');
    await bob.page.keyboard.press('Shift+Enter');
    await bob.page.keyboard.type('second line');
    await bob.page.keyboard.press('Enter');
    const twoLines = alice.messages('second line');
    await twoLines.waitFor();
    await expect(twoLines.innerText()).resolves.toMatch(/first line\nsecond line/);
    await expect(bob.composer().inputValue()).resolves.toBe('');
    // On the phone the composer and its Send button are on screen without scrolling.
    for (const control of [bob.composer(), bob.page.getByRole('button', { name: bob.t.send, exact: true })]) {
      const box = await control.boundingBox();
      expect(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height).toBe(true);
    }
  });

  it('a message for a chat that is not open counts as unread until it is opened', async () => {
    await bob.showContacts();
    await alice.send('Are you still there?');
    await expect.poll(() => bob.contactSummary(ALICE)).toMatch(/\b1 unread\b/);
    await bob.openChat(ALICE);
    await bob.messages('Are you still there?').waitFor();
    await expect.poll(() => bob.contactSummary(ALICE)).not.toMatch(/unread/);
    await bob.openChat(ALICE);
  });

  it('a picture Alice sends shows as a preview on both sides', async () => {
    const png = await makePng(alice.page);
    await alice.attach({ name: 'square.png', mimeType: 'image/png', buffer: png });
    for (const person of [alice, bob]) {
      const image = person.messageLog().getByRole('article').locator('img').last();
      await image.waitFor({ timeout: 30_000 });
      // The preview really loaded the uploaded bytes (a broken image has no natural size).
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(64);
    }
    await alice.shot('chat');
    expect(await alice.horizontalOverflow()).toBe(0);
    expect(await alice.unnamedControls()).toEqual([]);
    await bob.shot('chat');
    expect(await bob.horizontalOverflow()).toBe(0);
    expect(await bob.unnamedControls()).toEqual([]);
  });

  it('after a reload the history is still there', async () => {
    await bob.page.reload();
    await bob.waitOnline();
    await bob.openChat(ALICE);
    await bob.messages('Hello Bob, it is Alice.').waitFor();
    await bob.messages('Hi Alice! Bob here, on my phone.').waitFor();
  });

  it('a draft survives a reload', async () => {
    await bob.composer().fill('half a thought, typed before the reload');
    await bob.page.reload();
    await bob.waitOnline();
    await bob.openChat(ALICE);
    await expect.poll(() => bob.composer().inputValue()).toBe('half a thought, typed before the reload');
    await bob.composer().fill('');
  });

  it('with "Stay logged in" the browser keeps what SCRAM needs to log in again, never the plaintext password', async () => {
    const stored = await bob.storedText();
    expect(stored).toContain('conexizan.login');
    expect(stored).not.toContain(BOB_PASSWORD);
    await bob.page.reload();
    await bob.waitOnline();
  });

  it('the browser keeps the history, and logging out leaves no messages and no saved login behind', async () => {
    const before = await bob.storedText();
    expect(before).toContain('Hello Bob, it is Alice.');
    await bob.logout();
    await bob.page.reload();
    await bob.page.getByRole('heading', { name: bob.t.login, exact: true }).waitFor();
    const after = await bob.storedText();
    expect(after).not.toContain('Hello Bob, it is Alice.');
    expect(after).not.toContain('Hi Alice! Bob here');
    expect(after).not.toContain(BOB_PASSWORD);
    await bob.login('bob', BOB_PASSWORD);
  });

  // Their messages are end-to-end encrypted (OMEMO) for the devices that existed then: a fresh
  // browser is a new device, so the archive brings them back as messages it cannot read, said once.
  it('in a fresh browser, the history from before it existed is explained once, not message by message', async () => {
    const again = await Person.open(browser, server.url, { size: 'desktop' });
    try {
      await again.login('alice', ALICE_PASSWORD);
      await again.openChat(BOB);
      await again.messageLog().getByRole('note').filter({ hasText: encryptionText(again).predates }).waitFor({ timeout: 30_000 });
      expect(await again.messageLog().getByRole('article').filter({ hasText: encryptionText(again).undecryptable }).count()).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('the settings screen opens at both sizes', async () => {
    for (const person of [alice, bob]) {
      await person.page.getByRole('button', { name: person.t.settings, exact: true }).click();
      await person.page.getByRole('heading', { name: person.t.settings, exact: true }).waitFor();
      await person.shot('settings');
      expect(await person.horizontalOverflow()).toBe(0);
      expect(await person.unnamedControls()).toEqual([]);
      await person.page.getByRole('button', { name: person.t.closeSettings, exact: true }).click();
    }
  });

  it('nothing went wrong on either page', () => {
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});
