import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { Admin } from './admin.ts';
import { TestConnection, testSession } from './testing.ts';

/** The session's side of issue 18: reports, notices from the server, and the admin API over ad-hoc commands. */
describe('reporting (XEP-0377)', () => {
  it('blocks the reported address with a report naming the reason, the text and the message by its archive id', async () => {
    const { session, connection } = testSession();
    await session.contacts.report('spam@bad.example', { reason: 'spam', text: ' buy watches ', messages: [{ id: 'arch-1', by: 'alice@x' }] }, 'en');
    const block = connection.iqs.at(-1)!.payload;
    expect(block.is('block', NS.BLOCKING)).toBe(true);
    const report = block.getChild('item')!.getChild('report', NS.REPORTING)!;
    expect(block.getChild('item')!.attrs.jid).toBe('spam@bad.example');
    expect(report.attrs.reason).toBe('urn:xmpp:reporting:spam');
    expect(report.getChildText('text')).toBe('buy watches');
    expect(report.getChild('stanza-id', NS.SID)!.attrs).toMatchObject({ id: 'arch-1', by: 'alice@x' });
    expect(session.roster.isBlocked('spam@bad.example')).toBe(true);
  });
});

describe('notices from our server', () => {
  it('shows messages from the domain itself as notices, not as a chat, and keeps them until dismissed', async () => {
    const { session, feed } = testSession();
    await feed("<message from='x' to='alice@x/web' type='normal' id='n1'><subject>Maintenance</subject><body>Back at 22:00</body></message>");
    await feed("<message from='bob@x/phone' to='alice@x/web' type='chat' id='m1'><body>hi</body></message>");
    expect(session.notices.notices.map((n) => [n.subject, n.body])).toEqual([['Maintenance', 'Back at 22:00']]);
    expect(session.chats.get('x')).toBeUndefined();
    expect(session.chats.get('bob@x')?.messages).toHaveLength(1);
    session.notices.dismiss('n1');
    expect(session.notices.notices).toEqual([]);
  });
});

/** A connection that answers ad-hoc commands from a script: node → what the server would say. */
class CommandServer extends TestConnection {
  constructor(private readonly answers: Record<string, (request: Element) => Element>) {
    super();
  }

  override async iq(type: 'get' | 'set', payload: Element, to?: string): Promise<Element> {
    this.iqs.push({ type, payload, to });
    if (payload.is('query', NS.DISCO_ITEMS)) return xml('iq', { type: 'result' }, xml('query', { xmlns: NS.DISCO_ITEMS }, ...Object.keys(this.answers).map((node) => xml('item', { jid: 'x', node }))));
    const answer = this.answers[payload.attrs.node ?? '']?.(payload);
    if (!answer) throw Object.assign(new Error('forbidden'), { condition: 'forbidden' });
    return xml('iq', { type: 'result' }, answer);
  }
}

const form = (node: string) => (request: Element) =>
  request.attrs.action === 'execute'
    ? parseXml(`<command xmlns='${NS.COMMANDS}' node='${node}' sessionid='s1' status='executing'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>${NS.ADMIN}</value></field></x></command>`)
    : parseXml(`<command xmlns='${NS.COMMANDS}' node='${node}' sessionid='s1' status='completed'><note type='info'>done</note></command>`);

describe('the admin API', () => {
  it('is there only when the server lists its admin commands to us', async () => {
    expect(await Admin.open(new CommandServer({}), 'x')).toBeNull();
    expect(await Admin.open(new CommandServer({ [`${NS.ADMIN}#disable-user`]: form(`${NS.ADMIN}#disable-user`) }), 'x')).not.toBeNull();
  });

  it('runs a command in two stages and submits the form with its FORM_TYPE', async () => {
    const node = `${NS.ADMIN}#disable-user`;
    const server = new CommandServer({ [node]: form(node) });
    const admin = (await Admin.open(server, 'x'))!;
    await admin.suspend('mallory@x', 'spam', true);
    const [, first, second] = server.iqs;
    expect(first!.payload.attrs).toMatchObject({ node, action: 'execute' });
    expect(second!.payload.attrs).toMatchObject({ node, action: 'complete', sessionid: 's1' });
    const fields = Object.fromEntries(second!.payload.getChild('x', NS.DATA_FORMS)!.getChildren('field').map((f) => [f.attrs.var, f.getChildren('value').map((v) => v.getText())]));
    expect(fields).toEqual({ FORM_TYPE: [NS.ADMIN], accountjids: ['mallory@x'], reason: ['spam'], notify: ['1'] });
  });

  it('turns an error note into an error, and a refusal into one with its condition', async () => {
    const node = `${NS.ADMIN}#disable-user`;
    const server = new CommandServer({
      [node]: (request) => (request.attrs.action === 'execute' ? form(node)(request) : parseXml(`<command xmlns='${NS.COMMANDS}' node='${node}' status='completed'><note type='error'>no account nobody</note></command>`)),
    });
    const admin = (await Admin.open(server, 'x'))!;
    await expect(admin.suspend('nobody@x', '', false)).rejects.toThrow('no account nobody');
    await expect(admin.unsuspend('nobody@x')).rejects.toMatchObject({ condition: 'forbidden' });
  });
});
