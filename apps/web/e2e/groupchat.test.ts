import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import de from '../src/views/rooms/de.json' with { type: 'json' };
import en from '../src/views/rooms/en.json' with { type: 'json' };
import { launchChromium } from './support/browser.ts';
import { choosePlainTextInGroup } from './support/encryption.ts';
import { createRoom, groupAction, joinRoom, openRoomDialog, roomLog, sendInRoom } from './support/rooms.ts';
import { Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { startThirdParty, type ThirdParty } from './support/third-party.ts';

/**
 * Group chat in the web client with someone on another client: Dana
 * (English, desktop) creates a private group in the browser and invites
 * Carol, a slixmpp user (its own XEP-0045 plugin, no OMEMO), who joins;
 * Dana chooses to write unencrypted there, and they talk both ways. Emil (German, phone) meets the room's refusals as sentences,
 * then talks in an open room. After a reload Dana's group comes back from
 * her bookmarks with its history.
 */
describe('group chat between the web client and a slixmpp user', () => {
  let server: E2eServer;
  let browser: Browser;
  let dana: Person;
  let emil: Person;
  let carol: ThirdParty;
  const ROOM = 'team-friday@conference.localhost';
  const LOBBY = 'lobby@conference.localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    carol = startThirdParty({ c2sPort: server.c2sPort, user: 'carol', password: 'carol slixmpp password', script: 'room_party.py', args: ['--nick', 'Carol'] });
    [dana, emil] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
    ]);
    expect((await carol.next('ready')).ok).toBe(true);
    await dana.register('dana', 'dana web password 3', { stayLoggedIn: true });
    await emil.register('emil', 'emil web password 3');
  });
  afterAll(async () => {
    await carol?.finish();
    await browser?.close();
    await server?.dispose();
  });

  it('Dana creates a private group, invites the slixmpp user, who enters and is listed as a member', async () => {
    await createRoom(dana, 'Team Friday', 'private');
    await dana.page.getByRole('button', { name: en.rooms.view.invite, exact: true }).click();
    const dialog = dana.page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: en.rooms.invite.address, exact: true }).fill('carol@localhost');
    await dialog.getByRole('button', { name: en.rooms.invite.send, exact: true }).click();
    await dialog.getByText(en.rooms.invite.sent.replace('{{jid}}', 'carol@localhost')).waitFor();
    await dialog.getByRole('button', { name: en.rooms.join.cancel, exact: true }).click();
    expect(await carol.next('invited', { room: ROOM })).toMatchObject({ from: 'dana@localhost' });
    const joined = await carol.next('joined', { room: ROOM });
    expect(joined).toMatchObject({ ok: true, occupants: ['Carol', 'dana'], roles: { dana: 'moderator' } });
    await dana.page.getByRole('button', { name: /^Members \(2\)$/ }).click();
    const members = dana.page.getByRole('complementary', { name: en.rooms.view.membersTitle });
    await members.getByText('Carol', { exact: true }).waitFor();
    await expect(members.getByRole('listitem').filter({ hasText: 'Carol' }).innerText()).resolves.toContain('carol@localhost');
    await expect(members.getByText(/dana \(you\)/).count()).resolves.toBe(1);

    await dana.page.getByRole('button', { name: en.rooms.view.changeSubject, exact: true }).click();
    const topic = dana.page.getByRole('dialog');
    await topic.getByRole('textbox', { name: en.rooms.subjectDialog.field, exact: true }).fill('Plans for Friday');
    await topic.getByRole('button', { name: en.rooms.subjectDialog.save, exact: true }).click();
    await dana.page.getByText('Topic: Plans for Friday', { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('what Dana writes reaches slixmpp in the room, and its answer shows under its nickname', async () => {
    // A private group is end-to-end encrypted, and slixmpp has no OMEMO: Dana must choose plain text first.
    await choosePlainTextInGroup(dana);
    const text = 'ask slixmpp: Grüße 👋 <b>not bold</b> & more';
    await sendInRoom(dana, text);
    const got = await carol.next('groupchat', { room: ROOM, body: text });
    expect(got).toMatchObject({ nick: 'dana', delayed: false });
    expect(String(got.occupant_id)).not.toBe('');
    const answer = roomLog(dana).getByRole('article', { name: /^Carol, / }).filter({ hasText: `slixmpp heard: ${text}` });
    await answer.waitFor({ timeout: 30_000 });
    await expect(roomLog(dana).locator('b').count()).resolves.toBe(0);
    // Our own message is confirmed by the room echoing it back, not left waiting.
    await expect.poll(() => roomLog(dana).getByRole('article').filter({ hasText: text }).first().innerText(), { timeout: 15_000 }).not.toMatch(/Waiting|pending/i);
    // A correction from the other client (XEP-0308 in a room) replaces the text where it stands.
    await sendInRoom(dana, 'ask slixmpp to correct');
    await carol.next('corrected', { room: ROOM });
    const corrected = roomLog(dana).getByRole('article', { name: /^Carol, / }).filter({ hasText: 'second draft' });
    await corrected.getByText('(edited)').waitFor({ timeout: 30_000 });
    await expect(roomLog(dana).getByText('first draft').count()).resolves.toBe(0);
  });

  it('the room’s refusals are explained in German: members only, and a nickname already taken', async () => {
    const r = de.rooms;
    let dialog = await joinRoom(emil, ROOM, 'Emil');
    await dialog.getByRole('alert').getByText(r.errors['registration-required']).waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: r.join.cancel, exact: true }).click();
    // Dana opens a public lobby; Emil first asks for her nickname, then takes his own.
    await dana.page.getByRole('button', { name: en.rooms.view.leave, exact: true }).waitFor();
    await createRoom(dana, 'Lobby', 'instant');
    dialog = await joinRoom(emil, LOBBY, 'dana');
    await dialog.getByRole('alert').getByText(r.errors.conflict).waitFor({ timeout: 30_000 });
    dialog = await joinRoom(emil, LOBBY, 'Emil');
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await sendInRoom(emil, 'Hallo Lobby');
    await roomLog(dana).getByRole('article', { name: /^Emil, / }).filter({ hasText: 'Hallo Lobby' }).waitFor({ timeout: 30_000 });
    expect(await emil.unnamedControls()).toEqual([]);
  });

  it('moderation from the browser: a new nickname, silence and voice, a message removed for everyone, and a kick', async () => {
    const r = de.rooms;
    await groupAction(emil, r.view.changeNick);
    const nickDialog = emil.page.getByRole('dialog');
    await nickDialog.getByRole('textbox', { name: r.nick.field, exact: true }).fill('Emil B');
    await nickDialog.getByRole('button', { name: r.nick.save, exact: true }).click();
    await dana.page.getByRole('button', { name: /^Members \(2\)$/ }).click();
    const members = dana.page.getByRole('complementary', { name: en.rooms.view.membersTitle });
    await members.getByText('Emil B', { exact: true }).waitFor({ timeout: 30_000 });

    await members.getByRole('button', { name: 'Silence Emil B', exact: true }).click();
    await members.getByRole('button', { name: 'Let Emil B speak', exact: true }).waitFor({ timeout: 30_000 });
    await sendInRoom(emil, 'darf ich noch?');
    await roomLog(emil).getByRole('article').filter({ hasText: 'darf ich noch?' }).getByText('Nicht zugestellt').waitFor({ timeout: 30_000 });

    await members.getByRole('button', { name: 'Let Emil B speak', exact: true }).click();
    await members.getByRole('button', { name: 'Silence Emil B', exact: true }).waitFor({ timeout: 30_000 });
    await sendInRoom(emil, 'wieder da');
    const seen = roomLog(dana).locator('.room-message').filter({ hasText: 'wieder da' });
    await seen.waitFor({ timeout: 30_000 });
    await expect(roomLog(dana).getByText('darf ich noch?').count()).resolves.toBe(0);

    await seen.getByRole('button', { name: `${en.rooms.view.remove}: Emil B`, exact: true }).click();
    await roomLog(emil).getByText('Diese Nachricht wurde gelöscht.').waitFor({ timeout: 30_000 });
    await expect(roomLog(emil).getByText('wieder da').count()).resolves.toBe(0);

    await members.getByRole('button', { name: 'Remove Emil B', exact: true }).click();
    await emil.page.getByText(r.errors.kicked).waitFor({ timeout: 30_000 });
    await members.getByText('Emil B', { exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('the owner sets a password in the group settings, and entering without it is explained', async () => {
    await dana.page.getByRole('button', { name: en.rooms.view.settings, exact: true }).click();
    const dialog = dana.page.getByRole('dialog');
    await dialog.getByLabel(en.rooms.settings.password, { exact: true }).fill('sesame 7');
    await expect(dialog.getByRole('checkbox', { name: en.rooms.settings.archiving }).isChecked()).resolves.toBe(true);
    await dialog.getByRole('button', { name: en.rooms.settings.save, exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await emil.page.getByRole('button', { name: de.rooms.view.rejoin, exact: true }).click();
    await emil.page.getByText(de.rooms.errors['not-authorized']).first().waitFor({ timeout: 30_000 });
  });

  it('Emil finds the open lobby among the public groups, not the private one, and enters the private group once Dana invites him', async () => {
    const r = de.rooms;
    const dialog = await openRoomDialog(emil);
    await dialog.getByRole('button', { name: r.join.browse, exact: true }).click();
    await dialog.getByRole('button', { name: r.join.choose.replace('{{name}}', 'Lobby'), exact: true }).waitFor({ timeout: 30_000 });
    await expect(dialog.getByText(/Team Friday|team-friday/).count()).resolves.toBe(0);
    await dialog.getByRole('button', { name: r.join.cancel, exact: true }).click();

    await dana.page.getByRole('list', { name: en.rooms.list }).getByRole('button', { name: /^Team Friday/ }).click();
    await dana.page.getByRole('button', { name: en.rooms.view.invite, exact: true }).click();
    const invite = dana.page.getByRole('dialog');
    await invite.getByRole('textbox', { name: en.rooms.invite.address, exact: true }).fill('emil@localhost');
    await invite.getByRole('button', { name: en.rooms.invite.send, exact: true }).click();
    await invite.getByRole('button', { name: en.rooms.join.cancel, exact: true }).click();

    // The invitation names the group and who sent it; joining is one step, no second dialog.
    await emil.page.getByText(r.invite.received.replace('{{from}}', 'dana@localhost').replace('{{room}}', 'Team Friday')).waitFor({ timeout: 30_000 });
    await emil.page.getByRole('button', { name: r.invite.acceptLabel.replace('{{room}}', 'Team Friday'), exact: true }).click({ timeout: 30_000 });
    await emil.page.getByText('Thema: Plans for Friday', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(emil.page.getByRole('dialog').count()).resolves.toBe(0);
    // The room's recent history arrives with entering.
    await roomLog(emil).getByRole('article').filter({ hasText: 'slixmpp heard: ask slixmpp' }).waitFor({ timeout: 30_000 });
  });

  it('after a reload Dana’s groups come back from her bookmarks, with the private group’s history', async () => {
    await dana.page.reload();
    await dana.waitOnline();
    const list = dana.page.getByRole('list', { name: en.rooms.list });
    await list.getByRole('button', { name: /^Team Friday/ }).waitFor({ timeout: 30_000 });
    await list.getByRole('button', { name: /^Lobby/ }).waitFor({ timeout: 30_000 });
    await list.getByRole('button', { name: /^Team Friday/ }).click();
    await roomLog(dana).getByRole('article').filter({ hasText: 'slixmpp heard: ask slixmpp' }).waitFor({ timeout: 30_000 });
    // Still in the room for real: slixmpp hears what comes next.
    await sendInRoom(dana, 'ask slixmpp: still here after the reload?');
    await carol.next('groupchat', { room: ROOM, body: 'ask slixmpp: still here after the reload?', delayed: false });
    expect(await dana.unnamedControls()).toEqual([]);
  });

  it('nothing went wrong on the pages', () => {
    expect(dana.problems).toEqual([]);
    expect(emil.problems).toEqual([]);
  });
});
