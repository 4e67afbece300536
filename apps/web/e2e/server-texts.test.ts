import { randomBytes } from 'node:crypto';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import de from '../src/i18n/de.json' with { type: 'json' };
import deRooms from '../src/views/rooms/de.json' with { type: 'json' };
import { launchChromium } from './support/browser.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { ServerTexts } from './support/server-texts.ts';

/**
 * Whatever the server refuses, someone using the app in German reads it in
 * German: the server explains its errors in English (<text/>), and the app
 * says why in its own words instead. Each step makes the server refuse
 * something for real (registration, login, password change, account
 * deletion, groups, uploads), checks the German sentence, and checks that
 * none of the English texts the server sent (read off the WebSocket) is on
 * the screen. The limits are low so that the refusals come quickly.
 */
const MAX_UPLOAD = 100_000;
const rooms = deRooms.rooms;

describe('what the server refuses, a German user reads in German', () => {
  let server: E2eServer;
  let browser: Browser;
  let gerd: Person;
  let gerdTexts: ServerTexts;
  let hanna: Person;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startE2eServer({ registrationsPerHour: 9, failedLoginsPerAddress: 3, failedLoginsPerAccount: 3, maxUploadBytes: MAX_UPLOAD, uploadQuotaBytes: 150_000, maxRoomsPerUser: 1 }),
      launchChromium(),
    ]);
    [gerd, hanna] = await Promise.all([Person.open(browser, server.url, { lang: 'de', size: 'phone' }), Person.open(browser, server.url, { lang: 'de' })]);
    gerdTexts = new ServerTexts(gerd.page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  /** The server said something in words since `before` texts, and none of it is on the screen. */
  async function noServerWords(person: Person, texts: ServerTexts, before: number): Promise<void> {
    expect(texts.all.slice(before), 'the server explained nothing in words: the step tests nothing').not.toEqual([]);
    expect(await texts.shownOn(person.page)).toEqual([]);
  }

  /**
   * Sends a form with `send` and returns the alert that answers it (not the
   * one still showing from the last try, which the form removes when it
   * sends), or null when `done` shows instead.
   */
  async function answer(scope: Locator, send: () => Promise<void>, done?: Locator): Promise<string | null> {
    const alert = scope.getByRole('alert');
    const stale = (await alert.count()) ? await alert.first().elementHandle() : null;
    await send();
    await stale?.waitForElementState('hidden', { timeout: 30_000 });
    await (done ? alert.or(done) : alert).first().waitFor({ timeout: 30_000 });
    return (await alert.count()) ? await alert.first().textContent() : null;
  }

  function tryRegister(person: Person, username: string, password: string, done?: Locator): Promise<string | null> {
    return answer(person.page.locator('body'), async () => {
      const create = person.page.getByRole('button', { name: person.t.createAccount, exact: true });
      if (await create.isVisible()) await create.click();
      await person.fillCredentials(username, password);
      await person.page.getByRole('checkbox', { name: person.t.acceptRules }).check();
      await person.page.getByRole('button', { name: person.t.register, exact: true }).click();
    }, done);
  }

  it('registration: a taken name, a name mixing two scripts, a password the server refuses', async () => {
    await hanna.register('hanna', 'hannas langes passwort 1');
    const before = gerdTexts.all.length;
    await expect(tryRegister(gerd, 'hanna', 'gerds langes passwort 2')).resolves.toBe(de.auth.errors.taken);
    // A Cyrillic "а" among Latin letters: a name that passes for another.
    await expect(tryRegister(gerd, 'gerhаrd', 'gerds langes passwort 2')).resolves.toBe(de.auth.errors.notAcceptable);
    await expect(tryRegister(gerd, 'gerd', 'gggggggggggg')).resolves.toBe(de.auth.errors.notAcceptable);
    await gerd.shot('server-texts-register');
    await noServerWords(gerd, gerdTexts, before);
    await gerd.register('gerd', 'gerds langes passwort 2');
  });

  it('changing the password: a new one the server refuses, then too many wrong current ones', async () => {
    const before = gerdTexts.all.length;
    await gerd.page.getByRole('button', { name: gerd.t.settings, exact: true }).click();
    const section = gerd.page.getByRole('region', { name: gerd.t.changePassword, exact: true });
    const change = (current: string, next: string) => answer(section, async () => {
      await section.getByLabel(gerd.t.currentPassword, { exact: true }).fill(current);
      await section.getByLabel(gerd.t.newPassword, { exact: true }).fill(next);
      await section.getByLabel(gerd.t.repeatPassword, { exact: true }).fill(next);
      await section.getByRole('button', { name: gerd.t.changePassword, exact: true }).click();
    });
    await expect(change('gerds langes passwort 2', 'hhhhhhhhhhhh')).resolves.toBe(de.settings.passwordRefused);
    // Each wrong current password is counted like a failed login (limit 3 here): then the server refuses to check.
    const said: (string | null)[] = [];
    while (said.at(-1) !== de.problems.tooMany && said.length < 6) said.push(await change(`falsch ${said.length}`, 'gerds neues passwort 3'));
    expect(said).toEqual([de.settings.wrongCurrentPassword, de.settings.wrongCurrentPassword, de.settings.wrongCurrentPassword, de.problems.tooMany]);
    await gerd.shot('server-texts-password');
    await noServerWords(gerd, gerdTexts, before);
    await gerd.page.getByRole('button', { name: gerd.t.closeSettings, exact: true }).click();
  });

  it('in a group: a second group of one’s own, a file too large, a full file storage; and in a chat', async () => {
    const before = gerdTexts.all.length;
    const create = async (name: string) => {
      await gerd.showContacts();
      await gerd.page.getByRole('button', { name: rooms.open, exact: true }).click();
      const dialog = gerd.page.getByRole('dialog');
      await dialog.getByRole('radio', { name: rooms.join.modeCreate }).check();
      await dialog.getByRole('textbox', { name: rooms.join.name, exact: true }).fill(name);
      // An open group: a private one is end-to-end encrypted, which has refusals of its own.
      await dialog.getByRole('radio', { name: rooms.join.instant }).check();
      await dialog.getByRole('button', { name: rooms.join.createButton, exact: true }).click();
      return dialog;
    };
    await (await create('Erste')).waitFor({ state: 'detached', timeout: 30_000 });
    const second = await create('Zweite');
    await second.getByRole('alert').getByText(rooms.errors['policy-violation'], { exact: true }).waitFor({ timeout: 30_000 });
    await gerd.shot('server-texts-second-group');
    await second.getByRole('button', { name: rooms.join.cancel, exact: true }).click();

    await gerd.showContacts();
    await gerd.page.getByRole('list', { name: rooms.list }).getByRole('button', { name: /^Erste/ }).click();
    const failed = (reason: string) => gerd.alert(rooms.view.failed.replace('{{reason}}', reason));
    await gerd.attach({ name: 'gross.bin', mimeType: 'application/octet-stream', buffer: randomBytes(MAX_UPLOAD + 20_000) });
    await failed(de.chat.uploadTooLarge).waitFor({ timeout: 30_000 });
    await gerd.attach({ name: 'erste.bin', mimeType: 'application/octet-stream', buffer: randomBytes(90_000) });
    await gerd.page.getByRole('log', { name: rooms.view.messages }).getByRole('article').first().waitFor({ timeout: 30_000 });
    await gerd.attach({ name: 'zweite.bin', mimeType: 'application/octet-stream', buffer: randomBytes(90_000) });
    await failed(de.chat.uploadQuota).waitFor({ timeout: 30_000 });
    await gerd.shot('server-texts-group-upload');

    // The same storage (90 kB of 150 kB used) in a chat with Hanna.
    await makeContacts(gerd, 'gerd@localhost', hanna, 'hanna@localhost');
    await gerd.openChat('hanna@localhost');
    await gerd.attach({ name: 'dritte.bin', mimeType: 'application/octet-stream', buffer: randomBytes(70_000) });
    await gerd.alert(de.chat.uploadFailed.replace('{{name}}', 'dritte.bin').replace('{{reason}}', de.chat.uploadQuota)).waitFor({ timeout: 30_000 });
    await noServerWords(gerd, gerdTexts, before);
  });

  it('deleting the account says so in German', async () => {
    const before = gerdTexts.all.length;
    await gerd.page.getByRole('button', { name: gerd.t.settings, exact: true }).click();
    await gerd.page.getByRole('button', { name: gerd.t.deleteAccount, exact: true }).click();
    const confirm = gerd.page.getByRole('alertdialog');
    await confirm.getByLabel(gerd.t.password, { exact: true }).fill('gerds langes passwort 2');
    await confirm.getByRole('button', { name: gerd.t.deleteForGood, exact: true }).click();
    await gerd.page.getByRole('status').getByText(de.auth.deleted, { exact: true }).waitFor({ timeout: 30_000 });
    await gerd.page.waitForTimeout(1000);
    await noServerWords(gerd, gerdTexts, before);
  });

  it('registration again: a name deleted a moment ago, then too many registrations from one address', async () => {
    const before = gerdTexts.all.length;
    // The name stays reserved for a while after the deletion.
    await expect(tryRegister(gerd, 'gerd', 'gerds langes passwort 2')).resolves.toBe(de.auth.errors.taken);
    const online = gerd.connectionStatus().getByText(gerd.t.online, { exact: true });
    for (let n = 1; ; n++) {
      const said = await tryRegister(gerd, `neu${n}`, 'ein langes passwort 4', online);
      if (said !== null) {
        expect(said).toBe(de.auth.errors.rateLimited);
        break;
      }
      expect(n).toBeLessThan(9);
      // Registered: log out and try the next name.
      await gerd.logout();
      await gerd.page.getByRole('button', { name: gerd.t.createAccount, exact: true }).waitFor();
    }
    await gerd.shot('server-texts-rate-limited');
    await noServerWords(gerd, gerdTexts, before);
  });

  it('logging in: a wrong password, then too many', async () => {
    const ida = await Person.open(browser, server.url, { lang: 'de', size: 'phone' });
    const texts = new ServerTexts(ida.page);
    try {
      const said: (string | null)[] = [];
      while (said.at(-1) !== de.problems.tooMany && said.length < 8) {
        said.push(await answer(ida.page.locator('body'), async () => {
          await ida.fillCredentials('hanna', `falsch ${said.length}`);
          await ida.page.getByRole('button', { name: ida.t.login, exact: true }).click();
        }));
      }
      expect(said.at(-1)).toBe(de.problems.tooMany);
      expect(said.slice(0, -1)).toEqual(Array<string>(said.length - 1).fill(ida.t.wrongPassword));
      expect(said.length).toBeGreaterThan(1);
      await ida.shot('server-texts-login');
      await noServerWords(ida, texts, 0);
    } finally {
      await ida.close();
    }
  });

  it('nothing went wrong on the pages', () => {
    expect(gerd.problems).toEqual([]);
    expect(hanna.problems).toEqual([]);
  });
});
