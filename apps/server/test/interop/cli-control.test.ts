import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { cliConfigFor, conexizan as runCli } from '../support/cli.ts';
import { chat, createAccount, login, stanzaErrorCondition, tryLogin, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The command line beside a running server (its own process, the same
 * config): every command acts on the running server through its control
 * channel (data_dir/secrets/control, loopback only), so what it changes
 * reaches connected people at once, and it is in the audit log as "command
 * line". Without the token, the channel refuses.
 */
const PASSWORD = 'cli control password';
let server: TestServer;
let configFile: string;
let alice: RawXmppConnection;

const conexizan = (...args: string[]) => runCli(configFile, args);
const input = (text: string, ...args: string[]) => runCli(configFile, args, text);

beforeAll(async () => {
  server = await startTestServer();
  configFile = cliConfigFor(server);
  for (const username of ['alice', 'mallory', 'carol']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  alice = await login({ port: server.ports.c2s, username: 'alice', password: PASSWORD });
  alice.send(xml('presence'));
}, 60_000);

afterAll(async () => {
  await alice?.close();
  await server?.stop();
});

describe('conexizan beside a running server', () => {
  it('suspends an account: its session ends at once, its login and what is sent to it are refused; unsuspend restores it', async () => {
    const mallory = await login({ port: server.ports.c2s, username: 'mallory', password: PASSWORD });
    const suspended = await conexizan('user', 'suspend', 'mallory', '--reason', 'sent spam', '--tell');
    expect(suspended, suspended.err).toMatchObject({ code: 0, out: 'mallory@localhost is suspended\n' });
    expect((await mallory.streamError()).condition).toBe('policy-violation');
    const refusedLogin = await tryLogin({ port: server.ports.c2s, username: 'mallory', password: PASSWORD });
    expect(refusedLogin).toMatchObject({ ok: false, condition: 'account-disabled' });
    expect(refusedLogin.ok === false && refusedLogin.element.getChildText('text')).toBe('This account is suspended: sent spam');
    alice.send(chat('mallory@localhost', 'are you there?', { id: 'to-suspended' }));
    const bounce = await alice.inbox.waitFor((el) => el.name === 'message' && el.attrs.id === 'to-suspended', 'the bounce');
    expect(stanzaErrorCondition(bounce)).toBe('recipient-unavailable');

    expect((await conexizan('user', 'suspended')).out).toMatch(/^mallory@localhost\t.+\tsent spam\t1$/m);
    expect(await conexizan('user', 'unsuspend', 'mallory@localhost')).toMatchObject({ code: 0, out: 'mallory@localhost can log in again\n' });
    expect(await tryLogin({ port: server.ports.c2s, username: 'mallory', password: PASSWORD })).toMatchObject({ ok: true });
    expect(await conexizan('user', 'unsuspend', 'mallory')).toMatchObject({ code: 1, err: 'conexizan: mallory is not suspended\n' });
  });

  it('announces to everyone online, and the message of the day reaches the next login', async () => {
    expect(await input('Maintenance at 22:00.', 'announce', '--subject', 'Maintenance')).toMatchObject({ code: 0, out: 'sent to 1 online account\n' });
    const notice = await alice.inbox.waitFor((el) => el.name === 'message' && el.getChildText('subject') === 'Maintenance', 'the announcement');
    expect(notice.attrs.from).toBe('localhost');
    expect(notice.getChildText('body')).toBe('Maintenance at 22:00.');

    expect((await conexizan('motd', 'set', 'Welcome', 'to', 'the', 'server')).code).toBe(0);
    const carol = await login({ port: server.ports.c2s, username: 'carol', password: PASSWORD });
    await carol.inbox.waitFor((el) => el.name === 'message' && el.getChildText('subject') === 'Message of the day' && el.getChildText('body') === 'Welcome to the server', 'the message of the day');
    await carol.close();
    expect(await conexizan('motd', 'delete')).toMatchObject({ code: 0, out: 'the message of the day is deleted\n' });
  });

  it('locks a room with people in it: they are put out at once, and only operators may enter', async () => {
    const room = 'lounge@conference.localhost';
    alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: NS.MUC })));
    await alice.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/Alice` && !el.attrs.type, 'entering the room');
    alice.send(xml('iq', { type: 'set', to: room, id: 'cfg' }, xml('query', { xmlns: NS.MUC_OWNER }, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }))));
    await alice.inbox.waitFor((el) => el.attrs.id === 'cfg', 'the room configured');
    expect(await conexizan('room', 'lock', 'lounge')).toMatchObject({ code: 0, out: 'The room is closed.\n' });
    const out = await alice.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/Alice` && el.attrs.type === 'unavailable', 'being put out');
    expect(out.getChild('x', NS.MUC_USER)?.getChildren('status').map((status) => status.attrs.code)).toContain('307');
    expect((await conexizan('room', 'info', 'lounge')).out).toMatch(/closed/);
    expect((await conexizan('room', 'unlock', 'lounge')).code).toBe(0);
  });

  it('writes every action into the audit log as the command line, never an address', async () => {
    const audit = await conexizan('audit');
    expect(audit.code).toBe(0);
    for (const action of ['suspend', 'unsuspend', 'announce', 'set-motd', 'delete-motd', 'close-room', 'reopen-room']) expect(audit.out).toMatch(new RegExp(`\\tcommand line\\t${action}\\t`));
    expect(audit.out).not.toMatch(/127\.0\.0\.1/);
  });

  it('refuses the control channel without its token, with the wrong one, and a malformed request', async () => {
    const url = `http://127.0.0.1:${server.ports.http}/control/command`;
    const body = JSON.stringify({ node: `${NS.ADMIN}#disable-user`, fields: { accountjids: ['alice@localhost'] } });
    expect((await fetch(url, { method: 'POST', body })).status).toBe(403);
    expect((await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${'00'.repeat(32)}` } })).status).toBe(403);
    expect(await server.core.accounts.suspension('alice')).toBeNull();
    const token = readFileSync(join(server.dataDir, 'secrets', 'control')).toString('hex');
    const malformed = await fetch(url, { method: 'POST', body: 'not json', headers: { authorization: `Bearer ${token}` } });
    expect([malformed.status, await malformed.json()]).toEqual([400, { error: 'bad-request', text: 'the request is not JSON' }]);
    expect((await conexizan('report', 'show', 'no-such-report'))).toMatchObject({ code: 1, err: 'conexizan: no such report\n' });
  });
});
