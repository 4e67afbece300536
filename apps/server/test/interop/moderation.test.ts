import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, observed, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Abuse reports (XEP-0377), suspension (XEP-0133 disable-user), an
 * announcement and the message of the day with real clients: Debian's
 * slixmpp 1.8.3 as users, spammer and admin (slixmpp/moderation.py).
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/moderation.py', import.meta.url));
const PREFIX = `mod${process.pid}`;
const jid = (name: string) => `${PREFIX}-${name}@localhost`;

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer({ admins: [jid('admin')] });
  for (const name of ['admin', 'reporter', 'witness', 'spammer', 'latecomer']) await server.core.accounts.create(`${PREFIX}-${name}`, 'correct horse 1');
  run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 90_000);
}, 100_000);

afterAll(async () => {
  await server?.stop();
});

describe('keeping the service clean, with slixmpp', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('a report from slixmpp’s own XEP-0377 plugin and one in the current form both reach the admin, with the number of open reports', async () => {
    expect(theOne(run, 'report', { user: 'reporter' }).sent).toContain('urn:xmpp:reporting:0');
    expect(theOne(run, 'notice', { n: 1 })).toMatchObject({ from: 'localhost', body: expect.stringContaining(`${jid('reporter')} reported ${jid('spammer')} (spam): “ads all day”\n1 open report.`) });
    expect(theOne(run, 'notice', { n: 2 }).body).toContain('2 open reports');
    const rows = theOne(run, 'reports').rows as Record<string, string>[];
    expect(rows.map((row) => [row.reporter, row.offender, row.reason, row.messages])).toEqual([[jid('witness'), jid('spammer'), 'spam', '1'], [jid('reporter'), jid('spammer'), 'spam', '0']]);
    const [witnessReport] = await server.core.storage.reports.list({ limit: 1 });
    expect(witnessReport!.messages[0]!.stanza).toContain('BUY CHEAP WATCHES');
    expect(await server.core.storage.blocklist.list(`${PREFIX}-reporter`)).toEqual([jid('spammer')]);
  });

  it('suspending the spammer ends his session, refuses his login with the reason and bounces messages to him; lifting it restores him', () => {
    expect(theOne(run, 'suspend').notes).toEqual([['info', `${jid('spammer')} is suspended`]]);
    expect(theOne(run, 'spammer_session')).toMatchObject({ ended: true, stream_error: 'policy-violation' });
    expect(theOne(run, 'login', { user: 'spammer', label: 'while-suspended' })).toMatchObject({ ok: false, condition: 'account-disabled', text: 'This account is suspended: spam' });
    expect(theOne(run, 'bounce')).toEqual({ step: 'bounce', condition: 'recipient-unavailable', type: 'wait', text: 'this account is suspended' });
    expect(theOne(run, 'unsuspend').notes).toEqual([['info', `${jid('spammer')} can log in again`]]);
    expect(theOne(run, 'login', { user: 'spammer', label: 'after-unsuspend' })).toMatchObject({ ok: true });
    expect(theOne(run, 'vcard')).toMatchObject({ fn: 'Totally Legit' });
  });

  it('an announcement reaches every slixmpp user online, and the message of the day the next one to log in', () => {
    for (const user of ['reporter', 'witness', 'spammer']) expect(theOne(run, 'announcement', { user })).toMatchObject({ from: 'localhost', body: 'Back at 22:00' });
    expect(theOne(run, 'motd', { user: 'latecomer' })).toMatchObject({ from: 'localhost', body: 'Be kind to each other' });
  });

  it('an ordinary user sees no admin command and is refused each', () => {
    expect(theOne(run, 'commands', { user: 'reporter' }).nodes).toEqual(['https://conexizan.org/commands#announce-move', 'https://conexizan.org/commands#export-account']);
    const refusals = theOne(run, 'refusals', { user: 'reporter' });
    expect(Object.entries(refusals).filter(([key]) => key !== 'step' && key !== 'user').map(([, value]) => value)).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden']);
    expect(observed(run, 'login').filter((o) => o.ok === false)).toHaveLength(1);
  });
});
