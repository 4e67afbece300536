import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { TEXT } from './support/texts.ts';

/**
 * The app speaks the browser's language (German here) without being asked,
 * at phone and desktop size, and can be switched to the other language,
 * which it remembers.
 */
describe('German by browser language, and switching', () => {
  let server: E2eServer;
  let browser: Browser;
  let ida: Person;
  let jonas: Person;
  const IDA = 'ida@localhost';
  const JONAS = 'jonas@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [ida, jonas] = await Promise.all([
      Person.open(browser, server.url, { lang: 'de', size: 'desktop' }),
      Person.open(browser, server.url, { lang: 'de', size: 'phone' }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('a German browser gets the German app: log in, register, contacts, chat, settings', async () => {
    for (const person of [ida, jonas]) {
      await person.page.getByRole('heading', { name: TEXT.de.login, exact: true }).waitFor();
      await expect(person.page.locator('html').getAttribute('lang')).resolves.toMatch(/^de/);
      await person.shot('login');
      expect(await person.horizontalOverflow()).toBe(0);
      expect(await person.unnamedControls()).toEqual([]);
    }
    await ida.register('ida', 'ida langes passwort 9', { screenshot: true });
    await jonas.register('jonas', 'jonas langes passwort 10', { screenshot: true });
    await makeContacts(ida, IDA, jonas, JONAS);
    await ida.shot('contacts');
    expect(await ida.horizontalOverflow()).toBe(0);
    expect(await ida.unnamedControls()).toEqual([]);
    await jonas.shot('contacts');
    expect(await jonas.horizontalOverflow()).toBe(0);
    expect(await jonas.unnamedControls()).toEqual([]);
    await ida.openChat(JONAS);
    await ida.send('Hallo Jonas, schön, dass du da bist!');
    await jonas.openChat(IDA);
    await jonas.messages('Hallo Jonas, schön, dass du da bist!').waitFor();
    await jonas.send('Grüß dich, Ida.');
    await ida.messages('Grüß dich, Ida.').waitFor();
    for (const person of [ida, jonas]) {
      await person.shot('chat');
      expect(await person.horizontalOverflow()).toBe(0);
      expect(await person.unnamedControls()).toEqual([]);
      await person.page.getByRole('button', { name: TEXT.de.settings, exact: true }).click();
      await person.page.getByRole('heading', { name: TEXT.de.settings, exact: true }).waitFor();
      await person.shot('settings');
      expect(await person.horizontalOverflow()).toBe(0);
      expect(await person.unnamedControls()).toEqual([]);
    }
  });

  it('switching to English in the settings changes the app at once and survives a reload', async () => {
    await ida.page.getByRole('combobox', { name: TEXT.de.language, exact: true }).selectOption({ label: 'English' });
    ida.lang = 'en';
    await ida.page.getByRole('heading', { name: TEXT.en.settings, exact: true }).waitFor();
    await expect(ida.page.locator('html').getAttribute('lang')).resolves.toMatch(/^en/);
    await ida.page.reload();
    await ida.page.getByRole('heading', { name: TEXT.en.contacts, exact: true }).or(ida.page.getByRole('heading', { name: TEXT.en.login, exact: true })).first().waitFor();
  });

  it('a mistyped password is explained in German', async () => {
    const again = await Person.open(browser, server.url, { lang: 'de', size: 'phone' });
    try {
      await again.fillCredentials('jonas', 'nicht das passwort');
      await again.page.getByRole('button', { name: TEXT.de.login, exact: true }).click();
      await again.alert(TEXT.de.wrongPassword).waitFor({ timeout: 30_000 });
      await again.shot('login-error');
    } finally {
      await again.close();
    }
  });

  it('an English browser can switch to German on the login screen', async () => {
    const kim = await Person.open(browser, server.url, { lang: 'en' });
    try {
      await kim.page.getByRole('heading', { name: TEXT.en.login, exact: true }).waitFor();
      await kim.page.getByRole('combobox', { name: TEXT.en.language, exact: true }).selectOption({ label: 'Deutsch' });
      await kim.page.getByRole('heading', { name: TEXT.de.login, exact: true }).waitFor();
      await expect(kim.page.getByRole('button', { name: TEXT.de.createAccount, exact: true }).isVisible()).resolves.toBe(true);
    } finally {
      await kim.close();
    }
  });

  it('nothing went wrong on the pages', () => {
    expect(ida.problems).toEqual([]);
    expect(jonas.problems).toEqual([]);
  });
});
