import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, formValue, formValues, NS, parseDataForm, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { ADMIN_NODE, CREATE_INVITATION_NODE } from './index.ts';

/** What the server stores of a token: its SHA-256, never the token (XEP-0445 tokens are bearer secrets). */
const hashInviteToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** XEP-0133 commands for the operators in `admins`, run the way a client runs them. */
let h: Harness;
let boss: TestSession;
let user: TestSession;

beforeAll(async () => {
  h = await createHarness({ admins: ['boss@localhost'], registration: 'invite' });
  await h.createUser('boss');
  await h.createUser('user');
  boss = await h.connect('boss');
  user = await h.connect('user');
});
afterAll(() => h.stop());

const ADMIN_COMMANDS = ['add-user', 'delete-user', 'change-user-password', 'get-registered-users-num', 'get-online-users-num', 'get-registered-users-list'];

async function list(session: TestSession): Promise<string[]> {
  const reply = await session.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS, node: NS.COMMANDS })));
  return reply.getChild('query')!.getChildren('item').map((item) => item.attrs.node!);
}

async function send(session: TestSession, node: string, attrs: Record<string, string> = {}, form?: Record<string, string | string[]>): Promise<Element> {
  const x = form
    ? buildDataForm({ type: 'submit', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.ADMIN] }, ...Object.entries(form).map(([name, value]) => ({ var: name, values: Array.isArray(value) ? value : [value] }))] })
    : undefined;
  const reply = await session.query(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: NS.COMMANDS, node, ...attrs }, x)));
  return reply;
}

/** execute, then complete with the form: the command element of the last answer. */
async function run(node: string, form: Record<string, string | string[]>, session = boss): Promise<Element> {
  const first = (await send(session, node, { action: 'execute' })).getChild('command', NS.COMMANDS)!;
  expect(first.attrs.status).toBe('executing');
  const reply = await send(session, node, { action: 'complete', sessionid: first.attrs.sessionid! }, form);
  expect(reply.attrs.type).toBe('result');
  const done = reply.getChild('command', NS.COMMANDS)!;
  expect(done.attrs.status).toBe('completed');
  return done;
}

const resultForm = (command: Element) => parseDataForm(command.getChild('x', NS.DATA_FORMS)!);
const note = (command: Element) => ({ type: command.getChild('note')?.attrs.type, text: command.getChildText('note') });

describe('service administration (XEP-0133)', () => {
  it('lists the admin commands to an admin and none to a user', async () => {
    const nodes = await list(boss);
    expect(nodes).toEqual(expect.arrayContaining([...ADMIN_COMMANDS.map(ADMIN_NODE), CREATE_INVITATION_NODE]));
    // A user sees only the commands for their own account (modules/transfer).
    expect((await list(user)).sort()).toEqual(['https://conexizan.org/commands#announce-move', 'https://conexizan.org/commands#export-account']);
  });

  it('answers forbidden when a user runs an admin command', async () => {
    for (const node of [...ADMIN_COMMANDS.map(ADMIN_NODE), CREATE_INVITATION_NODE]) {
      const reply = await send(user, node, { action: 'execute' });
      expect(reply.attrs.type).toBe('error');
      expect(reply.getChild('error')!.getChild('forbidden', NS.STANZAS_ERR)).toBeDefined();
    }
    expect(await h.core.accounts.exists('intruder')).toBe(false);
  });

  it('adds a user in two stages, with the password twice, and the new user can log in', async () => {
    const first = (await send(boss, ADMIN_NODE('add-user'), { action: 'execute' })).getChild('command', NS.COMMANDS)!;
    const form = parseDataForm(first.getChild('x', NS.DATA_FORMS)!);
    expect(form.type).toBe('form');
    expect(formValue(form, 'FORM_TYPE')).toBe(NS.ADMIN);
    expect(form.fields.map((f) => [f.var, f.type])).toEqual([['FORM_TYPE', 'hidden'], ['accountjid', 'jid-single'], ['password', 'text-private'], ['password-verify', 'text-private']]);
    const reply = await send(boss, ADMIN_NODE('add-user'), { action: 'complete', sessionid: first.attrs.sessionid! }, { accountjid: 'newbie@localhost', password: 'newbie password 1', 'password-verify': 'newbie password 1' });
    const done = reply.getChild('command', NS.COMMANDS)!;
    expect(done.attrs.status).toBe('completed');
    expect(note(done)).toEqual({ type: 'info', text: 'newbie@localhost has been created' });
    expect(await h.core.accounts.verifyPassword('newbie', 'newbie password 1')).toBe(true);
  });

  it('does not add a user when the passwords differ, the name is taken or on another domain', async () => {
    expect(note(await run(ADMIN_NODE('add-user'), { accountjid: 'typo@localhost', password: 'one password', 'password-verify': 'another password' }))).toEqual({ type: 'error', text: 'the passwords do not match' });
    expect(await h.core.accounts.exists('typo')).toBe(false);
    expect(note(await run(ADMIN_NODE('add-user'), { accountjid: 'user@localhost', password: 'one password', 'password-verify': 'one password' })).text).toMatch(/taken/);
    expect(note(await run(ADMIN_NODE('add-user'), { accountjid: 'x@elsewhere.example', password: 'one password', 'password-verify': 'one password' })).type).toBe('error');
    expect(note(await run(ADMIN_NODE('add-user'), { accountjid: 'short@localhost', password: 'short', 'password-verify': 'short' })).text).toMatch(/at least/);
  });

  it('cancels add-user without creating anything', async () => {
    const first = (await send(boss, ADMIN_NODE('add-user'), { action: 'execute' })).getChild('command', NS.COMMANDS)!;
    const canceled = (await send(boss, ADMIN_NODE('add-user'), { action: 'cancel', sessionid: first.attrs.sessionid! })).getChild('command', NS.COMMANDS)!;
    expect(canceled.attrs.status).toBe('canceled');
    const late = await send(boss, ADMIN_NODE('add-user'), { action: 'complete', sessionid: first.attrs.sessionid! }, { accountjid: 'late@localhost', password: 'late password 1', 'password-verify': 'late password 1' });
    expect(late.getChild('error')!.getChild('bad-sessionid', NS.COMMANDS)).toBeDefined();
    expect(await h.core.accounts.exists('late')).toBe(false);
  });

  it('changes a user password', async () => {
    await h.createUser('forgetful', 'old password 1');
    expect(note(await run(ADMIN_NODE('change-user-password'), { accountjid: 'forgetful@localhost', password: 'new password 1' })).type).toBe('info');
    expect(await h.core.accounts.verifyPassword('forgetful', 'new password 1')).toBe(true);
    expect(await h.core.accounts.verifyPassword('forgetful', 'old password 1')).toBe(false);
    expect(note(await run(ADMIN_NODE('change-user-password'), { accountjid: 'nobody@localhost', password: 'new password 1' })).type).toBe('error');
  });

  it('deletes users and ends their sessions', async () => {
    await h.createUser('leaving1');
    await h.createUser('leaving2');
    const online = await h.connect('leaving1');
    const done = await run(ADMIN_NODE('delete-user'), { accountjids: ['leaving1@localhost', 'leaving2@localhost', 'ghost@localhost'] });
    expect(done.getChildren('note').map((n) => [n.attrs.type, n.getText()])).toEqual([
      ['info', 'leaving1@localhost has been deleted'],
      ['info', 'leaving2@localhost has been deleted'],
      ['error', 'no account ghost@localhost'],
    ]);
    expect(await h.core.storage.accounts.get('leaving1')).toBeNull();
    expect(await h.core.storage.accounts.get('leaving2')).toBeNull();
    expect(online.closedWith).toBe('not-authorized');
  });

  it('counts registered and online users', async () => {
    const registered = (await h.core.accounts.list()).length;
    const num = await send(boss, ADMIN_NODE('get-registered-users-num'), { action: 'execute' });
    const numForm = resultForm(num.getChild('command', NS.COMMANDS)!);
    expect(num.getChild('command', NS.COMMANDS)!.attrs.status).toBe('completed');
    expect(numForm.type).toBe('result');
    expect(formValue(numForm, 'registeredusersnum')).toBe(String(registered));

    await h.connect('boss', 'second-device');
    const online = resultForm((await send(boss, ADMIN_NODE('get-online-users-num'), { action: 'execute' })).getChild('command', NS.COMMANDS)!);
    // boss (two resources) and user
    expect(formValue(online, 'onlineusersnum')).toBe('2');
  });

  it('lists registered users', async () => {
    const form = resultForm(await run(ADMIN_NODE('get-registered-users-list'), { max_items: 'none' }));
    expect(formValues(form, 'registereduserjids')).toEqual(expect.arrayContaining(['boss@localhost', 'user@localhost', 'newbie@localhost']));
    expect(formValues(form, 'registereduserjids')).toHaveLength((await h.core.accounts.list()).length);
    expect(formValues(resultForm(await run(ADMIN_NODE('get-registered-users-list'), { max_items: '25' })), 'registereduserjids').length).toBeLessThanOrEqual(25);
  });

  it('creates an invitation and returns its xmpp: link', async () => {
    const done = await run(CREATE_INVITATION_NODE, { days: '2' });
    const form = resultForm(done);
    const uri = formValue(form, 'uri')!;
    expect(uri).toMatch(/^xmpp:localhost\?register;preauth=[A-Za-z0-9_-]{22}$/);
    const token = uri.split('preauth=')[1]!;
    expect(formValue(form, 'token')).toBe(token);
    const expiresAt = await h.core.storage.invites.expiresAt(hashInviteToken(token));
    expect(expiresAt!.getTime() - Date.now()).toBeGreaterThan(47 * 3_600_000);
    expect(expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(48 * 3_600_000);
    expect(note(await run(CREATE_INVITATION_NODE, { days: '1000' })).type).toBe('error');
  });
});
