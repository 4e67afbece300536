import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@conexizan/protocol';
import { Profanity } from '../support/profanity.ts';
import { chat, createAccount, createRoom, hasBody, login } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { sleep } from '../support/wait.ts';

/**
 * Message history in profanity 0.13.1 (Debian), typed into and read off its
 * screen in tmux, after it reconnects to a restarted server:
 *
 * - 1:1: with `/mam on`, opening a chat window asks the archive (XEP-0313)
 *   for the last week with that contact, if some item of the server lists
 *   urn:xmpp:mam:2 in its disco#info (we list it on the group chat service,
 *   as Prosody does). Its follow-up query puts RSM's <after/> straight into
 *   <query/>; read as RSM, it gets an empty next page instead of the first
 *   page again, which profanity would show a second time.
 * - Rooms: profanity 0.13.1 never asks a room's archive (only a new chat
 *   window sends a MAM query); it shows the discussion history that comes
 *   with entering (XEP-0045 §7.2.15), which the room reloads from its
 *   archive after a restart. That is what its user sees, so that is what
 *   is checked.
 *
 * The history is made by other clients while profanity is away, and read
 * by another resource of the same account, so neither profanity's own
 * local log nor offline storage can be where it comes from.
 */
const PASSWORD = 'profanity test password';
const ROOM = 'lounge@conference.localhost';

let server: TestServer;
let home: string;
let profanity: Profanity;
let shownAt: { bob: Date; alice: Date };

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['alice', 'bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  home = await mkdtemp(join(tmpdir(), 'conexizan-profanity-'));
  profanity = await Profanity.start({ home, user: 'alice', password: PASSWORD, port: server.ports.c2s });
  await profanity.terminal.type('/mam on');
  await profanity.terminal.waitForScreen(/Message Archive Management enabled/, 'MAM to be switched on');
  await profanity.connect();
  await profanity.disconnect();

  // Meanwhile, on alice's phone and bob's laptop: a conversation, and bob in the room.
  const phone = await login({ port: server.ports.c2s, username: 'alice', password: PASSWORD, resource: 'phone' });
  const bob = await login({ port: server.ports.c2s, username: 'bob', password: PASSWORD, resource: 'laptop' });
  try {
    bob.send(chat('alice@localhost', 'history one from bob'));
    await phone.inbox.waitFor(hasBody('history one from bob'), 'bob\'s message on alice\'s phone');
    const bobAt = new Date();
    phone.send(chat('bob@localhost', 'history two from alice'));
    await bob.inbox.waitFor(hasBody('history two from alice'), 'alice\'s answer on bob\'s laptop');
    shownAt = { bob: bobAt, alice: new Date() };
    await createRoom(bob, ROOM, 'bob', { 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_enablearchiving': '1' });
    for (const body of ['room one from bob', 'room two from bob']) {
      bob.send(xml('message', { to: ROOM, type: 'groupchat' }, xml('body', {}, body)));
      await bob.inbox.waitFor((el) => hasBody(body)(el) && el.attrs.from === `${ROOM}/bob`, `"${body}" in the room`);
    }
  } finally {
    await phone.close();
    await bob.close();
  }
  // The room's recent history now only exists in its archive.
  await server.restart();
  await profanity.connect();
}, 120_000);

afterAll(async () => {
  await profanity?.quit();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('profanity shows history from the archive after it reconnects', () => {
  it('a chat window opened after the reconnect shows the conversation, each message once, at the time it was written', async () => {
    // Far enough from the writing that the time of fetching would show differently.
    await sleep(3_000 - (Date.now() - shownAt.alice.getTime()));
    await profanity.terminal.type('/msg bob@localhost');
    const screen = await profanity.terminal.waitForScreen(/me: history two from alice/, 'the archived conversation in the chat window');
    const lines = screen.split('\n');
    const bobLines = lines.filter((line) => line.includes('bob@localhost/laptop: history one from bob'));
    const aliceLines = lines.filter((line) => line.includes('me: history two from alice'));
    expect(bobLines, screen).toHaveLength(1);
    expect(aliceLines, screen).toHaveLength(1);
    expect(lines.indexOf(bobLines[0]!)).toBeLessThan(lines.indexOf(aliceLines[0]!));
    // The time shown is when it was written (the archive's <delay/>), not when it was fetched.
    expect(secondsApart(shownTime(bobLines[0]!), shownAt.bob)).toBeLessThanOrEqual(2);
    expect(secondsApart(shownTime(aliceLines[0]!), shownAt.alice)).toBeLessThanOrEqual(2);
    // It came from the archive: profanity asked it, for this contact.
    const queries = (await profanity.sentStanzas()).filter((stanza) => stanza.includes("xmlns=\"urn:xmpp:mam:2\"") && stanza.includes('<value>bob@localhost</value>'));
    expect(queries.length).toBeGreaterThanOrEqual(1);
  });

  it('a room entered after the reconnect shows what was said there before the restart', async () => {
    await profanity.terminal.type(`/join ${ROOM}`);
    const screen = await profanity.terminal.waitForScreen(/bob: room two from bob/, 'the room history in the room window');
    expect(screen.match(/bob: room one from bob/g), screen).toHaveLength(1);
    expect(screen.match(/bob: room two from bob/g), screen).toHaveLength(1);
    expect(screen.indexOf('bob: room one from bob')).toBeLessThan(screen.indexOf('bob: room two from bob'));
  });
});

/** The HH:MM:SS profanity prints before a message, as today's local time. */
function shownTime(line: string): Date {
  const [, h, m, s] = /(\d\d):(\d\d):(\d\d) - /.exec(line) ?? [];
  if (!h) throw new Error(`no time on the line: ${line}`);
  const at = new Date();
  at.setHours(Number(h), Number(m), Number(s), 0);
  return at;
}

function secondsApart(a: Date, b: Date): number {
  return Math.abs(a.getTime() - b.getTime()) / 1000;
}
