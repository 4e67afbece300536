import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The blocking command (XEP-0191) seen by slixmpp's xep_0191 plugin
 * (python3-slixmpp from Debian): alice on two devices blocks bob, a
 * contact with a mutual subscription, then unblocks him.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/mobile.py', import.meta.url));
const PREFIX = `blk${process.pid}`;
const PASSWORD = 'block party 42';
const ALICE = `${PREFIX}-alice@localhost`;
const BOB = `${PREFIX}-bob@localhost`;
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer();
  for (const user of ['alice', 'bob']) await server.core.accounts.create(`${PREFIX}-${user}`, PASSWORD);
  const both = { name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] } as const;
  await server.core.storage.roster.put(`${PREFIX}-alice`, { jid: BOB, ...both, groups: [] });
  await server.core.storage.roster.put(`${PREFIX}-bob`, { jid: ALICE, ...both, groups: [] });
  run = await runSlixmpp(SCRIPT, ['--story', 'blocking', '--port', String(server.ports.c2s), '--prefix', PREFIX, '--password', PASSWORD], 50_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('blocking command with slixmpp', () => {
  it('runs the whole story', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('blocking is pushed to the device that asked for the list, and bob sees alice go offline', () => {
    expect(theOne(run, 'blocklist', { label: 'before' })).toMatchObject({ items: [] });
    expect(theOne(run, 'push', { kind: 'blocked' })).toMatchObject({ items: [BOB] });
    expect(theOne(run, 'bob_sees_alice', { label: 'after-block' })).toMatchObject({ unavailable: true });
  });

  it('bob gets nothing through and learns nothing but service-unavailable', () => {
    expect(theOne(run, 'bob_bounce')).toMatchObject({ error: [`{${STANZAS}}service-unavailable`] });
    expect(theOne(run, 'bob_disco')).toMatchObject({ ok: false, condition: 'service-unavailable' });
    expect(theOne(run, 'alice_saw')).toMatchObject({ bodies: [] });
    expect(theOne(run, 'bob_saw')).toMatchObject({ statuses: [], bodies: [] });
  });

  it('what alice sends to bob is refused with not-acceptable and <blocked/>', () => {
    expect(theOne(run, 'alice_refused')).toMatchObject({ error: [`{${STANZAS}}not-acceptable`, '{urn:xmpp:blocking:errors}blocked'] });
  });

  it('unblocking is pushed, bob sees alice again and his messages arrive', () => {
    expect(theOne(run, 'push', { kind: 'unblocked', device: 'one' })).toMatchObject({ got: false });
    expect(theOne(run, 'push', { kind: 'unblocked', device: 'two' })).toMatchObject({ items: [BOB] });
    expect(theOne(run, 'bob_sees_alice', { label: 'after-unblock' })).toMatchObject({ status: 'busy now' });
    expect(theOne(run, 'after_unblock')).toMatchObject({ delivered: true });
  });
});
