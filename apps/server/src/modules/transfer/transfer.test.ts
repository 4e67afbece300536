import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, parseXml, xml } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { runCommand } from '../../testing/commands.ts';
import { EXPORT_COMMAND_NODE, MOVED_COMMAND_NODE } from './index.ts';

/** XEP-0227 export and import of one account, and the refusals of forged files. */
let h: Harness;
let alice: TestSession;
let document: string;

const OMEMO_DEVICES = 'eu.siacs.conversations.axolotl.devicelist';

beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob']) await h.createUser(name, 'alice’s own password');
  alice = await h.connect('alice');
  const bob = await h.connect('bob');
  for (const session of [alice, bob]) await session.sendStanza(xml('presence'));
  const { storage } = h.core;
  await storage.roster.put('alice', { jid: 'carol@remote.example', name: 'Carol', subscription: 'both', askSubscribe: false, approved: false, groups: ['Friends'] });
  await storage.roster.put('alice', { jid: 'dave@remote.example', name: null, subscription: 'from', askSubscribe: false, approved: false, groups: [] });
  await storage.vcards.set('alice', "<vCard xmlns='vcard-temp'><FN>Alice Liddell</FN></vCard>");
  await storage.privateXml.set('alice', '{storage:rosternotes}storage', "<storage xmlns='storage:rosternotes'><note jid='carol@remote.example'>met at the camp</note></storage>");
  await alice.query(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: OMEMO_DEVICES }, xml('item', { id: 'current' }, xml('list', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('device', { id: '12345' })))))));
  await alice.query(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: 'urn:xmpp:bookmarks:1' }, xml('item', { id: 'lounge@conference.localhost' }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'Lounge', autojoin: 'true' }))), xml('publish-options', {}, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.PUBSUB_PUBLISH_OPTIONS)), xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'whitelist')))))));
  await bob.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'plain hello')));
  await bob.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('payload', {}, 'Q2lwaGVydGV4dA=='))));
  await alice.next((el) => el.name === 'message' && !!el.getChild('encrypted'));
  await storage.blocklist.add('alice', ['spam@evil.example'], 10);
  document = await h.core.services.find('transfer')!.exportAccount('alice');
});
afterAll(() => h.stop());

const transfer = () => h.core.services.find('transfer')!;

describe('exporting an account (XEP-0227)', () => {
  it('writes one host and one account with credentials, roster, vCard, private XML, PEP, blocklist and the archive as stored', () => {
    const root = parseXml(document.replace(/^<\?xml[^>]*\?>/, '').trim());
    expect(root.name).toBe('server-data');
    expect(root.attrs.xmlns).toBe(NS.PIE);
    const user = root.getChild('host')!.getChild('user')!;
    expect(user.attrs.name).toBe('alice');
    expect(user.getChildren('scram-credentials', NS.PIE_SCRAM).map((c) => c.attrs.mechanism).sort()).toEqual(['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    expect(user.getChild('query', NS.ROSTER)!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['carol@remote.example', 'dave@remote.example']);
    expect(user.getChild('vCard', NS.VCARD)!.getChildText('FN')).toBe('Alice Liddell');
    expect(user.getChild('query', NS.PRIVATE)!.getChild('storage', 'storage:rosternotes')).toBeDefined();
    const items = user.getChild('pubsub', NS.PUBSUB)!.getChildren('items').map((i) => i.attrs.node);
    expect(items).toEqual(expect.arrayContaining([OMEMO_DEVICES, 'urn:xmpp:bookmarks:1']));
    const archive = user.getChild('archive', NS.PIE_MAM)!.getChildren('result', NS.MAM);
    expect(archive).toHaveLength(2);
    expect(document).toContain('Q2lwaGVydGV4dA==');
    expect(document).not.toContain('alice’s own password');
  });
});

describe('importing an account', () => {
  it('creates the account with everything, under a new name, and the old password works', async () => {
    const summary = await transfer().importAccount(document, { as: 'alice2', expectFrom: 'alice@localhost', announceMove: false, actor: null });
    expect(summary).toMatchObject({ account: 'alice2@localhost', from: 'alice@localhost', contacts: 2, vcard: true, archived: 2, password: true, notified: 0 });
    const { storage, accounts } = h.core;
    expect(await accounts.verifyPassword('alice2', 'alice’s own password')).toBe(true);
    expect((await storage.roster.list('alice2')).map((i) => [i.jid, i.name, i.subscription, i.groups])).toEqual([['carol@remote.example', 'Carol', 'none', ['Friends']], ['dave@remote.example', null, 'none', []]]);
    expect(await storage.vcards.get('alice2')).toContain('Alice Liddell');
    expect(await storage.privateXml.get('alice2', '{storage:rosternotes}storage')).toContain('met at the camp');
    expect((await storage.pubsub.items('alice2', OMEMO_DEVICES))[0]!.payload).toContain("id='12345'".replace(/'/g, '"'));
    expect(JSON.parse((await storage.pubsub.getNode('alice2', 'urn:xmpp:bookmarks:1'))!.config).access_model).toBe('whitelist');
    expect(await storage.blocklist.list('alice2')).toEqual(['spam@evil.example']);
    const archived = (await storage.archive.query('alice2', {}, { max: 10 }))!.items;
    expect(archived.map((entry) => entry.peer)).toEqual(['bob@localhost', 'bob@localhost']);
    expect(archived[1]!.stanza).toContain('Q2lwaGVydGV4dA==');
    expect(archived[0]!.stanza).toContain('to="alice2@localhost');
    expect((await storage.audit.list({ limit: 1 })).length).toBe(0);
  });

  it('asks each contact it shared presence with to subscribe to the new address, with XEP-0283 <moved/>', async () => {
    const sent: { to: string; moved: string | undefined }[] = [];
    const off = h.core.hooks.on('route/remote', (event) => {
      if (event.kind === 'presence') sent.push({ to: event.to.toString(), moved: event.stanza.getChild('moved', NS.MOVED)?.getChildText('old-jid') ?? undefined });
      return true;
    }, 'policy');
    const summary = await transfer().importAccount(document, { as: 'alice3', announceMove: true, actor: null });
    off();
    expect(summary.notified).toBe(1);
    expect(sent).toEqual([{ to: 'carol@remote.example', moved: 'alice@localhost' }]);
    expect((await h.core.storage.roster.get('alice3', 'carol@remote.example'))?.askSubscribe).toBe(true);
  });

  it('refuses forged and broken files with a clear reason and imports nothing', async () => {
    const other = document.replace("<host jid='localhost'>", "<host jid='evil.example'>").replace('<host jid="localhost">', '<host jid="evil.example">');
    const cases: [string, string, RegExp][] = [
      ['wrong domain', other, /holds the account alice@evil.example, not alice@localhost/],
      ['malformed', document.slice(0, document.length / 2), /not well-formed XML/],
      ['a DTD', `<!DOCTYPE x [<!ENTITY a "b">]>${document}`, /DTD or entities/],
      ['not XEP-0227', '<note xmlns="x">hi</note>', /not a XEP-0227 export/],
      ['two accounts', document.replace('</host>', '<user name="mallory"/></host>'), /exactly one account/],
      ['an XInclude', document.replace('<user ', '<include xmlns="http://www.w3.org/2001/XInclude" href="/etc/passwd"/><user '), /XInclude|exactly one account/],
      ['someone else’s archive', document.replace('<message to="alice@localhost"', '<message to="carol@remote.example"'), /not alice@localhost's/],
      ['bad credentials', document.replace(/<iter-count>\d+<\/iter-count>/, '<iter-count>1</iter-count>'), /iteration count/],
    ];
    for (const [what, file] of cases) expect(file, what).not.toBe(document);
    for (const [what, file, reason] of cases) {
      await expect(transfer().importAccount(file, { as: 'forged', expectFrom: 'alice@localhost', announceMove: true, actor: null }), what).rejects.toThrow(reason);
      expect(await h.core.accounts.exists('forged'), what).toBe(false);
    }
    const huge = `${document}${' '.repeat(transfer().maxImportBytes)}`;
    await expect(transfer().importAccount(huge, { as: 'forged', announceMove: false, actor: null })).rejects.toThrow(/larger than/);
    await expect(transfer().importAccount(document, { as: 'bob', announceMove: false, actor: null })).rejects.toThrow(/the account bob@localhost exists here/);
    await expect(transfer().importAccount(document, { announceMove: false, actor: null })).rejects.toThrow(/export of alice@localhost itself/);
  });
});

describe('what users do themselves', () => {
  it('gets a one-time download link for the own account', async () => {
    const answer = await runCommand(alice, EXPORT_COMMAND_NODE);
    const path = answer.form!.fields.find((f) => f.var === 'path')!.values[0]!;
    expect(path).toMatch(/^\/account-export\/[\w-]+\.[\w-]+$/);
    const route = h.core.http.match(path)!;
    const served: { status?: number; body?: string } = {};
    const res = { writeHead: (status: number) => void (served.status = status), end: (body: string) => void (served.body = body) };
    await route({ req: {} as never, res: res as never, url: new URL(path, 'http://x'), secure: true, sourceKey: 'test' });
    expect(served.status).toBe(200);
    expect(served.body).toContain("<user name='alice'".replace(/'/g, '"'));
    await route({ req: {} as never, res: res as never, url: new URL(path, 'http://x'), secure: true, sourceKey: 'test' });
    expect(served.status).toBe(404);
  });

  it('publishes the XEP-0283 moved statement, readable by anyone', async () => {
    const answer = await runCommand(alice, MOVED_COMMAND_NODE, { 'new-jid': 'alice@new.example' });
    expect(answer.notes[0]!.text).toBe('This account now says it moved to alice@new.example.');
    const bob = await h.connect('bob', 'reader');
    const reply = await bob.query(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: NS.MOVED }, xml('item', { id: 'current' })))));
    expect(reply.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChild('moved', NS.MOVED)!.getChildText('new-jid')).toBe('alice@new.example');
  });
});
