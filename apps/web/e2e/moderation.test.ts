import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { choosePlainText } from './support/encryption.ts';
import { Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { createRoom, groupAction, joinRoom, roomLog } from './support/rooms.ts';
import { startThirdParty, type ThirdParty } from './support/third-party.ts';

/**
 * Keeping the service clean, end to end (issue 18): Wendy (English, phone)
 * gets spam from a slixmpp user and reports the message from the browser,
 * then reports the same user's spam in a group chat and the group itself;
 * Ada, an operator (German, desktop), finds the report with the spam in her
 * admin area and suspends the account there. The spammer's slixmpp session
 * ends at once, its next login is refused with the reason, and a message
 * Ada sends it comes back undelivered. Lifting the suspension lets it back
 * with its data. Ada's announcement reaches Wendy's browser and the slixmpp
 * user; the message of the day greets the next person to register. Wendy,
 * no operator, is offered no admin area.
 */
const TEXT = {
  en: {
    reportMessage: 'Report',
    reportDialog: /^Report this message from /,
    spamReason: 'Spam or advertising',
    reportText: 'What should the operators know? (optional)',
    reportSend: 'Report and block',
    reportRoomMessage: /^Report this message from /,
    reportGroup: 'Report group',
    reportGroupDialog: /^Report the group /,
    admin: 'Admin',
    notices: 'Notices from your server',
  },
  de: {
    admin: 'Verwaltung',
    reportsTab: 'Meldungen',
    usersTab: 'Konten',
    announceTab: 'Ankündigungen',
    details: (offender: string) => `Einzelheiten zu ${offender}`,
    suspend: (jid: string) => `${jid} sperren`,
    note: 'Notiz fürs Protokoll (freiwillig)',
    search: 'Name oder ein Teil davon',
    find: 'Suchen',
    unsuspend: 'Sperre aufheben',
    subject: 'Betreff',
    text: 'Text',
    sendAnnouncement: 'Ankündigung senden',
    motd: 'Nachricht',
    setMotd: 'Nachricht des Tages setzen',
    notDelivered: 'Nicht zugestellt',
  },
};

describe('reports, suspension and announcements in the web client', () => {
  let server: E2eServer;
  let browser: Browser;
  let wendy: Person;
  let ada: Person;
  let spammer: ThirdParty;
  const WENDY = 'wendy@localhost';
  const ADA = 'ada@localhost';
  const SPAMMER = 'spammer@localhost';
  const SPAM = 'BUY CHEAP WATCHES at watches.example';
  const ROOM = 'flohmarkt@conference.localhost';
  const ROOM_SPAM = 'WATCHES FOR EVERYONE at watches.example';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ admins: [ADA] }), launchChromium()]);
    spammer = startThirdParty({ c2sPort: server.c2sPort, user: 'spammer', password: 'spammer slixmpp password', peers: [WENDY, ADA], script: 'spammer.py' });
    [wendy, ada] = await Promise.all([Person.open(browser, server.url, { size: 'phone', lang: 'en' }), Person.open(browser, server.url, { size: 'desktop', lang: 'de' })]);
    expect((await spammer.next('ready')).ok).toBe(true);
    await wendy.register('wendy', 'wendy web password 3');
    await ada.register('ada', 'ada admin password 3');
  });
  afterAll(async () => {
    await spammer?.finish();
    await browser?.close();
    await server?.dispose();
  });

  it('Wendy gets spam from the slixmpp user and reports the message from the browser', async () => {
    for (const person of [wendy, ada]) {
      await person.addContact(SPAMMER);
      await spammer.next('accepted', { from: `${person === wendy ? WENDY : ADA}` });
      await expect.poll(async () => {
        await person.acceptIfAsked(SPAMMER);
        return person.contactSummary(SPAMMER);
      }, { timeout: 30_000 }).toMatch(/\bonline\b|\bverbunden\b|\bOnline\b/i);
    }
    spammer.send({ cmd: 'spam', to: WENDY, body: SPAM });
    await wendy.openChat(SPAMMER);
    const spam = wendy.messages(SPAM);
    await spam.waitFor({ timeout: 30_000 });
    // A message's actions show when it is pointed at or focused, as on any message.
    await spam.hover();
    await spam.getByRole('button', { name: TEXT.en.reportMessage, exact: true }).click();
    const dialog = wendy.page.getByRole('dialog', { name: TEXT.en.reportDialog });
    await dialog.getByRole('radio', { name: TEXT.en.spamReason }).check();
    await dialog.getByRole('textbox', { name: TEXT.en.reportText }).fill('ads all day, I do not know them');
    await wendy.shot('report-dialog');
    await dialog.getByRole('button', { name: TEXT.en.reportSend, exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    // Wendy is no operator: no admin area for her.
    await expect(wendy.page.getByRole('button', { name: TEXT.en.admin, exact: true }).count()).resolves.toBe(0);
  });

  it('in a group chat, Wendy reports a message from the slixmpp user and then the group itself', async () => {
    // Ada's open group, which the spammer enters from slixmpp to advertise.
    await createRoom(ada, 'Flohmarkt', 'instant');
    spammer.send({ cmd: 'join', room: ROOM, nick: 'Deals' });
    expect(await spammer.next('joined', { room: ROOM })).toMatchObject({ ok: true });
    spammer.send({ cmd: 'spam_room', room: ROOM, body: ROOM_SPAM });
    await roomLog(ada).getByText(ROOM_SPAM).waitFor({ timeout: 30_000 });
    const dialog = await joinRoom(wendy, ROOM, 'Wendy');
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    const spam = roomLog(wendy).getByRole('article').filter({ hasText: ROOM_SPAM });
    await spam.waitFor({ timeout: 30_000 });
    await spam.hover();
    await spam.getByRole('button', { name: TEXT.en.reportMessage, exact: true }).click();
    const report = wendy.page.getByRole('dialog', { name: TEXT.en.reportRoomMessage });
    await report.getByRole('textbox', { name: TEXT.en.reportText }).fill('watch ads in the flea market');
    await report.getByRole('button', { name: TEXT.en.reportSend, exact: true }).click();
    await report.waitFor({ state: 'detached', timeout: 30_000 });

    await groupAction(wendy, TEXT.en.reportGroup);
    const group = wendy.page.getByRole('dialog', { name: TEXT.en.reportGroupDialog });
    await group.getByRole('radio', { name: TEXT.en.spamReason }).check();
    await group.getByRole('textbox', { name: TEXT.en.reportText }).fill('this group lets the ads in');
    await group.getByRole('button', { name: TEXT.en.reportSend, exact: true }).click();
    await group.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('Ada sees the report with the spam in her admin area, and suspends the account there', async () => {
    const adminButton = ada.page.getByRole('button', { name: TEXT.de.admin, exact: true });
    await adminButton.waitFor({ timeout: 30_000 });
    await adminButton.click();
    await ada.page.getByRole('tab', { name: TEXT.de.reportsTab }).click();
    // The group's reports: the occupant's message, with the room archive's copy of the spam, and the group itself.
    const occupantReport = ada.page.getByRole('listitem').filter({ hasText: `${ROOM}/Deals` }).filter({ hasText: 'watch ads in the flea market' });
    await occupantReport.waitFor({ timeout: 30_000 });
    await occupantReport.getByRole('button', { name: TEXT.de.details(`${ROOM}/Deals`) }).click();
    await occupantReport.getByText(ROOM_SPAM).waitFor({ timeout: 30_000 });
    await ada.page.getByRole('listitem').filter({ hasText: ROOM }).filter({ hasText: 'this group lets the ads in' }).waitFor({ timeout: 30_000 });
    const report = ada.page.getByRole('listitem').filter({ hasText: SPAMMER }).filter({ hasText: 'ads all day' });
    await report.waitFor({ timeout: 30_000 });
    await report.getByRole('button', { name: TEXT.de.details(SPAMMER) }).click();
    await report.getByText(SPAM).waitFor({ timeout: 30_000 });
    await ada.shot('admin-report');
    await report.getByRole('textbox', { name: TEXT.de.note }).fill('spam');
    await report.getByRole('button', { name: TEXT.de.suspend(SPAMMER) }).click();
    // Done: the report is resolved (and leaves the open ones); the tab says what happened.
    await ada.page.getByRole('tabpanel').getByRole('status').filter({ hasText: `${SPAMMER} ist gesperrt.` }).waitFor({ timeout: 30_000 });
    await report.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it("the spammer's session ends, its next login is refused with the reason, and Ada's message to it comes back", async () => {
    expect(await spammer.next('gone')).toMatchObject({ stream_error: 'policy-violation' });
    spammer.send({ cmd: 'login' });
    expect(await spammer.next('login')).toMatchObject({ ok: false, condition: 'account-disabled' });
    await ada.page.getByRole('button', { name: /Verwaltung schließen/ }).click();
    await ada.openChat(SPAMMER);
    await choosePlainText(ada);
    await ada.send('Are you a bot?');
    await ada.messages('Are you a bot?').getByText(TEXT.de.notDelivered).waitFor({ timeout: 30_000 });
  });

  it('lifting the suspension lets the spammer log in again with its data', async () => {
    await ada.page.getByRole('button', { name: TEXT.de.admin, exact: true }).click();
    await ada.page.getByRole('tab', { name: TEXT.de.usersTab }).click();
    await ada.page.getByRole('searchbox', { name: TEXT.de.search }).fill('spam');
    await ada.page.getByRole('button', { name: TEXT.de.find, exact: true }).click();
    const row = ada.page.getByRole('listitem', { name: SPAMMER });
    await row.getByRole('button', { name: TEXT.de.unsuspend }).click();
    await row.getByRole('status').filter({ hasText: `${SPAMMER} kann sich wieder anmelden.` }).waitFor({ timeout: 30_000 });
    spammer.send({ cmd: 'login' });
    expect(await spammer.next('login')).toMatchObject({ ok: true });
    spammer.send({ cmd: 'vcard' });
    expect(await spammer.next('vcard')).toMatchObject({ fn: 'Totally Legit Shop' });
  });

  it("Ada's announcement reaches Wendy's browser and the slixmpp user; the message of the day greets the next newcomer", async () => {
    await ada.page.getByRole('tab', { name: TEXT.de.announceTab }).click();
    await ada.page.getByRole('textbox', { name: TEXT.de.subject, exact: true }).fill('Wartung');
    await ada.page.getByRole('textbox', { name: TEXT.de.text, exact: true }).fill('Heute ab 22 Uhr kurz nicht erreichbar.');
    await ada.page.getByRole('button', { name: TEXT.de.sendAnnouncement }).click();
    const notices = wendy.page.getByRole('region', { name: TEXT.en.notices });
    await notices.getByText('Heute ab 22 Uhr kurz nicht erreichbar.').waitFor({ timeout: 30_000 });
    await wendy.shot('announcement');
    expect(await spammer.next('message', { subject: 'Wartung' })).toMatchObject({ from: 'localhost', body: 'Heute ab 22 Uhr kurz nicht erreichbar.' });

    await ada.page.getByRole('textbox', { name: TEXT.de.motd, exact: true }).fill('Seid freundlich zueinander.');
    await ada.page.getByRole('button', { name: TEXT.de.setMotd }).click();
    const newcomer = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    try {
      await newcomer.register('newcomer', 'newcomer web password 3');
      await newcomer.page.getByRole('region', { name: TEXT.en.notices }).getByText('Seid freundlich zueinander.').waitFor({ timeout: 30_000 });
    } finally {
      await newcomer.close();
    }
  });
});
