import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, formRows, formValue, NS, xml, type Element } from '@conexizan/protocol';
import { runCommand } from '../../testing/commands.ts';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { REPORT_COMMAND } from './commands.ts';

/**
 * XEP-0377 as a client sends it (a report inside a XEP-0191 block item) and
 * as another server forwards it, and the operators' commands.
 */
let h: Harness;
let boss: TestSession;
let alice: TestSession;
let spammer: TestSession;
let bobSession: TestSession;
const bob = () => bobSession;

beforeAll(async () => {
  h = await createHarness({ admins: ['boss@localhost'], reports: { per_hour: 3, from_other_servers: 'trusted', trusted_servers: ['friendly.example'], remote_per_hour: 2 } });
  for (const name of ['boss', 'alice', 'spammer', 'bob']) await h.createUser(name);
  boss = await h.connect('boss');
  alice = await h.connect('alice');
  spammer = await h.connect('spammer');
  bobSession = await h.connect('bob');
  for (const session of [boss, alice, spammer]) await session.sendStanza(xml('presence'));
});
afterAll(() => h.stop());

const block = (jid: string, report?: Element) => xml('iq', { type: 'set' }, xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid }, report)));

/** A chat message from the spammer to alice: the stanza id alice's archive gave it. */
async function spam(body: string, extra: Element[] = []): Promise<string> {
  await spammer.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, body), ...extra));
  const received = await alice.next((el) => el.name === 'message' && el.getChildText('body') === body);
  return received.getChild('stanza-id', NS.SID)!.attrs.id!;
}

describe('a user reports (XEP-0377)', () => {
  it('advertises reporting on the server', async () => {
    const info = await alice.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([NS.REPORTING, NS.REPORTING_0]));
  });

  it('keeps the report with the readable copy of the reported message, blocks, and tells the admins', async () => {
    const plain = await spam('cheap watches at example.com');
    const secret = await spam('?', [xml('encrypted', { xmlns: NS.OMEMO_LEGACY }, xml('payload', {}, 'c2VjcmV0'))]);
    const reply = await alice.query(block('spammer@localhost', buildReport({ reason: 'spam', text: 'sends ads all day', stanzaIds: [{ id: plain, by: 'alice@localhost' }, { id: secret, by: 'alice@localhost' }, { id: 'made-up', by: 'alice@localhost' }] })));
    expect(reply.attrs.type).toBe('result');
    expect(await h.core.storage.blocklist.list('alice')).toEqual(['spammer@localhost']);

    const notice = await boss.next((el) => el.name === 'message' && el.getChildText('subject') === 'New abuse report');
    expect(notice.attrs.from).toBe('localhost');
    expect(notice.getChildText('body')).toContain('alice@localhost reported spammer@localhost (spam): “sends ads all day”');
    expect(notice.getChildText('body')).toContain('1 open report');

    const list = await runCommand(boss, REPORT_COMMAND('list'), { status: 'open' });
    const [row] = formRows(list.form!);
    expect(row).toMatchObject({ reporter: ['alice@localhost'], offender: ['spammer@localhost'], kind: ['account'], reason: ['spam'], text: ['sends ads all day'], messages: ['3'], status: ['open'] });

    const shown = await runCommand(boss, REPORT_COMMAND('show'), { id: row!.id! });
    expect(formValue(shown.form!, 'account')).toBe('spammer@localhost');
    expect(formValue(shown.form!, 'account-state')).toBe('active');
    const bodies = formRows(shown.form!).map((message) => message.body![0]);
    expect(bodies).toEqual(['cheap watches at example.com', '(end-to-end encrypted: not readable by the server)', '(not found in the reporter’s archive)']);
    // The server never kept the ciphertext in the report.
    expect(JSON.stringify(await h.core.storage.reports.get(row!.id![0]!))).not.toContain('c2VjcmV0');
  });

  it('reads a report beside the items, as slixmpp 1.8 sends it (XEP-0377 0.2)', async () => {
    const iq = xml('iq', { type: 'set' }, xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid: 'old-style@elsewhere.example' }), xml('report', { xmlns: NS.REPORTING_0 }, xml('text', {}, 'old client'), xml('abuse'))));
    expect((await bob().query(iq)).attrs.type).toBe('result');
    const [report] = await h.core.storage.reports.list({ offender: 'old-style@elsewhere.example', limit: 1 });
    expect(report).toMatchObject({ reporter: 'bob@localhost', reason: 'abuse', text: 'old client' });
  });

  it('takes a message of the reporter’s own as no evidence against the offender', async () => {
    await alice.sendStanza(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'my own words')));
    const [entry] = (await h.core.storage.archive.query('alice', { peer: 'bob@localhost' }, { max: 1, before: '' }))!.items;
    await alice.query(block('bob@localhost', buildReport({ reason: 'abuse', stanzaIds: [{ id: entry!.id, by: 'alice@localhost' }] })));
    const report = (await h.core.storage.reports.list({ offender: 'bob@localhost', limit: 1 }))[0]!;
    expect(report.messages).toEqual([{ id: entry!.id, by: 'alice@localhost', stanza: null, at: null }]);
  });

  it('refuses a flood of reports with resource-constraint and blocks nothing then', async () => {
    // per_hour is 3: alice has sent 2.
    const one = await alice.query(block('a@elsewhere.example', buildReport({ reason: 'spam' })));
    expect(one.attrs.type).toBe('result');
    const flood = await alice.query(block('b@elsewhere.example', buildReport({ reason: 'spam' })));
    expect(flood.attrs.type).toBe('error');
    expect(flood.getChild('error')!.getChild('resource-constraint', NS.STANZAS_ERR)).toBeDefined();
    expect(await h.core.storage.blocklist.list('alice')).not.toContain('b@elsewhere.example');
    // A plain block still works.
    expect((await alice.query(block('b@elsewhere.example'))).attrs.type).toBe('result');
  });

  it('closes a report once, and lists it under its outcome', async () => {
    const [report] = await h.core.storage.reports.list({ offender: 'spammer@localhost', limit: 1 });
    const closed = await runCommand(boss, REPORT_COMMAND('close'), { id: report!.id, status: 'resolved', resolution: 'suspended' });
    expect(closed.notes[0]!.text).toMatch(/^The report is resolved\. \d+ open reports? left\.$/);
    expect((await runCommand(boss, REPORT_COMMAND('close'), { id: report!.id, status: 'dismissed' })).notes).toEqual([{ type: 'error', text: 'the report is closed already' }]);
    const resolved = formRows((await runCommand(boss, REPORT_COMMAND('list'), { status: 'resolved' })).form!);
    expect(resolved.map((row) => row.id![0])).toEqual([report!.id]);
    const log = await h.core.storage.audit.list({ limit: 5 });
    expect(log.map((e) => [e.actor, e.action, e.target, e.detail])).toContainEqual(['boss@localhost', 'resolve-report', 'spammer@localhost', 'suspended']);
  });

  it('refuses every report command to a user', async () => {
    for (const name of ['list', 'show', 'close']) expect((await runCommand(alice, REPORT_COMMAND(name), { id: 'x' })).error).toBe('forbidden');
  });
});

describe('reports other servers forward', () => {
  const forwarded = (from: string, offender: string) =>
    xml('message', { from, to: 'localhost', id: `fw-${Math.random()}` },
      xml('body', {}, 'SPAM/ABUSE REPORT'),
      xml('report', { xmlns: NS.REPORTING, reason: 'urn:xmpp:reporting:spam' }, xml('jid', { xmlns: NS.JID }, offender), xml('text', {}, 'from our user')),
      xml('forwarded', { xmlns: NS.FORWARD }, xml('delay', { xmlns: NS.DELAY, stamp: '2026-01-02T03:04:05Z' }, ), xml('message', { xmlns: 'jabber:client', from: 'spammer@localhost/bot', to: 'victim@friendly.example', type: 'chat' }, xml('body', {}, 'buy now'))));
  /** What the server sends back towards the remote server (routed out through route/remote). */
  async function deliver(stanza: Element): Promise<Element | null> {
    const answers: Element[] = [];
    const off = h.core.hooks.on('route/remote', (event) => (answers.push(event.stanza), true), 'policy');
    await h.core.router.route(stanza, { kind: 's2s', domain: stanza.attrs.from!.split('@').at(-1)! });
    off();
    return answers[0] ?? null;
  }

  it('keeps a report from a trusted server, with its copy of the message', async () => {
    expect(await deliver(forwarded('friendly.example', 'spammer@localhost'))).toBeNull();
    const [report] = await h.core.storage.reports.list({ offender: 'spammer@localhost', status: 'open', limit: 1 });
    expect(report).toMatchObject({ reporter: 'friendly.example', origin: 'remote', reason: 'spam', text: 'from our user' });
    expect(report!.messages[0]).toMatchObject({ by: 'friendly.example', at: new Date('2026-01-02T03:04:05Z') });
    expect(report!.messages[0]!.stanza).toContain('buy now');
  });

  it('answers not-allowed to other servers, and bad-request for an address that is not ours', async () => {
    const before = await h.core.storage.reports.count('open');
    const refused = await deliver(forwarded('hostile.example', 'spammer@localhost'));
    expect(refused?.getChild('error')?.getChild('not-allowed', NS.STANZAS_ERR)).toBeDefined();
    const notOurs = await deliver(forwarded('friendly.example', 'someone@elsewhere.example'));
    expect(notOurs?.getChild('error')?.getChild('bad-request', NS.STANZAS_ERR)).toBeDefined();
    expect(await h.core.storage.reports.count('open')).toBe(before);
  });

  it('limits forwarded reports per hour', async () => {
    // remote_per_hour is 2: one was kept above.
    expect(await deliver(forwarded('friendly.example', 'bob@localhost'))).toBeNull();
    const third = await deliver(forwarded('friendly.example', 'bob@localhost'));
    expect(third?.getChild('error')?.getChild('resource-constraint', NS.STANZAS_ERR)).toBeDefined();
  });
});
