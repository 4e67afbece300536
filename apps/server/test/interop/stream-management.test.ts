import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { chat, connectSecure, createAccount, hasBody, login, XMLNS, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { sleep } from '../support/wait.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * XEP-0198 over real sockets: a session whose socket is killed keeps
 * every stanza in flight and hands it over when resumed; an id is useless
 * to anyone else; a session that is never resumed loses nothing either.
 */
const SM = 'urn:xmpp:sm:3';
const MAM = 'urn:xmpp:mam:2';
const PASSWORD = 'stream management';
const RESUME_SECONDS = 2;
let server: TestServer;
const open: RawXmppConnection[] = [];

const smElement = (name: string) => (el: Element) => el.name === name && el.attrs.xmlns === SM;
const isStanza = (el: Element) => ['message', 'presence', 'iq'].includes(el.name);

/** What a client would put in 'h': the stanzas it received since <enabled/>. */
function handled(connection: RawXmppConnection): number {
  const received = connection.inbox.received;
  const enabled = received.findIndex(smElement('enabled'));
  return received.slice(enabled + 1).filter(isStanza).length;
}

async function loginWithSm(username: string, resource = 'phone'): Promise<{ connection: RawXmppConnection; id: string }> {
  const { connection } = await connectSecure({ port: server.ports.c2s });
  open.push(connection);
  const auth = await connection.authenticate(username, PASSWORD);
  if (!auth.ok) throw new Error(`login failed: ${auth.condition}`);
  const features = await connection.openStream();
  expect(features.getChild('sm', SM), 'the sm stream feature after login').toBeDefined();
  await connection.bind(resource);
  connection.send(xml('enable', { xmlns: SM, resume: 'true' }));
  const enabled = await connection.inbox.waitFor(smElement('enabled'), '<enabled/>');
  expect(enabled.attrs.resume).toBe('true');
  connection.send(xml('presence'));
  return { connection, id: enabled.attrs.id as string };
}

/** A new connection, authenticated, that asks to resume instead of binding. */
async function resume(username: string, previd: string, h: number): Promise<{ connection: RawXmppConnection; answer: Element }> {
  const { connection } = await connectSecure({ port: server.ports.c2s });
  open.push(connection);
  const auth = await connection.authenticate(username, PASSWORD);
  if (!auth.ok) throw new Error(`login failed: ${auth.condition}`);
  await connection.openStream();
  connection.send(xml('resume', { xmlns: SM, previd, h: String(h) }));
  const answer = await connection.inbox.waitFor((el) => smElement('resumed')(el) || smElement('failed')(el), 'resumed or failed');
  return { connection, answer };
}

beforeAll(async () => {
  server = await startTestServer({ limits: { resume_seconds: RESUME_SECONDS } });
  for (const name of ['sm-alice', 'sm-bob', 'sm-carol', 'sm-mallory']) await createAccount({ port: server.ports.c2s, username: name, password: PASSWORD });
});

afterAll(async () => {
  for (const connection of open) connection.destroy();
  await server?.stop();
});

describe('XEP-0198 stream management', () => {
  it('refuses <enable/> before resource binding without ending the stream', async () => {
    const { connection } = await connectSecure({ port: server.ports.c2s });
    open.push(connection);
    expect((await connection.authenticate('sm-alice', PASSWORD)).ok).toBe(true);
    await connection.openStream();
    connection.send(xml('enable', { xmlns: SM, resume: 'true' }));
    const failed = await connection.inbox.waitFor(smElement('failed'), '<failed/>');
    expect(failed.getChild('unexpected-request', XMLNS.STANZAS_ERR)).toBeDefined();
    // The stream goes on: binding still works.
    expect(await connection.bind('late')).toContain('sm-alice@localhost/late');
    await connection.close();
  });

  it('acks both ways', async () => {
    const { connection } = await loginWithSm('sm-bob', 'acks');
    const alice = await login({ port: server.ports.c2s, username: 'sm-alice', password: PASSWORD });
    open.push(alice);
    alice.send(chat('sm-bob@localhost/acks', 'count me'));
    await connection.inbox.waitFor(hasBody('count me'), 'the message');
    // The server asks for an ack after sending…
    await connection.inbox.waitFor(smElement('r'), 'the server asking <r/>');
    connection.send(xml('a', { xmlns: SM, h: '1' }));
    // …and answers ours with how many stanzas it handled (the initial presence).
    connection.send(xml('r', { xmlns: SM }));
    const ack = await connection.inbox.waitFor(smElement('a'), 'the server answering <a/>');
    expect(ack.attrs.h).toBe('1');
    await connection.close();
  });

  it('resumes a killed session and delivers exactly what was in flight', async () => {
    const { connection: phone, id } = await loginWithSm('sm-bob');
    const alice = await login({ port: server.ports.c2s, username: 'sm-alice', password: PASSWORD });
    open.push(alice);
    alice.send(chat('sm-bob@localhost/phone', 'first'));
    await phone.inbox.waitFor(hasBody('first'), 'the first message');
    const h = handled(phone); // its own presence and 'first'
    expect(h).toBeGreaterThanOrEqual(2);
    phone.destroy(); // the network drops: no </stream:stream>, no ack
    await sleep(100);
    alice.send(chat('sm-bob@localhost/phone', 'second'));
    alice.send(chat('sm-bob@localhost', 'third'));
    await sleep(200);

    // Someone else who learnt the id gets nothing.
    const stolen = await resume('sm-mallory', id, 0);
    expect(smElement('failed')(stolen.answer)).toBe(true);
    expect(stolen.answer.getChild('item-not-found', XMLNS.STANZAS_ERR)).toBeDefined();
    expect(stolen.connection.received).not.toContain('second');

    // The phone had handled everything up to 'first'; the rest comes again after <resumed/>.
    const { connection: again, answer } = await resume('sm-bob', id, h);
    expect(smElement('resumed')(answer)).toBe(true);
    expect(answer.attrs.h).toBe('1'); // our initial presence was the one stanza the server handled
    await again.inbox.waitFor(hasBody('second'), 'the second message after resumption');
    await again.inbox.waitFor(hasBody('third'), 'the third message after resumption');
    expect(await again.inbox.nothing(hasBody('first'), 300)).toBe(true);
    // Same session, same address: a new message arrives on the resumed stream.
    alice.send(chat('sm-bob@localhost/phone', 'fourth'));
    await again.inbox.waitFor(hasBody('fourth'), 'a message after resumption');
    await again.close();
  });

  it('Converse.js after a page reload: resumes, then stamps stanzas with a new resource; the server puts its own address in', async () => {
    const { connection: tab, id } = await loginWithSm('sm-carol', 'converse-old');
    const alice = await login({ port: server.ports.c2s, username: 'sm-alice', password: PASSWORD });
    open.push(alice);
    tab.destroy(); // the page reloads
    await sleep(100);
    const { connection: reloaded, answer } = await resume('sm-carol', id, 0);
    open.push(reloaded);
    expect(smElement('resumed')(answer)).toBe(true);
    // Converse now believes its resource is a new one and says so in 'from'.
    reloaded.send(chat('sm-alice@localhost', 'after the reload', { from: 'sm-carol@localhost/converse-new' }));
    const message = await alice.inbox.waitFor(hasBody('after the reload'), 'the message from the reloaded tab');
    expect(message.attrs.from).toBe('sm-carol@localhost/converse-old');
    const ping = await reloaded.iq(xml('iq', { type: 'get', to: 'localhost', from: 'sm-carol@localhost/converse-new' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(ping.attrs.type).toBe('result');
    expect(reloaded.isClosed).toBe(false);
    // Another account's address is still refused (RFC 6120 §8.1.2.1).
    reloaded.send(chat('sm-alice@localhost', 'forged', { from: 'sm-alice@localhost/elsewhere' }));
    expect((await reloaded.streamError()).condition).toBe('invalid-from');
  });

  it('loses nothing when a session is never resumed: an unarchived message comes with the next login, once', async () => {
    // bob keeps no archive, so offline storage is where the message must end up.
    const setup = await login({ port: server.ports.c2s, username: 'sm-bob', password: PASSWORD, resource: 'settings' });
    open.push(setup);
    const prefs = await setup.iq(xml('iq', { type: 'set' }, xml('prefs', { xmlns: MAM, default: 'never' })));
    expect(prefs.attrs.type).toBe('result');
    await setup.close();

    const { connection: phone, id } = await loginWithSm('sm-bob', 'tablet');
    const alice = await login({ port: server.ports.c2s, username: 'sm-alice', password: PASSWORD });
    open.push(alice);
    alice.send(chat('sm-bob@localhost/tablet', 'in flight'));
    await phone.inbox.waitFor(hasBody('in flight'), 'the message');
    phone.destroy();
    await sleep((RESUME_SECONDS + 1) * 1000);

    const late = await resume('sm-bob', id, 0);
    expect(late.answer.getChild('item-not-found', XMLNS.STANZAS_ERR), 'an expired id').toBeDefined();
    late.connection.destroy();

    const laptop = await login({ port: server.ports.c2s, username: 'sm-bob', password: PASSWORD, resource: 'laptop' });
    open.push(laptop);
    const rescued = await laptop.inbox.waitFor(hasBody('in flight'), 'the unacknowledged message, from offline storage');
    expect(rescued.getChild('delay', XMLNS.DELAY)).toBeDefined();
    await laptop.close();
    const second = await login({ port: server.ports.c2s, username: 'sm-bob', password: PASSWORD, resource: 'again' });
    open.push(second);
    expect(await second.inbox.nothing(hasBody('in flight'), 300), 'delivered exactly once').toBe(true);
  });

  it('loses nothing when a session is never resumed: an archived message stays in the archive, once', async () => {
    const { connection: phone } = await loginWithSm('sm-carol', 'phone');
    const alice = await login({ port: server.ports.c2s, username: 'sm-alice', password: PASSWORD, resource: 'archive' });
    open.push(alice);
    alice.send(chat('sm-carol@localhost/phone', 'kept in the archive'));
    await phone.inbox.waitFor(hasBody('kept in the archive'), 'the message');
    phone.destroy();
    await sleep((RESUME_SECONDS + 1) * 1000);

    const laptop = await login({ port: server.ports.c2s, username: 'sm-carol', password: PASSWORD, resource: 'laptop' });
    open.push(laptop);
    expect(await laptop.inbox.nothing(hasBody('kept in the archive'), 500), 'not pushed again from offline storage').toBe(true);
    const fin = laptop.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: MAM, queryid: 'catch-up' })));
    const found = await laptop.inbox.waitFor((el) => el.name === 'message' && el.getChild('result', MAM)?.attrs.queryid === 'catch-up' && el.toString().includes('kept in the archive'), 'the message in the archive');
    expect(found).toBeDefined();
    expect((await fin).attrs.type).toBe('result');
    const copies = laptop.inbox.received.filter((el) => el.getChild('result', MAM) && el.toString().includes('kept in the archive'));
    expect(copies).toHaveLength(1);
  });
});
