import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, formValue, NS, parseDataForm, xml, type Element } from '@conexizan/protocol';
import { chat, connectSecure, createAccount, hasBody, login, stanzaErrorCondition, XMLNS, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { eventually, sleep } from '../support/wait.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * XEP-0357 over real sockets, against an app server the test runs itself:
 * an ordinary account logged in on a full JID that receives the pubsub
 * publish and answers it. Pushes go out when a message reaches a session
 * whose socket died (resumption pending) or goes to offline storage; they
 * say neither who wrote nor what; an error answer or a disable stops them.
 */
const PUSH = 'urn:xmpp:push:0';
const PUBSUB = 'http://jabber.org/protocol/pubsub';
const SM = 'urn:xmpp:sm:3';
const PASSWORD = 'push notifications';
const APP = 'push-app@localhost/push';
/** the module's per-registration rate limit, plus a margin */
const INTERVAL_MS = 10_500;

let server: TestServer;
let app: RawXmppConnection;
let bob: RawXmppConnection;
const open: RawXmppConnection[] = [];
/** when the app server last got a push for each node */
const pushedAt = new Map<string, number>();

const isPush = (el: Element) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('pubsub', PUBSUB) !== undefined;
const nodeOf = (push: Element) => push.getChild('pubsub', PUBSUB)!.getChild('publish')!.attrs.node as string;

/** The app server's side: waits for a push, answers it (result, or an error), returns it. */
async function answerPush(answer: 'result' | 'error' = 'result'): Promise<Element> {
  const push = await app.inbox.waitFor(isPush, 'a push to the app server');
  pushedAt.set(nodeOf(push), Date.now());
  app.send(
    answer === 'result'
      ? xml('iq', { type: 'result', id: push.attrs.id, to: push.attrs.from })
      : xml('iq', { type: 'error', id: push.attrs.id, to: push.attrs.from }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: XMLNS.STANZAS_ERR }))),
  );
  return push;
}

function enable(connection: RawXmppConnection, node: string, secret?: string): Promise<Element> {
  const form = secret === undefined ? undefined : buildDataForm({
    type: 'submit',
    fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [`${PUBSUB}#publish-options`] }, { var: 'secret', values: [secret] }],
  });
  return connection.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: PUSH, jid: APP, node }, form)));
}

function disable(connection: RawXmppConnection, attrs: { jid: string; node?: string }, to?: string): Promise<Element> {
  return connection.iq(xml('iq', { type: 'set', ...(to ? { to } : {}) }, xml('disable', { xmlns: PUSH, ...attrs })));
}

async function loginAs(username: string, resource: string): Promise<RawXmppConnection> {
  const connection = await login({ port: server.ports.c2s, username, password: PASSWORD, resource });
  open.push(connection);
  return connection;
}

/** A login with stream management and resumption, as a phone does it. */
async function loginWithSm(username: string, resource: string): Promise<{ connection: RawXmppConnection; id: string }> {
  const { connection } = await connectSecure({ port: server.ports.c2s });
  open.push(connection);
  const auth = await connection.authenticate(username, PASSWORD);
  if (!auth.ok) throw new Error(`login failed: ${auth.condition}`);
  await connection.openStream();
  await connection.bind(resource);
  connection.send(xml('enable', { xmlns: SM, resume: 'true' }));
  const enabled = await connection.inbox.waitFor((el) => el.name === 'enabled' && el.attrs.xmlns === SM, '<enabled/>');
  connection.send(xml('presence'));
  return { connection, id: enabled.attrs.id as string };
}

beforeAll(async () => {
  server = await startTestServer({ limits: { resume_seconds: 30 } });
  for (const name of ['push-alice', 'push-bob', 'push-carol', 'push-dave', 'push-mallory', 'push-app']) {
    await createAccount({ port: server.ports.c2s, username: name, password: PASSWORD });
  }
  app = await loginAs('push-app', 'push');
  bob = await loginAs('push-bob', 'desk');
});

afterAll(async () => {
  for (const connection of open) connection.destroy();
  await server?.stop();
});

describe('XEP-0357 push notifications', () => {
  let alice: RawXmppConnection;
  let aliceSm = '';

  it('announces push on the account', async () => {
    const carol = await loginAs('push-carol', 'disco');
    const info = await carol.iq(xml('iq', { type: 'get', to: 'push-carol@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(PUSH);
    await carol.close();
  });

  it('pushes once, without sender or content, when messages reach a session whose socket died', async () => {
    const phone = await loginWithSm('push-alice', 'phone');
    aliceSm = phone.id;
    expect((await enable(phone.connection, 'alice-node', 'alice-secret')).attrs.type).toBe('result');

    // Another account can neither disable alice's app server nor touch her registration from its own account.
    const mallory = await loginAs('push-mallory', 'x');
    const refused = await disable(mallory, { jid: APP }, 'push-alice@localhost');
    expect(refused.attrs.type).toBe('error');
    expect((await disable(mallory, { jid: APP, node: 'alice-node' })).attrs.type).toBe('result');
    await mallory.close();

    // Awake, a message is just delivered.
    bob.send(chat('push-alice@localhost/phone', 'while awake'));
    await phone.connection.inbox.waitFor(hasBody('while awake'), 'the message');
    expect(await app.inbox.nothing(isPush, 300)).toBe(true);

    phone.connection.destroy(); // the network drops; the session waits for resumption
    await sleep(200);
    bob.send(chat('push-alice@localhost/phone', 'meet at the old mill'));
    bob.send(chat('push-alice@localhost', 'bring the documents'));
    const push = await answerPush();
    expect(push.attrs.from).toBe('push-alice@localhost');
    expect(push.attrs.to).toBe(APP);
    expect(nodeOf(push)).toBe('alice-node');
    const pubsub = push.getChild('pubsub', PUBSUB)!;
    const summary = parseDataForm(pubsub.getChild('publish')!.getChild('item')!.getChild('notification', PUSH)!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(summary, 'FORM_TYPE')).toBe('urn:xmpp:push:summary');
    expect(Number(formValue(summary, 'message-count'))).toBeGreaterThanOrEqual(1);
    expect(summary.fields.map((f) => f.var).sort()).toEqual(['FORM_TYPE', 'message-count']);
    const options = parseDataForm(pubsub.getChild('publish-options')!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(options, 'secret')).toBe('alice-secret');
    const text = push.toString();
    for (const leak of ['old mill', 'documents', '<body', 'push-bob']) expect(text, `the push must not carry ${leak}`).not.toContain(leak);
    expect(await app.inbox.nothing(isPush, 500), 'one push for the whole hibernation').toBe(true);

    // The phone comes back (as it would after the push) and gets everything.
    const { connection } = await connectSecure({ port: server.ports.c2s });
    open.push(connection);
    await connection.authenticate('push-alice', PASSWORD);
    await connection.openStream();
    connection.send(xml('resume', { xmlns: SM, previd: aliceSm, h: '1' }));
    const resumed = await connection.inbox.waitFor((el) => el.attrs.xmlns === SM && (el.name === 'resumed' || el.name === 'failed'), 'resumed');
    expect(resumed.name).toBe('resumed');
    await connection.inbox.waitFor(hasBody('meet at the old mill'), 'the first message after resumption');
    await connection.inbox.waitFor(hasBody('bring the documents'), 'the second message after resumption');
    alice = connection;
  });

  it('pushes for a message stored offline, and an error answer disables the registration', async () => {
    const carol = await loginAs('push-carol', 'phone');
    expect((await enable(carol, 'carol-node')).attrs.type).toBe('result');
    await carol.close();
    bob.send(chat('push-carol@localhost', 'for carol'));
    const push = await answerPush('error');
    expect(nodeOf(push)).toBe('carol-node');
    expect(push.toString()).not.toContain('for carol');
    await eventually(async () => (await server.core.storage.push.list('push-carol')).length === 0, 'the refused registration removed');
  });

  it('stops pushing after disable', async () => {
    const dave = await loginAs('push-dave', 'phone');
    expect((await enable(dave, 'dave-node')).attrs.type).toBe('result');
    await dave.close();
    bob.send(chat('push-dave@localhost', 'for dave'));
    expect(nodeOf(await answerPush())).toBe('dave-node');
    const again = await loginAs('push-dave', 'laptop');
    expect((await disable(again, { jid: APP, node: 'dave-node' })).attrs.type).toBe('result');
    await again.close();
  });

  it('after the rate-limit interval: pushes again for alice, never again for the refused or disabled ones', async () => {
    const latest = Math.max(...pushedAt.values());
    await sleep(Math.max(0, latest + INTERVAL_MS - Date.now()));
    alice.destroy(); // alice's phone drops again: a new hibernation
    await sleep(200);
    bob.send(chat('push-carol@localhost', 'carol again'));
    bob.send(chat('push-dave@localhost', 'dave again'));
    bob.send(chat('push-alice@localhost/phone', 'alice again'));
    const push = await answerPush();
    expect(nodeOf(push)).toBe('alice-node');
    expect(await app.inbox.nothing(isPush, 1000), 'no push for carol-node or dave-node').toBe(true);
    // A bounce for nothing: the messages themselves were kept for carol and dave.
    expect(bob.inbox.received.filter((el) => el.name === 'message' && stanzaErrorCondition(el) !== null)).toEqual([]);
  });
});
