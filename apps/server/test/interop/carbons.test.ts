import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Message carbons (XEP-0280) with three devices of one account, seen by
 * slixmpp's xep_0280 plugin (python3-slixmpp from Debian): a phone and a
 * laptop that enabled carbons, a tablet that did not, and bob.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/mobile.py', import.meta.url));
const PREFIX = `carb${process.pid}`;
const PASSWORD = 'carbon paper 42';
const ALICE = `${PREFIX}-alice@localhost`;
const BOB = `${PREFIX}-bob@localhost`;

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer();
  for (const user of ['alice', 'bob']) await server.core.accounts.create(`${PREFIX}-${user}`, PASSWORD);
  run = await runSlixmpp(SCRIPT, ['--story', 'carbons', '--port', String(server.ports.c2s), '--prefix', PREFIX, '--password', PASSWORD], 50_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('message carbons with slixmpp', () => {
  it('runs the whole story', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('a message to the phone reaches the laptop as a received carbon', () => {
    expect(theOne(run, 'original')).toMatchObject({ ok: true });
    expect(theOne(run, 'carbon_received')).toEqual({
      step: 'carbon_received',
      device: 'laptop',
      wrapper_from: ALICE,
      wrapper_to: `${ALICE}/laptop`,
      from: `${BOB}/pc`,
      to: `${ALICE}/phone`,
      body: 'to your phone',
    });
  });

  it('what the phone sends reaches the laptop as a sent carbon', () => {
    expect(theOne(run, 'delivered')).toMatchObject({ ok: true });
    expect(theOne(run, 'carbon_sent')).toEqual({
      step: 'carbon_sent',
      device: 'laptop',
      wrapper_from: ALICE,
      wrapper_to: `${ALICE}/laptop`,
      from: `${ALICE}/phone`,
      to: BOB,
      body: 'answer from the phone',
    });
  });

  it('a <private/> message is delivered but not copied, and a device without carbons gets no copies', () => {
    expect(theOne(run, 'delivered_private')).toMatchObject({ ok: true, private_left: false });
    expect(theOne(run, 'copies', { device: 'laptop' })).toMatchObject({ sent: 1, received: 1 });
    expect(theOne(run, 'copies', { device: 'tablet' })).toMatchObject({ sent: 0, received: 0, bodies: [] });
  });
});
