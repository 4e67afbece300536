import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The message archive with a real client: slixmpp 1.8.3 (Debian) and its
 * own XEP-0313, XEP-0441 and XEP-0359 plugins, over STARTTLS
 * (slixmpp/mam.py). A MAM query after a reconnect returns what was sent
 * meanwhile, and nothing for a user whose preference is 'never'.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/mam.py', import.meta.url));
const PREFIX = `mam${process.pid}`;
const ALICE = `${PREFIX}-alice@localhost`;
const BOB = `${PREFIX}-bob@localhost`;
const CAROL = `${PREFIX}-carol@localhost`;

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer();
  run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 55_000);
});

afterAll(async () => {
  await server?.stop();
});

type Archived = { id: string; from: string; to: string; body: string; stamp: string | null };
const results = (label: string, user: string) => theOne(run, 'mam', { user, label }).results as Archived[];

describe('message archive with slixmpp (XEP-0313, XEP-0441, XEP-0359)', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('announces the archive on the account', () => {
    expect(theOne(run, 'disco', { user: 'bob' }).features).toEqual(expect.arrayContaining(['urn:xmpp:mam:2', 'urn:xmpp:mam:2#extended', 'urn:xmpp:sid:0']));
  });

  it('tells the recipient where a message is archived', () => {
    const seen = theOne(run, 'stanza_id', { user: 'bob' });
    expect(seen.by).toBe(BOB);
    expect(seen.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('returns, after a reconnect, exactly what was sent meanwhile', () => {
    const query = theOne(run, 'mam', { user: 'bob', label: 'after-last-seen' });
    expect(query.ok).toBe(true);
    const meanwhile = query.results as Archived[];
    expect(meanwhile.map((m) => m.body)).toEqual(['meanwhile one', 'meanwhile two']);
    for (const message of meanwhile) {
      expect(message.from).toBe(`${ALICE}/slix`);
      expect(message.to).toBe(BOB);
      expect(message.stamp, 'slixmpp parsed the <delay/> stamp').not.toBeNull();
    }
    // RSM's count is the whole result set, not the page.
    expect(query.fin).toMatchObject({ complete: 'true', count: '3', first: meanwhile[0]!.id, last: meanwhile[1]!.id });
    // The whole archive: the message read online first, with the id bob was given.
    const all = results('all', 'bob');
    expect(all.map((m) => m.body)).toEqual(['read online', 'meanwhile one', 'meanwhile two']);
    expect(all[0]!.id).toBe(theOne(run, 'stanza_id', { user: 'bob' }).id);
  });

  it('answers an id that is not in the archive with item-not-found', () => {
    expect(theOne(run, 'mam', { user: 'bob', label: 'unknown-after' })).toMatchObject({ ok: false, condition: 'item-not-found' });
  });

  it("keeps nothing for a user whose preference is 'never', who still gets her messages", () => {
    expect(theOne(run, 'prefs', { user: 'carol', label: 'before' })).toMatchObject({ default: 'always', always: [], never: [] });
    expect(theOne(run, 'prefs', { user: 'carol', label: 'after' })).toMatchObject({ default: 'never', always: [], never: [] });
    expect(theOne(run, 'message', { user: 'carol' })).toMatchObject({ body: 'for carol', stanza_id: false });
    const query = theOne(run, 'mam', { user: 'carol', label: 'all' });
    expect(query).toMatchObject({ ok: true, results: [], fin: { complete: 'true', count: '0' } });
  });

  it("keeps the sender's copy by the sender's preference", async () => {
    expect(results('with-carol', 'alice').map((m) => [m.body, m.to])).toEqual([['for carol', CAROL]]);
    expect(await server.core.storage.archive.count(`${PREFIX}-carol`)).toBe(0);
  });
});
