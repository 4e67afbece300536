import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Ad-hoc commands (XEP-0050) and service administration (XEP-0133) with a
 * real client: slixmpp 1.8.3 (Debian) and its own xep_0050 and xep_0004
 * plugins, over STARTTLS (slixmpp/adhoc.py). An admin lists the commands and
 * adds a user in two stages; the new user logs in; a user is refused.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/adhoc.py', import.meta.url));
const PREFIX = `adhoc${process.pid}`;
const ADMIN = 'http://jabber.org/protocol/admin';

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer({ admins: [`${PREFIX}-admin@localhost`] });
  await server.core.accounts.create(`${PREFIX}-admin`, 'correct horse 1');
  await server.core.accounts.create(`${PREFIX}-user`, 'correct horse 1');
  run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 25_000);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

describe('ad-hoc admin commands with slixmpp (XEP-0050, XEP-0133)', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('announces commands on the domain, and lists the admin commands to the admin only', () => {
    expect(theOne(run, 'disco', { user: 'admin' }).features).toContain('http://jabber.org/protocol/commands');
    expect(theOne(run, 'commands', { user: 'admin' }).nodes).toEqual(
      expect.arrayContaining([`${ADMIN}#add-user`, `${ADMIN}#delete-user`, `${ADMIN}#change-user-password`, `${ADMIN}#get-registered-users-num`, `${ADMIN}#get-online-users-num`]),
    );
    // An ordinary user sees only the commands for their own account (download it, announce a move).
    expect(theOne(run, 'commands', { user: 'user' }).nodes).toEqual(['https://conexizan.org/commands#announce-move', 'https://conexizan.org/commands#export-account']);
  });

  it('adds a user in two stages with one sessionid, and the new user logs in', async () => {
    const form = theOne(run, 'add-user', { stage: 'form' });
    expect(form).toMatchObject({ status: 'executing', actions: ['complete'] });
    expect(form.fields).toEqual([['FORM_TYPE', 'hidden'], ['accountjid', 'jid-single'], ['password', 'text-private'], ['password-verify', 'text-private']]);
    const complete = theOne(run, 'add-user', { stage: 'complete' });
    expect(complete).toMatchObject({ status: 'completed', sessionid: form.sessionid });
    expect(complete.notes).toEqual([['info', `${PREFIX}-newbie@localhost has been created`]]);
    expect(theOne(run, 'login', { user: 'newbie', label: 'made-by-admin' })).toMatchObject({ ok: true, jid: `${PREFIX}-newbie@localhost/slix` });
    expect(await server.core.accounts.verifyPassword(`${PREFIX}-newbie`, 'made by the admin 1')).toBe(true);
    expect(theOne(run, 'users-num')).toMatchObject({ status: 'completed', value: '3' });
  });

  it('refuses an ordinary user (forbidden)', () => {
    expect(theOne(run, 'user-add-user')).toMatchObject({ ok: false, condition: 'forbidden' });
  });
});
