import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDataForm, formValue, NS, parseDataForm, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { MAX_REGISTRATIONS, MIN_INTERVAL_MS } from './index.ts';


let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'appserver']) await h.createUser(name);
});
afterAll(() => h.stop());
afterEach(() => vi.useRealTimers());

const APP = 'appserver@localhost/push';
const chat = (to: string, body: string) => xml('message', { to, type: 'chat' }, xml('body', {}, body));
const isPush = (el: Element) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('pubsub', NS.PUBSUB) !== undefined;
const secretForm = (secret: string) =>
  buildDataForm({ type: 'submit', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [`${NS.PUBSUB}#publish-options`] }, { var: 'secret', values: [secret] }] });

function enable(session: TestSession, node: string, options: { jid?: string; form?: Element; to?: string } = {}): Promise<Element> {
  const attrs: Record<string, string> = { xmlns: NS.PUSH, node };
  if (options.jid !== '') attrs.jid = options.jid ?? APP;
  return session.query(xml('iq', { type: 'set', to: options.to ?? session.jid.bare().toString() }, xml('enable', attrs, options.form)));
}

function disable(session: TestSession, attrs: { jid: string; node?: string }, to = session.jid.bare().toString()): Promise<Element> {
  return session.query(xml('iq', { type: 'set', to }, xml('disable', { xmlns: NS.PUSH, ...attrs })));
}

/** Waits for the app server to be asked to publish, answers it, and returns the request. */
async function receivePush(app: TestSession, answer: 'result' | 'error' = 'result'): Promise<Element> {
  const request = await app.next(isPush);
  const reply = answer === 'result'
    ? xml('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from })
    : xml('iq', { type: 'error', id: request.attrs.id, to: request.attrs.from }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: NS.STANZAS_ERR })));
  await app.sendStanza(reply);
  return request;
}

/** True if no push arrived within `ms` (looks at what was received, without leaving a waiter behind). */
async function noPush(app: TestSession, ms = 300): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !app.received.some(isPush);
}

const hibernate = (session: TestSession, on: boolean) => Object.assign(session, { hibernating: on });

describe('XEP-0357 push notifications', () => {
  it('is announced on the account', async () => {
    const alice = await h.connect('alice', 'disco');
    const info = await alice.query(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(NS.PUSH);
    await alice.disconnect();
  });

  it('checks what is enabled, keeps at most a few app servers, and only for oneself', async () => {
    const carol = await h.connect('carol', 'phone');
    expect((await enable(carol, 'n', { jid: '' })).getChild('error')?.getChild('bad-request')).toBeDefined();
    const noNode = await carol.query(xml('iq', { type: 'set', to: 'carol@localhost' }, xml('enable', { xmlns: NS.PUSH, jid: APP })));
    expect(noNode.getChild('error')?.getChild('bad-request')).toBeDefined();
    const notSubmitted = buildDataForm({ type: 'form', fields: [] });
    expect((await enable(carol, 'n', { form: notSubmitted })).getChild('error')?.getChild('bad-request')).toBeDefined();

    for (let i = 0; i < MAX_REGISTRATIONS; i++) expect((await enable(carol, `node-${i}`)).attrs.type).toBe('result');
    expect((await enable(carol, 'node-0', { form: secretForm('again') })).attrs.type, 'enabling the same node again replaces it').toBe('result');
    const tooMany = await enable(carol, 'one-too-many');
    expect(tooMany.getChild('error')?.getChild('resource-constraint')).toBeDefined();
    expect(await h.core.storage.push.list('carol')).toHaveLength(MAX_REGISTRATIONS);

    // Someone else can neither enable nor disable on carol's account…
    const dave = await h.connect('dave', 'x');
    expect((await enable(dave, 'mine', { to: 'carol@localhost' })).attrs.type).toBe('error');
    expect((await disable(dave, { jid: APP }, 'carol@localhost')).attrs.type).toBe('error');
    // …and disabling the same app server on their own account leaves carol's alone.
    expect((await disable(dave, { jid: APP })).attrs.type).toBe('result');
    expect(await h.core.storage.push.list('carol')).toHaveLength(MAX_REGISTRATIONS);
    expect(await h.core.storage.push.list('dave')).toEqual([]);

    expect((await disable(carol, { jid: APP, node: 'node-0' })).attrs.type).toBe('result');
    expect((await h.core.storage.push.list('carol')).map((r) => r.node)).not.toContain('node-0');
    expect((await disable(carol, { jid: APP })).attrs.type).toBe('result');
    expect(await h.core.storage.push.list('carol')).toEqual([]);
    await carol.disconnect();
    await dave.disconnect();
  });

  it('pushes for a message stored offline, with the publish-options and without sender or content', async () => {
    const app = await h.connect('appserver', 'push');
    const alice = await h.connect('alice', 'phone');
    expect((await enable(alice, 'alice-node', { form: secretForm('s3cret') })).attrs.type).toBe('result');
    await alice.disconnect();

    const bob = await h.connect('bob', 'desk');
    await bob.sendStanza(chat('alice@localhost', 'the secret plan'));
    const request = await receivePush(app);
    expect(request.attrs.from).toBe('alice@localhost');
    expect(request.attrs.to).toBe(APP);
    const pubsub = request.getChild('pubsub', NS.PUBSUB)!;
    const publish = pubsub.getChild('publish')!;
    expect(publish.attrs.node).toBe('alice-node');
    const summary = parseDataForm(publish.getChild('item')!.getChild('notification', NS.PUSH)!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(summary, 'FORM_TYPE')).toBe(NS.PUSH_SUMMARY);
    expect(formValue(summary, 'message-count')).toBe('1');
    expect(summary.fields.map((f) => f.var).sort()).toEqual(['FORM_TYPE', 'message-count']);
    const options = parseDataForm(pubsub.getChild('publish-options')!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(options, 'secret')).toBe('s3cret');
    expect(request.toString()).not.toContain('secret plan');
    expect(request.toString()).not.toContain('<body');
    expect(request.toString()).not.toContain('bob');
    // The message itself is still waiting offline.
    expect(await h.core.storage.offline.count('alice')).toBe(1);

    // A chat state alone is no reason to wake a phone (and within 10 s nothing is pushed anyway).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + MIN_INTERVAL_MS + 1);
    await bob.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('composing', { xmlns: NS.CHATSTATES })));
    expect(await noPush(app)).toBe(true);
    // The next message after the interval pushes again, counting what waits.
    await bob.sendStanza(chat('alice@localhost', 'are you there?'));
    const second = await receivePush(app);
    const count = parseDataForm(second.getChild('pubsub')!.getChild('publish')!.getChild('item')!.getChild('notification')!.getChild('x')!);
    expect(formValue(count, 'message-count')).toBe('2');
    // Within the interval, no more.
    await bob.sendStanza(chat('alice@localhost', 'hello?'));
    expect(await noPush(app)).toBe(true);
    await bob.disconnect();
    await app.disconnect();
  });

  it('pushes once per hibernation of the session that enabled it, and again after it resumed', async () => {
    const app = await h.connect('appserver', 'push');
    const erin = await h.connect('erin', 'phone');
    await erin.sendStanza(xml('presence'));
    expect((await enable(erin, 'erin-node')).attrs.type).toBe('result');
    const desktop = await h.connect('erin', 'desktop'); // hibernates without having enabled push
    await desktop.sendStanza(xml('presence'));
    const bob = await h.connect('bob', 'hib');

    await bob.sendStanza(chat('erin@localhost/phone', 'while awake'));
    await erin.next((el) => el.getChildText('body') === 'while awake');
    expect(await noPush(app)).toBe(true);

    hibernate(desktop, true);
    await h.core.hooks.fire('c2s/transport-lost', { session: desktop });
    await bob.sendStanza(chat('erin@localhost/desktop', 'to the desktop'));
    expect(await noPush(app), 'only the session that enabled push wakes its app server').toBe(true);

    hibernate(erin, true);
    await h.core.hooks.fire('c2s/transport-lost', { session: erin });
    await bob.sendStanza(chat('erin@localhost/phone', 'one'));
    await bob.sendStanza(chat('erin@localhost/phone', 'two'));
    const request = await receivePush(app);
    expect(request.getChild('pubsub')!.getChild('publish')!.attrs.node).toBe('erin-node');
    expect(request.toString()).not.toContain('<body');
    expect(request.toString()).not.toContain('bob');
    expect(await noPush(app), 'one push per hibernation').toBe(true);

    // Resumed, then the socket drops again more than 10 s later: a new push.
    hibernate(erin, false);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + MIN_INTERVAL_MS + 1);
    hibernate(erin, true);
    await h.core.hooks.fire('c2s/transport-lost', { session: erin });
    await bob.sendStanza(xml('message', { to: 'erin@localhost/phone', type: 'chat' }, xml('active', { xmlns: NS.CHATSTATES })));
    expect(await noPush(app), 'chat states do not wake').toBe(true);
    await bob.sendStanza(chat('erin@localhost/phone', 'three'));
    await receivePush(app, 'error');

    // The app server refused: the registration is gone and nothing more is pushed.
    await vi.waitFor(async () => expect(await h.core.storage.push.list('erin')).toEqual([]));
    vi.setSystemTime(Date.now() + 2 * MIN_INTERVAL_MS);
    hibernate(erin, false);
    hibernate(erin, true);
    await h.core.hooks.fire('c2s/transport-lost', { session: erin });
    await bob.sendStanza(chat('erin@localhost/phone', 'four'));
    expect(await noPush(app)).toBe(true);
    for (const s of [erin, desktop, bob, app]) await s.disconnect();
  });

  it('stops pushing when disabled', async () => {
    const app = await h.connect('appserver', 'push');
    const dave = await h.connect('dave', 'phone');
    expect((await enable(dave, 'dave-node')).attrs.type).toBe('result');
    await dave.disconnect();
    const bob = await h.connect('bob', 'dis');
    await bob.sendStanza(chat('dave@localhost', 'first'));
    await receivePush(app);

    const again = await h.connect('dave', 'laptop');
    expect((await disable(again, { jid: APP, node: 'dave-node' })).attrs.type).toBe('result');
    await again.disconnect();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + MIN_INTERVAL_MS + 1);
    await bob.sendStanza(chat('dave@localhost', 'second'));
    expect(await noPush(app)).toBe(true);
    await bob.disconnect();
    await app.disconnect();
  });
});
