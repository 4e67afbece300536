import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { runSlixmpp, theOne, observed, type PythonRun } from '../support/python.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * Group chat with real clients nobody here wrote. slixmpp 1.8.3 (Debian)
 * and its xep_0045 plugin (slixmpp/muc.py): several users create,
 * configure and join rooms, talk, change nicks, are kicked, banned and
 * given voice, and try every wrong door; then the server restarts and the
 * room is still there, with its ban and its history from the room archive.
 * @xmpp/client 0.14 over WebSocket and STARTTLS: a room created and used
 * by two xmpp.js sessions, MAM on the room, and status 332 when the
 * server stops.
 */
const restoreTls = acceptSelfSignedCertificates();
provideWebSocketGlobal();

const SCRIPT = fileURLToPath(new URL('./slixmpp/muc.py', import.meta.url));
const PREFIX = `muc${process.pid}`;
const SERVICE = 'conference.localhost';
/** generous: the machine is shared and loaded */
const WAIT_MS = 20_000;
const ROOM = `${PREFIX}-lounge@${SERVICE}`;
const PRIVATE = `${PREFIX}-private@${SERVICE}`;

let server: TestServer;
let main: PythonRun;
let afterRestart: PythonRun;

const runPhase = (phase: string) =>
  runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX, '--phase', phase], 110_000);

beforeAll(async () => {
  server = await startTestServer();
  main = await runPhase('main');
  await server.restart();
  afterRestart = await runPhase('after-restart');
}, 240_000);

afterAll(async () => {
  await server?.stop();
  restoreTls();
});

const join = (run: PythonRun, user: string, room: string, nick: string) => observed(run, 'join', { user, room, nick });
const iq = (run: PythonRun, label: string) => theOne(run, 'iq', { label });

describe('group chat with slixmpp (XEP-0045)', () => {
  it('runs the whole story to the end, before and after a restart', () => {
    for (const run of [main, afterRestart]) {
      const done = theOne(run, 'done');
      expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
    }
  });

  it('finds the service as the first disco item, with identity conference/text', () => {
    expect(theOne(main, 'service')).toMatchObject({ jid: SERVICE, identities: ['conference/text'] });
    expect(theOne(main, 'service').features).toContain('http://jabber.org/protocol/muc');
  });

  it('lets several users create, configure and join rooms; an ordinary account creates one', () => {
    const created = join(main, 'alice', ROOM, 'Alice')[0]!;
    expect(created).toMatchObject({ ok: true, item: { affiliation: 'owner', role: 'moderator' } });
    expect(created.codes).toEqual(expect.arrayContaining([110, 201]));
    expect(theOne(main, 'config_form').fields).toEqual(expect.arrayContaining(['muc#roomconfig_roomname', 'muc#roomconfig_enablearchiving', 'muc#roomconfig_membersonly']));
    const info = theOne(main, 'room_info', { label: 'configured' });
    expect(info.name).toBe('The Lounge');
    // What the compliance tester checks on a room: the archive and vcard-temp.
    expect(info.features).toEqual(expect.arrayContaining(['http://jabber.org/protocol/muc', 'urn:xmpp:mam:2', 'vcard-temp', 'muc_persistent']));
    // slixmpp counts itself among the occupants it saw come online.
    expect(join(main, 'bob', ROOM, 'Bob')[0]).toMatchObject({ ok: true, subject: 'Welcome to the lounge', occupants: ['Alice', 'Bob'] });
    expect(join(main, 'carol', ROOM, 'Carol')[0]).toMatchObject({ ok: true, occupants: ['Alice', 'Bob', 'Carol'] });
  });

  it('refuses nonsense configuration with not-acceptable', () => {
    expect(iq(main, 'nonsense-config')).toMatchObject({ ok: false, condition: 'not-acceptable' });
    expect(iq(main, 'nonsense-whois')).toMatchObject({ ok: false, condition: 'not-acceptable' });
  });

  it('refuses a nickname someone has with conflict', () => {
    expect(join(main, 'mallory', ROOM, 'Bob')[0]).toMatchObject({ ok: false, condition: 'conflict' });
  });

  it('carries groupchat and private messages from occupant JIDs, with the room stanza id', () => {
    for (const user of ['alice', 'carol']) expect(theOne(main, 'groupchat', { user })).toMatchObject({ from: `${ROOM}/Bob`, type: 'groupchat', stanza_id_by: ROOM });
    expect(theOne(main, 'private', { user: 'alice' }).from).toBe(`${ROOM}/Carol`);
  });

  it('changes nicknames (303 with the new nick) and answers a self-ping', () => {
    const change = theOne(main, 'nick_change');
    expect(change.codes).toContain(303);
    expect(change.item).toMatchObject({ nick: 'Robert' });
    expect(iq(main, 'self-ping').ok).toBe(true);
  });

  it('kicks (307) and bans (301); a ban holds against another resource', () => {
    expect(iq(main, 'kick').ok).toBe(true);
    expect(theOne(main, 'kicked').codes).toEqual(expect.arrayContaining([110, 307]));
    expect(iq(main, 'ban').ok).toBe(true);
    expect(theOne(main, 'banned').codes).toEqual(expect.arrayContaining([110, 301]));
    expect(join(main, 'carol-phone', ROOM, 'NotCarol')[0]).toMatchObject({ ok: false, condition: 'forbidden' });
  });

  it('keeps visitors quiet in a moderated room until they are given voice', () => {
    expect(join(main, 'mallory', ROOM, 'Mallory')[0]).toMatchObject({ ok: true, item: { role: 'visitor' } });
    expect(theOne(main, 'visitor_message').condition).toBe('forbidden');
    expect(iq(main, 'voice').ok).toBe(true);
    theOne(main, 'voiced_message');
  });

  it('slows a flood down with resource-constraint while the room keeps working for everyone else', () => {
    expect(theOne(main, 'flood').condition).toBe('resource-constraint');
    theOne(main, 'after_flood');
  });

  it('answers a room archive query (XEP-0313 on the room) with what was said', () => {
    const bodies = theOne(main, 'room_archive').bodies as string[];
    expect(bodies).toEqual(expect.arrayContaining(['hello from bob', 'now with voice']));
    expect(bodies).not.toContain('psst, alice');
  });

  it('keeps a members-only room to members, and a password room to those who know it (wrong password); tells of a new member', () => {
    const attempts = join(main, 'mallory', PRIVATE, 'Mallory');
    expect(attempts.map((a) => a.ok ? 'in' : a.condition)).toEqual(['registration-required', 'not-authorized', 'in']);
    expect(theOne(main, 'members', { room: 'private' }).jids).toEqual([`${PREFIX}-mallory@localhost`]);
    // Made a member while away: a status 101 notice without a body for her, the room's notice for the owner.
    expect(theOne(main, 'affiliation_notice', { user: 'mallory' })).toMatchObject({ codes: [101], item: { affiliation: 'member', jid: `${PREFIX}-mallory@localhost` }, body: '' });
    expect(theOne(main, 'affiliation_notice', { user: 'alice' })).toMatchObject({ codes: [], item: { affiliation: 'member', jid: `${PREFIX}-mallory@localhost` } });
  });

  it('lets a temporary room vanish with its last occupant, and destroys a room with an alternate venue', () => {
    expect(iq(main, 'temporary-gone')).toMatchObject({ ok: false, condition: 'item-not-found' });
    expect(iq(main, 'destroy').ok).toBe(true);
    expect(theOne(main, 'left', { room: 'temporary' }).codes).toContain(110);
    expect(theOne(main, 'destroyed')).toMatchObject({ jid: ROOM, reason: 'moving on' });
  });

  it('keeps the room across a restart: name, subject, ban, and history from the room archive', () => {
    expect(theOne(afterRestart, 'room_info', { label: 'after-restart' }).name).toBe('The Lounge');
    const back = join(afterRestart, 'alice', ROOM, 'Alice')[0]!;
    expect(back).toMatchObject({ ok: true, subject: 'Welcome to the lounge' });
    expect(back.history).toEqual(expect.arrayContaining(['hello from bob', 'still talking']));
    expect(join(afterRestart, 'carol', ROOM, 'Carol')[0]).toMatchObject({ ok: false, condition: 'forbidden' });
  });
});

describe('group chat with @xmpp/client', () => {
  const PASSWORD = 'xmpp.js muc password';
  const sessions: JsSession[] = [];
  const room = `${PREFIX}-js@${SERVICE}`;
  const fromRoom = (nick: string) => (el: Element) => el.name === 'presence' && el.attrs.from === `${room}/${nick}`;

  afterAll(async () => {
    for (const session of sessions) await session.stop();
  });

  it('creates an instant room, talks over WebSocket and STARTTLS, and reads the room archive', { timeout: 120_000 }, async () => {
    for (const username of [`${PREFIX}-js-ann`, `${PREFIX}-js-ben`]) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
    const ann = await loginJs({ server, transport: 'websocket', username: `${PREFIX}-js-ann`, password: PASSWORD, timeoutMs: WAIT_MS });
    const ben = await loginJs({ server, transport: 'starttls', username: `${PREFIX}-js-ben`, password: PASSWORD, timeoutMs: WAIT_MS });
    sessions.push(ann, ben);

    await ann.send(xml('presence', { to: `${room}/Ann` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const created = await ann.inbox.waitFor(fromRoom('Ann'), 'Ann in the new room', WAIT_MS);
    const codes = created.getChild('x', 'http://jabber.org/protocol/muc#user')!.getChildren('status').map((s) => s.attrs.code);
    expect(codes).toEqual(expect.arrayContaining(['110', '201']));
    const configured = await ann.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))), WAIT_MS);
    expect(configured.attrs.type).toBe('result');

    await ben.send(xml('presence', { to: `${room}/Ben` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await ben.inbox.waitFor(fromRoom('Ann'), 'Ann seen by Ben', WAIT_MS);
    await ben.inbox.waitFor(fromRoom('Ben'), 'Ben in the room', WAIT_MS);
    await ann.inbox.waitFor(fromRoom('Ben'), 'Ben seen by Ann', WAIT_MS);

    await ann.send(xml('message', { to: room, type: 'groupchat', id: 'js-1' }, xml('body', {}, 'hello from xmpp.js')));
    const got = await ben.inbox.waitFor((el) => el.name === 'message' && el.getChildText('body') === 'hello from xmpp.js', 'the groupchat message', WAIT_MS);
    expect(got.attrs.from).toBe(`${room}/Ann`);
    expect(got.getChild('occupant-id', 'urn:xmpp:occupant-id:0')).toBeDefined();

    const fin = await ben.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'js' })), WAIT_MS);
    const result = await ben.inbox.waitFor((el) => el.name === 'message' && el.getChild('result', 'urn:xmpp:mam:2')?.attrs.queryid === 'js', 'the archived message', WAIT_MS);
    expect(result.getChild('result', 'urn:xmpp:mam:2')!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!.getChildText('body')).toBe('hello from xmpp.js');
    expect(fin.getChild('fin', 'urn:xmpp:mam:2')!.attrs.complete).toBe('true');
  });

  it('tells everyone in a room that the service is going down (332) before the server stops', { timeout: 120_000 }, async () => {
    const [ann] = sessions;
    expect(ann, 'the previous test logged Ann in').toBeDefined();
    const told = ann!.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.attrs.from === `${room}/Ann`, 'the shutdown presence', WAIT_MS);
    await server.restart();
    const presence = await told;
    const codes = presence.getChild('x', 'http://jabber.org/protocol/muc#user')!.getChildren('status').map((s) => s.attrs.code);
    expect(codes).toEqual(expect.arrayContaining(['110', '332']));
  });
});
