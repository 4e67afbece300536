import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import de from '../src/views/rooms/de.json' with { type: 'json' };
import en from '../src/views/rooms/en.json' with { type: 'json' };
import { seriousAccessibilityViolations } from './support/axe.ts';
import { launchChromium } from './support/browser.ts';
import { makeContacts, makePng, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * The first ten minutes of a newcomer, each step a problem people met
 * before (issue 17): the rules before registering, a bare name as an
 * address, a phone-sized chat header, pictures that pushed the chat out of
 * view, a password change anyone at the screen could make, the wrong words
 * after deleting the account, a group invitation that named nobody, English
 * in the German app; and axe-core on every screen. Kim uses English on a
 * desktop, Lou German on a phone.
 */
const RETENTION_DAYS = 9;

describe('a newcomer’s first ten minutes', () => {
  let server: E2eServer;
  let browser: Browser;
  let kim: Person;
  let lou: Person;
  const KIM = 'kim@localhost';
  const LOU = 'lou@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ retentionDays: RETENTION_DAYS }), launchChromium()]);
    [kim, lou] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  async function accessible(person: Person, screen: string): Promise<void> {
    await person.shot(screen);
    expect([screen, await seriousAccessibilityViolations(person.page)]).toEqual([screen, []]);
  }

  it('registering asks to accept the rules, links them, and refuses without', async () => {
    await accessible(kim, 'login');
    await kim.page.getByRole('button', { name: kim.t.createAccount, exact: true }).click();
    await kim.fillCredentials('kim', 'kim long password 1');
    const rules = kim.page.getByRole('link', { name: kim.t.rulesLink, exact: true });
    expect(await rules.getAttribute('href')).toBe('/?lang=en#rules');
    await accessible(kim, 'register');
    await kim.page.getByRole('button', { name: kim.t.register, exact: true }).click();
    await kim.alert(kim.t.rulesNeeded).waitFor();
    // Nothing was registered: the name is still free, and logging in with it fails.
    await kim.page.getByRole('button', { name: kim.t.haveAccount, exact: true }).click();
    await kim.fillCredentials('kim', 'kim long password 1');
    await kim.page.getByRole('button', { name: kim.t.login, exact: true }).click();
    await kim.alert(kim.t.wrongPassword).waitFor({ timeout: 30_000 });
    await kim.register('kim', 'kim long password 1');

    // German, with no English text from the server on the form.
    await lou.page.getByRole('button', { name: lou.t.createAccount, exact: true }).click();
    const form = lou.page.locator('form');
    await form.getByRole('link', { name: lou.t.rulesLink, exact: true }).waitFor();
    await expect(form.innerText()).resolves.not.toMatch(/Choose a username|Nothing else|characters/);
    await accessible(lou, 'register');
    await lou.register('lou', 'lou langes passwort 2');
    expect(kim.problems).toEqual([]);
    expect(lou.problems).toEqual([]);
  });

  it('a bare name in “Add contact” means someone on the same server', async () => {
    // Kim types only the name; they become contacts, and Lou's entry carries the whole address.
    await makeContacts(kim, KIM, lou, 'lou');
    await expect.poll(() => kim.contactSummary('lou@localhost')).toMatch(/^lou@localhost, online/);
    await accessible(kim, 'contacts');
  });

  it('on a phone the chat header is one line, contact actions are in a menu, and messages get the screen', async () => {
    await lou.openChat(KIM);
    const t = lou.t;
    for (const action of [t.rename, t.removeContact, t.block]) await expect(lou.page.getByRole('button', { name: action, exact: true }).isVisible()).resolves.toBe(false);
    const header = lou.page.locator('.chat-head');
    const box = await header.boundingBox();
    expect(box!.height).toBeLessThanOrEqual(64);
    const log = await lou.messageLog().boundingBox();
    expect(log!.height / 844).toBeGreaterThanOrEqual(0.6);
    await accessible(lou, 'chat');
    await lou.page.getByRole('button', { name: t.contactActions, exact: true }).click();
    const menu = lou.page.getByRole('menu', { name: t.contactActions });
    for (const action of [t.rename, t.removeContact, t.block]) await menu.getByRole('menuitem', { name: action, exact: true }).waitFor();
    await lou.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
  });

  it('pictures keep the chat pinned to the newest message, and news while reading older ones shows a pill', async () => {
    await kim.openChat(LOU);
    const atBottom = () => lou.messageLog().evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    for (let i = 1; i <= 4; i++) {
      const png = await makePng(kim.page, { width: 600, height: 400 });
      await kim.attach({ name: `photo-${i}.png`, mimeType: 'image/png', buffer: png });
      const image = lou.messageLog().getByRole('article').locator('img').nth(i - 1);
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 30_000 }).toBe(600);
      await expect.poll(atBottom, { timeout: 5_000 }).toBeLessThan(4);
    }
    await lou.messageLog().evaluate((el) => el.scrollTo({ top: 0 }));
    await kim.send('Are you still there?');
    const pill = lou.page.getByRole('button', { name: lou.t.newMessages, exact: true });
    await pill.waitFor({ timeout: 30_000 });
    await lou.shot('new-messages-pill');
    await pill.click();
    await lou.messages('Are you still there?').waitFor();
    await expect.poll(atBottom, { timeout: 5_000 }).toBeLessThan(4);
    await pill.waitFor({ state: 'detached' });
  });

  it('the settings say how long the server keeps things', async () => {
    await lou.page.getByRole('button', { name: lou.t.settings, exact: true }).click();
    await lou.page.getByText(lou.t.kept(RETENTION_DAYS)).waitFor();
    await accessible(lou, 'settings');
  });

  it('changing the password needs the current one, and says so in German', async () => {
    const t = lou.t;
    const section = lou.page.getByRole('region', { name: t.changePassword, exact: true });
    await section.getByLabel(t.currentPassword, { exact: true }).fill('not my password');
    await section.getByLabel(t.newPassword, { exact: true }).fill('lou neues passwort 3');
    await section.getByLabel(t.repeatPassword, { exact: true }).fill('lou neues passwort 3');
    await section.getByRole('button', { name: t.changePassword, exact: true }).click();
    await section.getByRole('alert').getByText(t.wrongCurrentPassword).waitFor({ timeout: 30_000 });
    await section.getByLabel(t.currentPassword, { exact: true }).fill('lou langes passwort 2');
    await section.getByRole('button', { name: t.changePassword, exact: true }).click();
    await section.getByRole('status').getByText(t.passwordChanged, { exact: true }).waitFor({ timeout: 30_000 });
    await lou.page.getByRole('button', { name: t.closeSettings, exact: true }).click();
  });

  it('an invitation to a group names who sent it, and accepting it enters the group', async () => {
    await kim.showContacts();
    await kim.page.getByRole('button', { name: en.rooms.open, exact: true }).click();
    const dialog = kim.page.getByRole('dialog');
    await dialog.getByRole('radio', { name: en.rooms.join.modeCreate }).check();
    await dialog.getByRole('textbox', { name: en.rooms.join.name, exact: true }).fill('Garden');
    await dialog.getByRole('radio', { name: en.rooms.join.private }).check();
    await dialog.getByRole('button', { name: en.rooms.join.createButton, exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await accessible(kim, 'group');
    await kim.page.getByRole('button', { name: en.rooms.view.invite, exact: true }).click();
    const invite = kim.page.getByRole('dialog');
    await invite.getByRole('textbox', { name: en.rooms.invite.address, exact: true }).fill('lou');
    await invite.getByRole('button', { name: en.rooms.invite.send, exact: true }).click();
    await invite.getByText(en.rooms.invite.sent.replace('{{jid}}', LOU)).waitFor();
    await invite.getByRole('button', { name: en.rooms.join.cancel, exact: true }).click();

    await lou.showContacts();
    const card: Locator = lou.page.getByRole('listitem').filter({ hasText: lou.t.inviteFrom('kim@localhost', 'Garden') });
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: de.rooms.invite.acceptLabel.replace('{{room}}', 'Garden'), exact: true }).click();
    // One step: no second dialog, the group is open.
    await lou.page.getByRole('heading', { name: 'Garden' }).waitFor({ timeout: 30_000 });
    await expect(lou.page.getByRole('dialog').count()).resolves.toBe(0);
    await accessible(lou, 'group');
  });

  it('on a phone the group header is one line too, the group’s actions are in a menu, and messages get the screen', async () => {
    // Lou (a phone, German) is in Garden since the invitation.
    const view = de.rooms.view;
    const members = view.members.replace('{{count}}', '2');
    for (const action of [members, view.invite, view.changeNick, view.leave]) await expect(lou.page.getByRole('button', { name: action, exact: true }).isVisible()).resolves.toBe(false);
    const header = await lou.page.getByRole('main', { name: 'Garden' }).locator('.chat-head').boundingBox();
    expect(header!.height).toBeLessThanOrEqual(64);
    const log = await lou.page.getByRole('log', { name: view.messages, exact: true }).boundingBox();
    expect(log!.height / 844).toBeGreaterThanOrEqual(0.6);
    await lou.shot('group-header');
    await lou.page.getByRole('button', { name: view.actions, exact: true }).click();
    const menu = lou.page.getByRole('menu', { name: view.actions });
    for (const action of [view.invite, view.changeNick, view.leave]) await menu.getByRole('menuitem', { name: action, exact: true }).waitFor();
    // Whether the members are shown is said on the item itself (a checked menu item), as aria-expanded says it on the desktop's button.
    await menu.getByRole('menuitemcheckbox', { name: members, exact: true, checked: false }).waitFor();
    await accessible(lou, 'group-menu');
    await menu.getByRole('menuitemcheckbox', { name: members, exact: true }).click();
    await menu.waitFor({ state: 'detached' });
    await lou.page.getByRole('complementary', { name: view.membersTitle }).getByText('kim').first().waitFor();
    await lou.page.getByRole('button', { name: view.actions, exact: true }).click();
    await menu.getByRole('menuitemcheckbox', { name: members, exact: true, checked: true }).click();
    await lou.page.getByRole('complementary', { name: view.membersTitle }).waitFor({ state: 'detached' });
  });

  it('deleting the account ends with “Your account was deleted.”', async () => {
    const t = kim.t;
    await kim.page.getByRole('button', { name: t.settings, exact: true }).click();
    await kim.page.getByRole('button', { name: t.deleteAccount, exact: true }).click();
    const confirm = kim.page.getByRole('alertdialog');
    await confirm.getByLabel(t.password, { exact: true }).fill('kim long password 1');
    await confirm.getByRole('button', { name: t.deleteForGood, exact: true }).click();
    await kim.page.getByRole('status').getByText(t.accountDeleted, { exact: true }).waitFor({ timeout: 30_000 });
    // and it stays: nothing replaces it with a wrong-password message
    await kim.page.waitForTimeout(2000);
    await expect(kim.page.getByText(t.wrongPassword).count()).resolves.toBe(0);
    await kim.page.getByRole('status').getByText(t.accountDeleted, { exact: true }).waitFor();
    expect(kim.problems).toEqual([]);
    expect(lou.problems).toEqual([]);
  });
});

describe('an invitation link on a phone', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ registration: 'invite' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('without an invitation the app says registration needs one', async () => {
    const stranger = await Person.open(browser, server.url, { size: 'phone', lang: 'en' });
    try {
      await stranger.page.getByRole('button', { name: stranger.t.createAccount, exact: true }).click();
      await stranger.page.getByText(stranger.t.inviteOnly).waitFor({ timeout: 30_000 });
    } finally {
      await stranger.close();
    }
  });

  it('leads from the invitation page to a working account', async () => {
    const page = await server.invite();
    const nina = await Person.open(browser, page, { size: 'phone', lang: 'de' });
    try {
      await nina.page.getByRole('heading', { level: 1, name: 'Du bist zu localhost eingeladen' }).waitFor();
      expect(await seriousAccessibilityViolations(nina.page)).toEqual([]);
      await nina.shot('invitation');
      await nina.page.getByRole('link', { name: 'Konto im Browser erstellen', exact: true }).click();
      await nina.page.getByText(nina.t.invitedNotice('localhost')).waitFor();
      await nina.register('nina', 'nina langes passwort 4');
      await expect.poll(() => nina.page.getByRole('banner').textContent()).toContain('nina@localhost');
      expect(nina.problems).toEqual([]);
    } finally {
      await nina.close();
    }
    // The invitation made its one account.
    const again = await fetch(page);
    expect(again.status).toBe(404);
  });
});
