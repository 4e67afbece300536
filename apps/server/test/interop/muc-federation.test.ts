import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startProsody, type ProsodyInstance } from '../support/prosody.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A room on Conexizan with an occupant whose account is on another server:
 * Debian's Prosody 0.12 as prosody-muc.test (127.0.0.9), Conexizan as
 * cnxmuc.test (127.0.0.8) with its group chat service at
 * conference.cnxmuc.test. Prosody reaches the service's subdomain over
 * server-to-server streams like any other domain; the room sends to the
 * remote occupant's full JID through the router, with nothing special for
 * remote users. slixmpp on each side (slixmpp/muc_federation.py).
 * And the other way (slixmpp/muc_remote_room.py): alice joins a room on
 * Prosody's own MUC component (conference.prosody-muc.test, mod_muc_mam).
 */
const CNX = { domain: 'cnxmuc.test', address: '127.0.0.8' };
const PEER = { domain: 'prosody-muc.test', address: '127.0.0.9' };
const SERVICE = `conference.${CNX.domain}`;
const PASSWORD = 'correct horse 1';
const PEER_SERVICE = `conference.${PEER.domain}`;
const SCRIPT = fileURLToPath(new URL('./slixmpp/muc_federation.py', import.meta.url));
const REMOTE_ROOM_SCRIPT = fileURLToPath(new URL('./slixmpp/muc_remote_room.py', import.meta.url));

let server: TestServer;
let prosody: ProsodyInstance;
let run: PythonRun;
let remoteRoomRun: PythonRun;

beforeAll(async () => {
  prosody = await startProsody({ domain: PEER.domain, address: PEER.address, peers: { [CNX.domain]: CNX.address, [SERVICE]: CNX.address }, muc: PEER_SERVICE });
  // Prosody's direct-TLS s2s port (XEP-0368): a free port the helper chose, or its former fixed 5270.
  const directTls = (prosody as unknown as { s2sDirectTlsPort?: number }).s2sDirectTlsPort ?? 5270;
  server = await startTestServer({ domain: CNX.domain, bind: CNX.address, ports: { s2s: 5269 }, s2s: { hosts: { [PEER.domain]: `tls://${PEER.address}:${directTls}`, [PEER_SERVICE]: `tls://${PEER.address}:${directTls}` } } });
  await server.core.accounts.create('alice', PASSWORD);
  prosody.register('bob', PASSWORD);
  const accounts = ['--alice-host', CNX.address, '--alice-port', String(server.ports.c2s), '--alice-jid', `alice@${CNX.domain}`,
    '--bob-host', PEER.address, '--bob-port', String(prosody.c2sPort), '--bob-jid', `bob@${PEER.domain}`, '--password', PASSWORD];
  run = await runSlixmpp(SCRIPT, [...accounts, '--room', `lounge@${SERVICE}`], 120_000);
  remoteRoomRun = await runSlixmpp(REMOTE_ROOM_SCRIPT, [...accounts, '--room', `lobby@${PEER_SERVICE}`], 120_000);
}, 300_000);

afterAll(async () => {
  await prosody?.stop();
  await server?.stop();
});

describe('group chat across servers (Prosody user in a Conexizan room)', () => {
  it('lets a user of another server join, read, write and receive a private message', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\n${run.stderr.slice(-2000)}\n--- prosody log ---\n${prosody.logTail()}`).toMatchObject({ ok: true });
    expect(theOne(run, 'join', { user: 'bob' })).toMatchObject({ ok: true, occupants: ['Alice', 'Bob'] });
    expect(theOne(run, 'groupchat', { user: 'bob' }).sender).toBe(`lounge@${SERVICE}/Alice`);
    expect(theOne(run, 'groupchat', { user: 'alice' }).sender).toBe(`lounge@${SERVICE}/Bob`);
    expect(theOne(run, 'private', { user: 'bob' }).sender).toBe(`lounge@${SERVICE}/Alice`);
  });
});

describe('group chat across servers (Conexizan user in a room on Prosody)', () => {
  it('lets our user join the other server\'s room, get its history and archive, talk, and receive a private message', () => {
    const room = `lobby@${PEER_SERVICE}`;
    const done = theOne(remoteRoomRun, 'done');
    expect(done, `${done.error}\n${done.trace}\n${remoteRoomRun.stderr.slice(-2000)}\n--- prosody log ---\n${prosody.logTail()}`).toMatchObject({ ok: true });
    expect(theOne(remoteRoomRun, 'join', { user: 'alice' })).toMatchObject({
      ok: true,
      occupants: ['Alice', 'Bob'],
      history: [{ sender: `${room}/Bob`, body: 'said before alice came', delayed: true }],
    });
    expect(theOne(remoteRoomRun, 'groupchat', { user: 'bob' }).sender).toBe(`${room}/Alice`);
    expect(theOne(remoteRoomRun, 'groupchat', { user: 'alice' }).sender).toBe(`${room}/Bob`);
    expect(theOne(remoteRoomRun, 'private', { user: 'alice' })).toMatchObject({ sender: `${room}/Bob`, type: 'chat' });
    expect(theOne(remoteRoomRun, 'archive', { user: 'alice' }).bodies).toEqual(['said before alice came', 'hello from conexizan', 'hello from prosody']);
  });
});
