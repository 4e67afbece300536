import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDataForm, formValue, NS, parseDataForm, parseDiscoInfo, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { SESSION_TIMEOUT_MS } from './index.ts';

/**
 * The XEP-0050 frame with a two-stage test command ("pick a colour, then a
 * size") that only users named sam-* may run.
 */
const NODE = 'test#order';
let h: Harness;
let sam: TestSession;
let sam2: TestSession;
let eve: TestSession;

beforeAll(async () => {
  h = await createHarness();
  h.core.services.find('adhoc')!.register({
    node: NODE,
    name: 'Order a shirt',
    allowed: (requester) => requester.local.startsWith('sam'),
    execute: ({ form, stage, state }) => {
      if (stage === 0) return { status: 'executing', form: { type: 'form', fields: [{ var: 'colour', values: [] }] }, actions: ['next'] };
      if (stage === 1) {
        state.colour = formValue(form!, 'colour');
        return { status: 'executing', form: { type: 'form', fields: [{ var: 'size', values: [] }] }, actions: ['complete'] };
      }
      return { status: 'completed', notes: [{ type: 'info', text: `a ${formValue(form!, 'size')} ${String(state.colour)} shirt` }] };
    },
  });
  await h.createUser('sam');
  await h.createUser('eve');
  sam = await h.connect('sam', 'phone');
  sam2 = await h.connect('sam', 'laptop');
  eve = await h.connect('eve');
});
afterAll(() => h.stop());
afterEach(() => vi.useRealTimers());

const submit = (fields: Record<string, string>) => buildDataForm({ type: 'submit', fields: Object.entries(fields).map(([name, value]) => ({ var: name, values: [value] })) });

function command(session: TestSession, attrs: Record<string, string | undefined>, ...children: Element[]): Promise<Element> {
  return session.query(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: NS.COMMANDS, node: NODE, ...attrs }, ...children)));
}

/** The error condition and the XEP-0050 specific condition of an error reply. */
function errorOf(reply: Element): [string | undefined, string | undefined] {
  expect(reply.attrs.type).toBe('error');
  const error = reply.getChild('error')!;
  const children = error.getChildElements();
  return [children.find((c) => c.getNS() === NS.STANZAS_ERR && c.name !== 'text')?.name, children.find((c) => c.getNS() === NS.COMMANDS)?.name];
}

describe('ad-hoc commands (XEP-0050)', () => {
  it('announces commands on the domain and lists only what the requester may run', async () => {
    const info = await sam.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(parseDiscoInfo(info.getChild('query')!).features).toContain(NS.COMMANDS);
    const list = async (session: TestSession) =>
      (await session.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS, node: NS.COMMANDS })))).getChild('query')!;
    const samItems = await list(sam);
    expect(samItems.attrs.node).toBe(NS.COMMANDS);
    expect(samItems.getChildren('item').map((i) => i.attrs)).toContainEqual({ jid: 'localhost', node: NODE, name: 'Order a shirt' });
    expect((await list(eve)).getChildren('item').map((i) => i.attrs.node)).not.toContain(NODE);
  });

  it('describes a command node to those who may run it (disco#info)', async () => {
    const info = await sam.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO, node: NODE })));
    const parsed = parseDiscoInfo(info.getChild('query')!);
    expect(parsed.identities).toEqual([{ category: 'automation', type: 'command-node', name: 'Order a shirt' }]);
    expect(parsed.features).toEqual(expect.arrayContaining([NS.COMMANDS, NS.DATA_FORMS]));
    expect(parsed.node).toBe(NODE);
    const hidden = await eve.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO, node: NODE })));
    expect(errorOf(hidden)[0]).toBe('item-not-found');
    const unknown = await sam.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS, node: 'no-such-node' })));
    expect(errorOf(unknown)[0]).toBe('item-not-found');
  });

  it('runs a multi-stage command with one sessionid: execute, next, complete', async () => {
    const first = (await command(sam, { action: 'execute' })).getChild('command', NS.COMMANDS)!;
    expect(first.attrs).toMatchObject({ node: NODE, status: 'executing' });
    const sessionid = first.attrs.sessionid!;
    expect(sessionid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(first.getChild('actions')!.attrs.execute).toBe('next');
    expect(first.getChild('actions')!.getChildElements().map((a) => a.name)).toEqual(['next']);
    expect(parseDataForm(first.getChild('x', NS.DATA_FORMS)!).fields.map((f) => f.var)).toEqual(['colour']);

    const second = (await command(sam, { sessionid, action: 'next' }, submit({ colour: 'green' }))).getChild('command', NS.COMMANDS)!;
    expect(second.attrs).toMatchObject({ sessionid, status: 'executing' });
    expect(second.getChild('actions')!.attrs.execute).toBe('complete');

    const last = (await command(sam, { sessionid, action: 'complete' }, submit({ size: 'large' }))).getChild('command', NS.COMMANDS)!;
    expect(last.attrs).toMatchObject({ sessionid, status: 'completed' });
    expect(last.getChild('note')!.attrs.type).toBe('info');
    expect(last.getChildText('note')).toBe('a large green shirt');
    // A completed session is gone.
    expect(errorOf(await command(sam, { sessionid, action: 'complete' }, submit({ size: 'small' })))).toEqual(['bad-request', 'bad-sessionid']);
  });

  it("takes action 'execute' (or none) in a session as the stage's default action", async () => {
    const sessionid = (await command(sam, {})).getChild('command', NS.COMMANDS)!.attrs.sessionid!;
    const second = (await command(sam, { sessionid }, submit({ colour: 'red' }))).getChild('command', NS.COMMANDS)!;
    expect(second.attrs.status).toBe('executing');
    const last = (await command(sam, { sessionid, action: 'execute' }, submit({ size: 'small' }))).getChild('command', NS.COMMANDS)!;
    expect(last.attrs.status).toBe('completed');
  });

  it('cancels a session, after which its sessionid is unknown', async () => {
    const sessionid = (await command(sam, { action: 'execute' })).getChild('command', NS.COMMANDS)!.attrs.sessionid!;
    const canceled = (await command(sam, { sessionid, action: 'cancel' })).getChild('command', NS.COMMANDS)!;
    expect(canceled.attrs).toMatchObject({ node: NODE, sessionid, status: 'canceled' });
    expect(errorOf(await command(sam, { sessionid, action: 'next' }, submit({ colour: 'blue' })))).toEqual(['bad-request', 'bad-sessionid']);
  });

  it('refuses a bad sessionid, and a session of another resource (bad-sessionid)', async () => {
    expect(errorOf(await command(sam, { sessionid: 'made-up', action: 'next' }, submit({ colour: 'blue' })))).toEqual(['bad-request', 'bad-sessionid']);
    expect(errorOf(await command(sam, { action: 'next' }, submit({ colour: 'blue' })))).toEqual(['bad-request', 'bad-sessionid']);
    const sessionid = (await command(sam, { action: 'execute' })).getChild('command', NS.COMMANDS)!.attrs.sessionid!;
    expect(errorOf(await command(sam2, { sessionid, action: 'next' }, submit({ colour: 'blue' })))).toEqual(['bad-request', 'bad-sessionid']);
  });

  it('refuses an action the stage does not offer (bad-action) and an unknown one (malformed-action)', async () => {
    const sessionid = (await command(sam, { action: 'execute' })).getChild('command', NS.COMMANDS)!.attrs.sessionid!;
    expect(errorOf(await command(sam, { sessionid, action: 'complete' }, submit({ colour: 'blue' })))).toEqual(['bad-request', 'bad-action']);
    expect(errorOf(await command(sam, { sessionid, action: 'prev' }))).toEqual(['bad-request', 'bad-action']);
    expect(errorOf(await command(sam, { sessionid, action: 'jump' }))).toEqual(['bad-request', 'malformed-action']);
    expect(errorOf(await command(sam, { sessionid, action: 'next' }))).toEqual(['bad-request', 'bad-payload']);
  });

  it('ends a session nobody continued in time (session-expired)', async () => {
    const sessionid = (await command(sam, { action: 'execute' })).getChild('command', NS.COMMANDS)!.attrs.sessionid!;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + SESSION_TIMEOUT_MS + 1000);
    const reply = await command(sam, { sessionid, action: 'next' }, submit({ colour: 'blue' }));
    expect(errorOf(reply)).toEqual(['not-allowed', 'session-expired']);
    expect(reply.getChild('error')!.attrs.type).toBe('cancel');
  });

  it('answers forbidden to those who may not run a command, item-not-found for unknown nodes', async () => {
    expect(errorOf(await command(eve, { action: 'execute' }))[0]).toBe('forbidden');
    const unknown = await sam.query(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: NS.COMMANDS, node: 'no-such-command', action: 'execute' })));
    expect(errorOf(unknown)[0]).toBe('item-not-found');
  });
});

describe('running a command without a session (the command line)', () => {
  it('goes through every stage with the given fields and returns the last answer', async () => {
    const adhoc = h.core.services.find('adhoc')!;
    const outcome = await adhoc.run(sam.jid, NODE, { colour: ['red'], size: ['large'] });
    expect(outcome).toEqual({ notes: [{ type: 'info', text: 'a large red shirt' }], form: null });
  });

  it('refuses whom the command refuses, and an unknown command', async () => {
    const adhoc = h.core.services.find('adhoc')!;
    await expect(adhoc.run(eve.jid, NODE, {})).rejects.toMatchObject({ condition: 'forbidden' });
    await expect(adhoc.run(sam.jid, 'no#such', {})).rejects.toMatchObject({ condition: 'item-not-found' });
  });
});
