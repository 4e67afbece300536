import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { Poezio } from '../support/poezio.ts';
import { runSlixmpp, theOne } from '../support/python.ts';
import { createAccount, createRoom, login, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Room bookmarks in poezio 0.14 (Debian), typed into and read off its
 * screen in tmux. poezio looks for bookmark storage in the domain's
 * disco#info (jabber:iq:private there, as Prosody lists it) and keeps its
 * bookmarks in private XML storage (XEP-0049); the server keeps those in
 * step with the XEP-0402 bookmarks other clients use.
 *
 * - A bookmark another client stored with XEP-0402 (slixmpp, see
 *   slixmpp/bookmarks.py) shows in poezio, which joins the room.
 * - A room bookmarked in poezio is stored (other clients read it with
 *   XEP-0402) and poezio joins it again on its next start.
 *
 * bob sits in both rooms and sees poezio come and go.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/bookmarks.py', import.meta.url));
const PREFIX = `poe${process.pid}`;
const ALICE = `${PREFIX}-alice`;
const PASSWORD = 'correct horse 1';
const LOUNGE = 'lounge@conference.localhost';
const SEMINAR = 'seminar@conference.localhost';

let server: TestServer;
let dir: string;
let bob: RawXmppConnection;
let poezio: Poezio | undefined;

beforeAll(async () => {
  server = await startTestServer();
  await createAccount({ port: server.ports.c2s, username: 'bob', password: PASSWORD });
  bob = await login({ port: server.ports.c2s, username: 'bob', password: PASSWORD, resource: 'laptop' });
  for (const room of [LOUNGE, SEMINAR]) await createRoom(bob, room, 'bob', { 'muc#roomconfig_persistentroom': '1' });
  dir = await mkdtemp(join(tmpdir(), 'conexizan-poezio-'));
}, 60_000);

afterAll(async () => {
  await poezio?.terminal.close();
  await bob?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const startPoezio = () =>
  Poezio.start({ dir, jid: `${ALICE}@localhost`, password: PASSWORD, port: server.ports.c2s, certificate: server.server.certificate.path.cert });

describe('poezio finds bookmark storage', () => {
  it('shows a room another client bookmarked with XEP-0402, and joins it', async () => {
    const run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 55_000);
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
    expect(theOne(run, 'bookmarks').items).toEqual([{ id: SEMINAR, autojoin: 'true' }]);

    const joined = waitForOccupant(SEMINAR, 'poe-seminar');
    poezio = await startPoezio();
    await joined;
    // Its tab, named as the bookmark names the room.
    await poezio.terminal.waitForScreen(/^\s*\d+\.Seminar\b/m, 'a "Seminar" tab in poezio');
  });

  it('stores a room bookmarked in poezio, and joins it again on its next start', async () => {
    const client = poezio!;
    await client.terminal.type(`/join ${LOUNGE}/poe`);
    await client.terminal.waitForScreen(/You \(poe\) joined the room/, 'poezio to enter the lounge');
    // poezio's command: room/nick, then "true" for autojoin (its remote bookmarks default to false).
    const saved = await client.terminal.occurrences(/Bookmarks saved/g);
    await client.terminal.type(`/bookmark ${LOUNGE}/poe true`);
    await client.terminal.waitForOccurrences(/Bookmarks saved/g, saved + 1, 'poezio to save its bookmarks');
    // Stored: a XEP-0402 client of alice finds it, with autojoin, next to the other one.
    const stored = await bookmarksOf(ALICE);
    expect(stored.map((item) => item.attrs.id).sort()).toEqual([LOUNGE, SEMINAR]);
    expect(stored.find((item) => item.attrs.id === LOUNGE)!.getChild('conference')!.attrs.autojoin).toBe('true');

    const left = waitForOccupant(LOUNGE, 'poe', 'unavailable');
    await client.quit();
    poezio = undefined;
    await left;
    // Nothing about the rooms is kept by poezio itself: they come from the server.
    expect(await readFile(join(dir, 'poezio.cfg'), 'utf8')).toMatch(/^rooms =\s*$/m);

    const back = Promise.all([waitForOccupant(LOUNGE, 'poe'), waitForOccupant(SEMINAR, 'poe-seminar')]);
    poezio = await startPoezio();
    await back;
    await poezio.terminal.waitForScreen(/^\s*\d+\.lounge@conference\.localhost\b/m, 'the lounge tab in poezio');
  });
});

/** bob's view of the room: `nick` arrives (or leaves). */
function waitForOccupant(room: string, nick: string, type?: 'unavailable'): Promise<Element> {
  return bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/${nick}` && el.attrs.type === type, `${nick} ${type ? 'leaving' : 'in'} ${room}`, 30_000);
}

async function bookmarksOf(user: string): Promise<Element[]> {
  const alice = await login({ port: server.ports.c2s, username: user, password: PASSWORD, resource: 'reader', presence: false });
  try {
    const reply = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('items', { node: 'urn:xmpp:bookmarks:1' }))));
    expect(reply.attrs.type, reply.toString()).toBe('result');
    return reply.getChild('pubsub')!.getChild('items')!.getChildren('item');
  } finally {
    await alice.close();
  }
}

