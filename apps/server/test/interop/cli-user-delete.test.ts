import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { cliConfigFor, conexizan as runCli } from '../support/cli.ts';
import { fetchRaw, requestSlot } from '../support/https.ts';
import { createAccount, login, tryLogin, XMLNS, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * `conexizan user delete` as an operator runs it: its own process, beside
 * the running server, on the same data directory; it acts on the running
 * server through its control channel. It must run the same lifecycle as a
 * deletion from a client (AccountService.remove): the contact loses the
 * subscriptions both ways, live, the deleted user's uploads are gone from
 * their URLs, the account cannot log in, and running it twice is harmless.
 */
const PASSWORD = 'cli deletion password';
let server: TestServer;
let configFile: string;
let alice: RawXmppConnection;

const conexizan = (...args: string[]) => runCli(configFile, args);

const rosterItem = async (who: RawXmppConnection, contact: string): Promise<Element | undefined> => {
  const result = await who.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: XMLNS.ROSTER })));
  return result.getChild('query', XMLNS.ROSTER)?.getChildren('item').find((item) => item.attrs.jid === contact);
};
const presence = (who: RawXmppConnection, type: string, from: string) =>
  who.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === type && el.attrs.from === from, `${type} from ${from}`);

beforeAll(async () => {
  server = await startTestServer();
  // The command line reads the same settings as the server: domain, data directory, the HTTP port the upload URLs name.
  configFile = cliConfigFor(server);
  for (const username of ['cli-alice', 'cli-bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  alice = await login({ port: server.ports.c2s, username: 'cli-alice', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await alice?.close();
  await server?.stop();
});

describe('conexizan user delete, beside a running server', () => {
  it('deletes the account the way the server does: the contact loses both subscriptions, the uploads are gone', async () => {
    const bob = await login({ port: server.ports.c2s, username: 'cli-bob', password: PASSWORD });
    // Mutual subscription, as two clients make it (RFC 6121 §3.1).
    await rosterItem(alice, 'cli-bob@localhost');
    alice.send(xml('presence', { type: 'subscribe', to: 'cli-bob@localhost' }));
    await presence(bob, 'subscribe', 'cli-alice@localhost');
    bob.send(xml('presence', { type: 'subscribed', to: 'cli-alice@localhost' }));
    bob.send(xml('presence', { type: 'subscribe', to: 'cli-alice@localhost' }));
    await presence(alice, 'subscribe', 'cli-bob@localhost');
    alice.send(xml('presence', { type: 'subscribed', to: 'cli-bob@localhost' }));
    await presence(bob, 'subscribed', 'cli-alice@localhost');
    expect((await rosterItem(alice, 'cli-bob@localhost'))?.attrs.subscription).toBe('both');

    // Bob shares a file; anyone with the link can fetch it.
    const slot = await requestSlot(bob, 'notes.txt', 5, 'text/plain');
    expect((await fetchRaw('PUT', slot.put, { authorization: slot.auth, 'content-type': 'text/plain' }, 'hello')).status).toBe(201);
    expect((await fetchRaw('GET', slot.get)).status).toBe(200);
    await bob.close();

    const deleted = await conexizan('user', 'delete', 'cli-bob@localhost');
    expect(deleted, deleted.err).toMatchObject({ code: 0, out: 'cli-bob@localhost has been deleted\n' });
    // Alice, online, is told at once (the running server did it).
    await presence(alice, 'unsubscribed', 'cli-bob@localhost');

    expect((await fetchRaw('GET', slot.get)).status).toBe(404);
    expect(await tryLogin({ port: server.ports.c2s, username: 'cli-bob', password: PASSWORD })).toMatchObject({ ok: false, condition: 'not-authorized' });
    // What alice's client shows once it fetches the roster again (its next login): bob stays listed, subscribed neither way.
    const item = await rosterItem(alice, 'cli-bob@localhost');
    expect(item?.attrs).toMatchObject({ jid: 'cli-bob@localhost', subscription: 'none' });
    expect(item?.attrs.ask).toBeUndefined();
  });

  it('says so when the account is gone already, and changes nothing', async () => {
    const again = await conexizan('user', 'delete', 'cli-bob@localhost');
    expect(again).toMatchObject({ code: 1, out: '', err: 'conexizan: no account cli-bob@localhost\n' });
    expect((await conexizan('user', 'list')).out).toBe('cli-alice@localhost\n');
  });
});
