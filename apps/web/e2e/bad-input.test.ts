import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * What a person gets when something is wrong: a message they can read, and
 * everything they typed still there. Hostile text from a contact is shown as
 * text and never becomes markup.
 */
describe('bad input in the web client', () => {
  let server: E2eServer;
  let browser: Browser;
  let erin: Person;
  let finn: Person;
  const ERIN = 'erin@localhost';
  const FINN = 'finn@localhost';
  const ERIN_PASSWORD = 'erin long password 4';
  const MAX_UPLOAD = 100_000;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ maxUploadBytes: MAX_UPLOAD }), launchChromium()]);
    [erin, finn] = await Promise.all([Person.open(browser, server.url), Person.open(browser, server.url, { size: 'phone' })]);
    await erin.register('erin', ERIN_PASSWORD);
    await finn.register('finn', 'finn long password 5');
    await makeContacts(erin, ERIN, finn, FINN);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('a wrong password says so and keeps what was typed', async () => {
    const stranger = await Person.open(browser, server.url);
    try {
      await stranger.fillCredentials('erin', 'not erins password');
      await stranger.page.getByRole('button', { name: stranger.t.login, exact: true }).click();
      await stranger.alert(stranger.t.wrongPassword).waitFor({ timeout: 30_000 });
      await expect(stranger.page.getByRole('textbox', { name: stranger.t.username, exact: true }).inputValue()).resolves.toBe('erin');
      await expect(stranger.page.getByLabel(stranger.t.password, { exact: true }).inputValue()).resolves.toBe('not erins password');
    } finally {
      await stranger.close();
    }
  });

  it('a taken username says so and keeps what was typed', async () => {
    const copycat = await Person.open(browser, server.url, { size: 'phone' });
    try {
      await copycat.page.getByRole('button', { name: copycat.t.createAccount, exact: true }).click();
      await copycat.fillCredentials('erin', 'copycat password 6');
      await copycat.page.getByRole('checkbox', { name: copycat.t.acceptRules }).check();
      await copycat.page.getByRole('button', { name: copycat.t.register, exact: true }).click();
      await copycat.alert(copycat.t.usernameTaken).waitFor({ timeout: 30_000 });
      await expect(copycat.page.getByRole('textbox', { name: copycat.t.username, exact: true }).inputValue()).resolves.toBe('erin');
      await expect(copycat.page.getByLabel(copycat.t.password, { exact: true }).inputValue()).resolves.toBe('copycat password 6');
    } finally {
      await copycat.close();
    }
  });

  it('an invalid contact address says so and keeps what was typed', async () => {
    for (const address of ['bob@@localhost', 'two words@localhost', '@localhost']) {
      const dialog = await erin.openAddContact();
      const field = dialog.getByRole('textbox', { name: erin.t.address, exact: true });
      await field.fill(address);
      await dialog.getByRole('button', { name: erin.t.add, exact: true }).click();
      await erin.alert(erin.t.invalidAddress).waitFor();
      await expect(field.inputValue()).resolves.toBe(address);
      await dialog.getByRole('button', { name: erin.t.cancel, exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    expect(await erin.contactSummary('bob')).toBe('');
  });

  it('a huge paste is refused with a message, stays in the composer, and nothing is sent', async () => {
    const huge = `START ${'lorem ipsum dolor sit amet '.repeat(8_000)}END`;
    await erin.openChat(FINN);
    await erin.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await erin.page.evaluate((text) => navigator.clipboard.writeText(text), huge);
    await erin.composer().focus();
    await erin.page.keyboard.press('ControlOrMeta+V');
    await expect.poll(() => erin.composer().inputValue().then((value) => value.length), { timeout: 20_000 }).toBe(huge.length);
    await erin.page.getByRole('button', { name: erin.t.send, exact: true }).click();
    await erin.alert(erin.t.tooLong).waitFor();
    await expect(erin.composer().inputValue()).resolves.toBe(huge);
    // A message after it arrives, and the huge one never did.
    await erin.composer().fill('a normal message after the huge paste');
    await erin.page.getByRole('button', { name: erin.t.send, exact: true }).click();
    await finn.openChat(ERIN);
    await finn.messages('a normal message after the huge paste').waitFor();
    await expect(finn.messages('START lorem ipsum').count()).resolves.toBe(0);
    await expect(erin.messages('START lorem ipsum').count()).resolves.toBe(0);
  });

  it('a file larger than the server takes is refused with a message naming it, and the chat goes on', async () => {
    await erin.openChat(FINN);
    await erin.composer().fill('text typed before attaching');
    await erin.attach({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_UPLOAD * 2, 7) });
    const refusal = erin.alert(erin.t.uploadFailed('too-big.bin'));
    await refusal.waitFor({ timeout: 30_000 });
    await expect(refusal.innerText()).resolves.toContain(erin.t.uploadTooLarge);
    await expect(erin.composer().inputValue()).resolves.toBe('text typed before attaching');
    await erin.page.getByRole('button', { name: erin.t.send, exact: true }).click();
    await finn.openChat(ERIN);
    await finn.messages('text typed before attaching').waitFor();
    await expect(finn.messages('too-big.bin').count()).resolves.toBe(0);
  });

  it('hostile markup from a contact is shown as text and never runs', async () => {
    const hostile = [
      '<img src=x onerror="window.__pwned = (window.__pwned || 0) + 1">',
      '<script>window.__pwned = (window.__pwned || 0) + 1</script>',
      '<iframe srcdoc="<script>parent.__pwned = 1</script>"></iframe><b>bold?</b>',
    ];
    await erin.openChat(FINN);
    for (const text of hostile) await erin.send(text);
    await finn.openChat(ERIN);
    for (const person of [erin, finn]) {
      for (const text of hostile) {
        const message = person.messages(text);
        await message.waitFor();
        // The exact characters are visible, and no element was made of them.
        await expect(message.innerText()).resolves.toContain(text);
        await expect(message.locator('img, script, iframe, b').count()).resolves.toBe(0);
      }
      await expect(person.page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    }
  });

  it('nothing went wrong on the pages', () => {
    expect(erin.problems).toEqual([]);
    expect(finn.problems).toEqual([]);
  });
});
