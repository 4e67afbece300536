import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Personal eventing with a real client: slixmpp 1.8.3 (Debian) and its own
 * XEP-0060, XEP-0115 and XEP-0163 plugins, over STARTTLS (slixmpp/pep.py).
 * An OMEMO device list published with access_model=open to a node nobody
 * created is readable by a stranger, a presence-only item is not, and
 * notifications reach only the resources that asked with +notify.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/pep.py', import.meta.url));
const PREFIX = `pep${process.pid}`;
const ALICE = `${PREFIX}-alice@localhost`;

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer();
  run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 55_000);
});

afterAll(async () => {
  await server?.stop();
});

describe('PEP with slixmpp (XEP-0163, XEP-0060, XEP-0115)', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('announces PEP on the account', () => {
    const disco = theOne(run, 'disco', { user: 'alice' });
    expect(disco.identities).toContain('pubsub/pep');
    expect(disco.features).toEqual(expect.arrayContaining([
      'http://jabber.org/protocol/pubsub#publish-options', 'http://jabber.org/protocol/pubsub#auto-create',
      'http://jabber.org/protocol/pubsub#filtered-notifications', 'http://jabber.org/protocol/pubsub#persistent-items',
    ]));
  });

  it('auto-creates the node with access model open and makes up an item id', () => {
    const published = theOne(run, 'publish', { label: 'devices' });
    expect(published.ok).toBe(true);
    expect(published.id).toMatch(/.{8,}/);
  });

  it('refuses a publish whose options contradict the node with conflict and precondition-not-met', () => {
    expect(theOne(run, 'publish', { label: 'mismatch' })).toMatchObject({ ok: false, condition: 'conflict', type: 'cancel', pubsub: 'precondition-not-met' });
  });

  it('lets a stranger read the open device list but not the presence-only mood, which a contact reads', () => {
    expect(theOne(run, 'items', { user: 'stranger', label: 'devices' })).toMatchObject({ ok: true });
    expect((theOne(run, 'items', { user: 'stranger', label: 'devices' }).ids as string[]).length).toBe(1);
    expect(theOne(run, 'items', { user: 'stranger', label: 'mood' })).toMatchObject({ ok: false, condition: 'not-authorized', pubsub: 'presence-subscription-required' });
    expect(theOne(run, 'items', { user: 'bob', label: 'mood' })).toMatchObject({ ok: true, ids: ['m1'] });
  });

  it('sends the last item when the contact announces +notify, then each new one; never to a resource that did not ask', () => {
    const last = theOne(run, 'last_item', { user: 'bob' }).events as { from: string; ids: string[] }[];
    expect(last).toHaveLength(1);
    expect(last[0]!.from).toBe(ALICE);
    const events = theOne(run, 'events', { user: 'bob' }).events as { from: string; ids: string[] }[];
    expect(events).toEqual([expect.objectContaining({ from: ALICE, ids: ['current'] })]);
    expect(theOne(run, 'events', { user: 'alice/second' }).events).toEqual([]);
  });

  it('deletes the node for its owner', () => {
    expect(theOne(run, 'items', { user: 'stranger', label: 'after-delete' })).toMatchObject({ ok: false, condition: 'item-not-found' });
  });
});
