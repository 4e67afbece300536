import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, type Element } from '@conexizan/protocol';
import { runCommand } from '../../testing/commands.ts';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { ANNOUNCE_ALL_NODE } from './index.ts';

const node = (name: string) => `${NS.ADMIN}#${name}`;
const fromService = (subject: string) => (el: Element) => el.name === 'message' && el.attrs.from === 'localhost' && el.getChildText('subject') === subject;

let h: Harness;
let boss: TestSession;

beforeAll(async () => {
  h = await createHarness({ admins: ['boss@localhost'] });
  for (const name of ['boss', 'alice', 'bob', 'carol']) await h.createUser(name);
  boss = await h.connect('boss');
});
afterAll(() => h.stop());

describe('announcements (XEP-0133)', () => {
  it('sends an announcement to every online device and to nobody else', async () => {
    const phone = await h.connect('alice', 'phone');
    const laptop = await h.connect('alice', 'laptop');
    const done = await runCommand(boss, node('announce'), { subject: 'Maintenance', announcement: ['The server restarts at 22:00.', 'Sorry!'] });
    expect(done.notes).toEqual([{ type: 'info', text: 'sent to 2 online accounts' }]);
    for (const session of [phone, laptop]) expect((await session.next(fromService('Maintenance'))).getChildText('body')).toBe('The server restarts at 22:00.\nSorry!');
    expect(await h.core.storage.offline.count('bob')).toBe(0);
    await phone.disconnect();
    await laptop.disconnect();
  });

  it('sends an announcement to all accounts, kept offline for those away', async () => {
    const done = await runCommand(boss, ANNOUNCE_ALL_NODE, { announcement: 'New terms of service.' });
    expect(done.notes).toEqual([{ type: 'info', text: 'sent to 4 accounts' }]);
    const stored = await h.core.storage.offline.list('bob');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.stanza).toContain('New terms of service.');
  });

  it('gives the message of the day to whoever is online now, and to others once at their next login', async () => {
    const online = await h.connect('carol');
    expect((await runCommand(boss, node('set-motd'), { motd: 'Welcome to the new server!' })).notes[0]!.text).toBe('the message of the day is set; sent to 2 online accounts');
    expect((await online.next(fromService('Message of the day'))).getChildText('body')).toBe('Welcome to the new server!');
    // carol saw it: her next login brings nothing; bob gets it once.
    const again = await h.connect('carol', 'second');
    const bob = await h.connect('bob', 'first');
    expect((await bob.next(fromService('Message of the day'))).getChildText('body')).toBe('Welcome to the new server!');
    const bobAgain = await h.connect('bob', 'again');
    await expect(bobAgain.next(fromService('Message of the day'), 300)).rejects.toThrow();
    await expect(again.next(fromService('Message of the day'), 300)).rejects.toThrow();

    // Editing shows the current text and makes a new version that everyone gets again.
    const edit = await runCommand(boss, node('edit-motd'), { motd: 'Welcome! Read the rules.' });
    expect(edit.notes[0]!.text).toMatch(/^the message of the day is set/);
    const alice = await h.connect('alice', 'later');
    expect((await alice.next(fromService('Message of the day'))).getChildText('body')).toBe('Welcome! Read the rules.');

    expect((await runCommand(boss, node('delete-motd'))).notes).toEqual([{ type: 'info', text: 'the message of the day is deleted' }]);
    await h.core.storage.accounts.setMotdSeen('alice', 'old');
    const afterDelete = await h.connect('alice', 'after');
    await expect(afterDelete.next(fromService('Message of the day'), 300)).rejects.toThrow();
  });

  it('refuses an empty announcement, and every command to a user', async () => {
    expect((await runCommand(boss, node('announce'), { announcement: '   ' })).notes[0]!.type).toBe('error');
    const user = await h.connect('alice', 'user');
    for (const name of [node('announce'), node('set-motd'), node('edit-motd'), node('delete-motd'), ANNOUNCE_ALL_NODE]) {
      expect((await runCommand(user, name, { announcement: 'x', motd: 'x' })).error).toBe('forbidden');
    }
    const log = await h.core.storage.audit.list({ limit: 20 });
    expect(log.map((entry) => entry.action)).toEqual(expect.arrayContaining(['announce', 'announce-all', 'set-motd', 'edit-motd', 'delete-motd']));
  });
});
