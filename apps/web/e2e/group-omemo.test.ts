import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../src/views/rooms/en.json' with { type: 'json' };
import { createAccount, login } from '../../server/test/support/raw-xmpp.ts';
import { xml } from '@conexizan/protocol/xml';
import { launchChromium } from './support/browser.ts';
import { ConverseUser } from './support/converse.ts';
import { ProfanityPeer } from './support/profanity.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptionText, everythingStoredIn } from './support/encryption.ts';
import { Person } from './support/person.ts';
import { createRoom, joinRoom, roomLog, sendInRoom, texts } from './support/rooms.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * OMEMO in a private group (members-only, non-anonymous), on by default:
 * Ada (desktop, English) creates it and invites Ben (phone, German), Cleo
 * (desktop, English), Dora, who uses Converse.js 14 (npm, in Chromium), and
 * Finn, who uses profanity (Debian, in tmux).
 * Every message is readable by every member and says so; the server's data directory (SQLite and its WAL, the room
 * archive) holds none of the texts. A member taken off the member list
 * cannot read what follows. A public group says plainly that it is not
 * encrypted. A stranger's forged message never shows.
 */
describe('a private group is end-to-end encrypted for its members', () => {
  let server: E2eServer;
  let browser: Browser;
  let ada: Person;
  let ben: Person;
  let cleo: Person;
  let dora: ConverseUser;
  let finn: ProfanityPeer;
  let finnHome = '';
  const DORA = 'dora@localhost';
  const FINN = 'finn@localhost';
  const ROOM = 'newsroom@conference.localhost';
  const SECRETS = ['the source meets us at the harbour', 'Ich bringe die Aufnahmen mit', 'I will check the documents twice', 'Converse here: I booked the room', 'profanity here: bring the drive'];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [ada, ben, cleo] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
    ]);
    await ada.register('ada', 'ada group password 1', { stayLoggedIn: true });
    await ben.register('ben', 'ben group password 2');
    await cleo.register('cleo', 'cleo group password 3');
    await createAccount({ port: server.c2sPort, username: 'dora', password: 'dora uses converse' });
    dora = await ConverseUser.open(browser, { websocket: `ws://localhost:${server.httpPort}/xmpp-websocket`, jid: DORA, password: 'dora uses converse' });
    await createAccount({ port: server.c2sPort, username: 'finn', password: 'finn uses profanity' });
    finnHome = await mkdtemp(join(tmpdir(), 'conexizan-e2e-profanity-'));
    finn = await ProfanityPeer.start({ home: finnHome, user: 'finn', password: 'finn uses profanity', port: server.c2sPort });
    await finn.type('/omemo gen');
    await finn.waitForScreen(/OMEMO crytographic materials generated/, 'profanity to make its OMEMO keys');
    // Trust first use, as the web client and Converse.js do.
    await finn.type('/omemo trustmode blind');

  });
  afterAll(async () => {
    await finn?.quit();
    if (finnHome) await rm(finnHome, { recursive: true, force: true });
    await dora?.close();
    await browser?.close();
    await server?.dispose();
  });

  async function invite(owner: Person, jid: string): Promise<void> {
    await owner.page.getByRole('button', { name: en.rooms.view.invite, exact: true }).click();
    const dialog = owner.page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: en.rooms.invite.address, exact: true }).fill(jid);
    await dialog.getByRole('button', { name: en.rooms.invite.send, exact: true }).click();
    await dialog.getByText(en.rooms.invite.sent.replace('{{jid}}', jid)).waitFor();
    await dialog.getByRole('button', { name: en.rooms.join.cancel, exact: true }).click();
  }

  /** Accepting an invitation (named by the group's name) enters the group in one step. */
  async function acceptInvitation(person: Person, name: string): Promise<void> {
    const r = texts(person);
    await person.showContacts();
    await person.page.getByRole('button', { name: r.invite.acceptLabel.replace('{{room}}', name), exact: true }).click({ timeout: 30_000 });
    await roomLog(person).waitFor({ timeout: 30_000 });
  }

  function encryptedBanner(person: Person, members: number) {
    return person.page.getByText(encryptionText(person).groupEncrypted).filter({ hasText: String(members) });
  }

  it('Ada creates a private group and invites Ben, Cleo, Dora and Finn; each sees that it is encrypted for its five members', async () => {
    await createRoom(ada, 'Newsroom', 'private');
    await invite(ada, 'ben@localhost');
    await invite(ada, 'cleo@localhost');
    await invite(ada, DORA);
    await invite(ada, FINN);
    await acceptInvitation(ben, 'Newsroom');
    await acceptInvitation(cleo, 'Newsroom');
    await dora.enterRoom(ROOM, 'Dora');
    await finn.type(`/join ${ROOM} nick Finn`);
    await finn.waitForScreen(/-> You have joined the room/, 'profanity to enter the group');
    await finn.startOmemo();
    for (const person of [ada, ben, cleo]) await encryptedBanner(person, 5).waitFor({ timeout: 60_000 });
    // Converse.js decides the same on its own: a members-only, non-anonymous group gets OMEMO.
    await expect.poll(() => dora.omemoActive(ROOM), { timeout: 60_000 }).toBe(true);
    await ben.shot('group-encrypted');
    expect(await ben.horizontalOverflow()).toBe(0);
  });

  it('each message is readable by every member and says it was encrypted', async () => {
    await sendInRoom(ada, SECRETS[0]!);
    for (const person of [ben, cleo]) {
      await roomLog(person).getByRole('article').filter({ hasText: SECRETS[0]! }).getByText(encryptionText(person).encrypted, { exact: true }).waitFor({ timeout: 60_000 });
    }
    await sendInRoom(ben, SECRETS[1]!);
    await sendInRoom(cleo, SECRETS[2]!);
    await dora.sendToRoom(ROOM, SECRETS[3]!);
    await finn.type(SECRETS[4]!);
    for (const person of [ada, ben, cleo]) {
      for (const secret of SECRETS) await roomLog(person).getByRole('article').filter({ hasText: secret }).getByText(encryptionText(person).encrypted, { exact: true }).waitFor({ timeout: 60_000 });
      expect(await roomLog(person).getByRole('article').filter({ hasText: encryptionText(person).undecryptable }).count()).toBe(0);
    }
    // Converse.js and profanity decrypted everything the others wrote.
    for (const secret of SECRETS.filter((s) => s !== SECRETS[3])) {
      await expect.poll(async () => (await dora.messages(ROOM)).find((m) => m.body === secret), { timeout: 60_000 }).toMatchObject({ encrypted: true });
    }
    for (const secret of SECRETS.filter((s) => s !== SECRETS[4])) await finn.waitForEncrypted(secret, `profanity to decrypt "${secret}"`);
    expect(await ben.unnamedControls()).toEqual([]);
  });

  it("the server's stored data (the room archive included) holds none of the texts", async () => {
    await expect.poll(async () => (await everythingStoredIn(server.dataDir)).includes('I sent you an OMEMO encrypted message'), { timeout: 20_000 }).toBe(true);
    const stored = await everythingStoredIn(server.dataDir);
    for (const secret of [...SECRETS, 'harbour', 'Aufnahmen', 'booked', 'drive']) expect(stored.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  });

  it('after a reload, the group history (from the room) is readable again, our own messages included', async () => {
    await ada.page.reload();
    await ada.waitOnline();
    await ada.page.getByRole('list', { name: en.rooms.list }).getByRole('button', { name: /^Newsroom/ }).click();
    for (const secret of SECRETS) await roomLog(ada).getByRole('article').filter({ hasText: secret }).waitFor({ timeout: 60_000 });
  });

  it('a member taken off the member list cannot read what follows', async () => {
    await ada.page.getByRole('button', { name: /^Members \(5\)$/ }).click();
    const members = ada.page.getByRole('complementary', { name: en.rooms.view.membersTitle });
    await members.getByRole('button', { name: en.rooms.view.unmember.replace('{{nick}}', 'cleo'), exact: true }).click();
    await cleo.page.getByText(en.rooms.errors.removed).first().waitFor({ timeout: 30_000 });
    await encryptedBanner(ada, 4).waitFor({ timeout: 30_000 });
    await encryptedBanner(ben, 4).waitFor({ timeout: 30_000 });
    const after = 'after Cleo left: new meeting point';
    await sendInRoom(ada, after);
    await roomLog(ben).getByRole('article').filter({ hasText: after }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await dora.messages(ROOM)).find((m) => m.body === after), { timeout: 60_000 }).toMatchObject({ encrypted: true });
    await finn.waitForEncrypted(after, 'profanity to decrypt the message after Cleo left');
    // Ada takes Cleo back: the message from while she was out was never encrypted for her.
    await invite(ada, 'cleo@localhost');
    await acceptInvitation(cleo, 'Newsroom');
    await roomLog(cleo).getByRole('article').filter({ hasText: encryptionText(cleo).notForThisDevice }).first().waitFor({ timeout: 60_000 });
    expect(await roomLog(cleo).getByText(after).count()).toBe(0);
    const back = 'welcome back, Cleo';
    await encryptedBanner(ada, 5).waitFor({ timeout: 30_000 });
    await sendInRoom(ada, back);
    await roomLog(cleo).getByRole('article').filter({ hasText: back }).waitFor({ timeout: 60_000 });
  });

  it("a stranger's message never shows in the group: the room refuses it, and one sent straight to a member is not taken for the group's", async () => {
    await createAccount({ port: server.c2sPort, username: 'mallory', password: 'mallory forges messages' });
    const mallory = await login({ port: server.c2sPort, username: 'mallory', password: 'mallory forges messages', resource: 'raw' });
    try {
      const refused = mallory.inbox.waitFor((el) => el.name === 'message' && el.attrs.type === 'error', 'the room refusing a stranger', 30_000);
      mallory.send(xml('message', { to: ROOM, type: 'groupchat', id: 'forged-1' }, xml('body', {}, 'forged: the meeting is cancelled')));
      await refused;
      // Straight to Ben, dressed as a group message: it is not from the room, so it is no group message.
      mallory.send(xml('message', { to: 'ben@localhost', type: 'groupchat', id: 'forged-2', from: 'mallory@localhost/raw' }, xml('body', {}, 'forged: the meeting is cancelled')));
      const check = 'still talking after the forgery';
      await sendInRoom(ada, check);
      await roomLog(ben).getByRole('article').filter({ hasText: check }).waitFor({ timeout: 60_000 });
      expect(await ben.page.getByText('forged: the meeting is cancelled').count()).toBe(0);
    } finally {
      await mallory.close();
    }
  });

  it('a public group says plainly that it is not encrypted, and messages there say so too', async () => {
    await createRoom(ada, 'Open Square', 'instant');
    await ada.page.getByText(encryptionText(ada).groupPublic).waitFor({ timeout: 30_000 });
    await sendInRoom(ada, 'hello square');
    await roomLog(ada).getByRole('article').filter({ hasText: 'hello square' }).getByText(encryptionText(ada).unencrypted, { exact: true }).waitFor({ timeout: 30_000 });
    const dialog = await joinRoom(ben, 'open-square@conference.localhost', 'Ben');
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await ben.page.getByText(encryptionText(ben).groupPublic).waitFor({ timeout: 30_000 });
  });

  it('nothing went wrong on the pages', () => {
    expect(ada.problems).toEqual([]);
    expect(ben.problems).toEqual([]);
    expect(cleo.problems).toEqual([]);
  });
});
