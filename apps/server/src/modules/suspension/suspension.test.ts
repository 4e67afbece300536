import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formRows, formValue, formValues, NS, xml } from '@conexizan/protocol';
import { AccountError } from '../../accounts/account-service.ts';
import { runCommand } from '../../testing/commands.ts';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

const node = (name: string) => `${NS.ADMIN}#${name}`;

let h: Harness;
let boss: TestSession;

beforeAll(async () => {
  h = await createHarness({ admins: ['boss@localhost'] });
  for (const name of ['boss', 'spammer', 'alice', 'carol']) await h.createUser(name);
  boss = await h.connect('boss');
});
afterAll(() => h.stop());

const chat = (to: string, body: string) => xml('message', { to, type: 'chat', id: `m-${body}` }, xml('body', {}, body));
const errorOf = (stanza: { getChild(name: string): { getChildElements(): { name: string }[]; attrs: Record<string, string> } | undefined }) => {
  const error = stanza.getChild('error');
  return error ? { type: error.attrs.type, condition: error.getChildElements()[0]?.name } : null;
};

describe('suspending an account', () => {
  it('ends its sessions, refuses what is sent to it, keeps its data, and lifting it restores everything', async () => {
    const spammer = await h.connect('spammer', 'phone');
    const alice = await h.connect('alice');
    await h.core.storage.vcards.set('spammer', "<vCard xmlns='vcard-temp'><FN>Spam</FN></vCard>");

    const suspended = await runCommand(boss, node('disable-user'), { accountjids: ['spammer@localhost'], reason: 'sent spam to 40 people', notify: '1' });
    expect(suspended.notes).toEqual([{ type: 'info', text: 'spammer@localhost is suspended' }]);
    expect(spammer.closedWith).toBe('policy-violation');
    expect(await h.core.sessions.resourcesOf(spammer.jid.bare())).toEqual([]);
    expect(await h.core.accounts.suspension('spammer')).toMatchObject({ reason: 'sent spam to 40 people', notice: true });

    // A message and an iq to the suspended account come back with recipient-unavailable (wait); nothing is stored offline.
    await alice.sendStanza(chat('spammer@localhost', 'hello'));
    const bounce = await alice.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorOf(bounce)).toEqual({ type: 'wait', condition: 'recipient-unavailable' });
    expect(bounce.getChild('error')!.getChildText('text')).toBe('this account is suspended');
    const vcard = await alice.query(xml('iq', { type: 'get', to: 'spammer@localhost' }, xml('vCard', { xmlns: 'vcard-temp' })));
    expect(errorOf(vcard)?.condition).toBe('recipient-unavailable');
    expect(await h.core.storage.offline.count('spammer')).toBe(0);

    // Everything it stored is still there.
    expect(await h.core.storage.vcards.get('spammer')).toContain('Spam');

    const lifted = await runCommand(boss, node('reenable-user'), { accountjids: ['spammer@localhost'] });
    expect(lifted.notes).toEqual([{ type: 'info', text: 'spammer@localhost can log in again' }]);
    expect(await h.core.accounts.suspension('spammer')).toBeNull();
    const back = await h.connect('spammer', 'laptop');
    await back.sendStanza(xml('presence'));
    await alice.sendStanza(chat('spammer@localhost', 'welcome back'));
    expect((await back.next((el) => el.name === 'message')).getChildText('body')).toBe('welcome back');
    const card = await alice.query(xml('iq', { type: 'get', to: 'spammer@localhost' }, xml('vCard', { xmlns: 'vcard-temp' })));
    expect(card.attrs.type).toBe('result');
  });

  it('lists the suspended accounts with reason and time, counts them, and says what is wrong with a request', async () => {
    await h.core.accounts.suspend('carol', { reason: 'harassment', notice: false });
    const list = await runCommand(boss, node('get-disabled-users-list'), { max_items: '100' });
    expect(formValues(list.form!, 'disableduserjids')).toEqual(['carol@localhost']);
    expect(formRows(list.form!)).toEqual([{ jid: ['carol@localhost'], since: [expect.any(String)], reason: ['harassment'], notice: ['0'] }]);
    expect(formValue((await runCommand(boss, node('get-disabled-users-num'))).form!, 'disabledusersnum')).toBe('1');

    const wrong = await runCommand(boss, node('disable-user'), { accountjids: ['nobody@localhost', 'x@elsewhere.example', 'carol@localhost/phone'] });
    expect(wrong.notes).toEqual([
      { type: 'error', text: 'no account nobody' },
      { type: 'error', text: '"x@elsewhere.example" is not an account of localhost' },
      { type: 'error', text: '"carol@localhost/phone" is not an account of localhost' },
    ]);
    expect((await runCommand(boss, node('reenable-user'), { accountjids: ['alice@localhost'] })).notes).toEqual([{ type: 'error', text: 'alice is not suspended' }]);
    await expect(h.core.accounts.unsuspend('nobody')).rejects.toBeInstanceOf(AccountError);
    await h.core.accounts.unsuspend('carol');
  });

  it('ends the sessions of a user without suspending them', async () => {
    const phone = await h.connect('alice', 'phone');
    const laptop = await h.connect('alice', 'laptop');
    const one = await runCommand(boss, node('end-user-session'), { accountjids: ['alice@localhost/phone'] });
    expect(one.notes).toEqual([{ type: 'info', text: '1 session(s) of alice@localhost/phone ended' }]);
    expect(phone.closedWith).toBe('policy-violation');
    expect(laptop.closedWith).toBeNull();
    await runCommand(boss, node('end-user-session'), { accountjids: ['alice@localhost'] });
    expect(laptop.closedWith).toBe('policy-violation');
    expect(await h.core.accounts.suspension('alice')).toBeNull();
  });

  it('shows a user none of these commands and refuses every one', async () => {
    const user = await h.connect('alice', 'desk');
    for (const name of ['disable-user', 'reenable-user', 'get-disabled-users-list', 'get-disabled-users-num', 'end-user-session']) {
      expect((await runCommand(user, node(name), { accountjids: ['carol@localhost'] })).error).toBe('forbidden');
    }
    expect(await h.core.accounts.suspension('carol')).toBeNull();
  });

  it('writes what the admins did to the audit log', async () => {
    const log = await runCommand(boss, 'https://conexizan.org/commands#audit-log');
    const rows = formRows(log.form!).map((row) => [row.actor![0], row.action![0], row.target![0]]);
    expect(rows).toEqual(expect.arrayContaining([
      ['boss@localhost', 'suspend', 'spammer@localhost'],
      ['boss@localhost', 'unsuspend', 'spammer@localhost'],
      ['boss@localhost', 'end-sessions', 'alice@localhost/phone'],
    ]));
    expect(rows.findIndex((row) => row[1] === 'unsuspend')).toBeLessThan(rows.findIndex((row) => row[1] === 'suspend'));
  });
});

describe('keeping suspended accounts', () => {
  it('deletes an account suspended longer than accounts.suspended_keep_days, and keeps the others', async () => {
    const keep = await createHarness({ accounts: { suspended_keep_days: 1 } });
    try {
      await keep.createUser('old');
      await keep.createUser('recent');
      await keep.core.storage.accounts.suspend('old', { at: new Date(Date.now() - 2 * 86_400_000), reason: '', notice: false });
      await keep.core.accounts.suspend('recent', { reason: '', notice: false });
      // The purge runs once the server has started; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await keep.core.hooks.fireAll('server/started', {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await keep.core.accounts.exists('old')).toBe(false);
      expect(await keep.core.accounts.exists('recent')).toBe(true);
      expect((await keep.core.storage.audit.list({ limit: 10 })).map((e) => [e.actor, e.action, e.target])).toContainEqual(['server', 'delete-user', 'old@localhost']);
    } finally {
      await keep.stop();
    }
  });
});
