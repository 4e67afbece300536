import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['ophelia', 'hamlet']) await h.createUser(name, 'first password');
});
afterAll(() => h.stop());

const registerSet = (...children: ReturnType<typeof xml>[]) => xml('iq', { type: 'set' }, xml('query', { xmlns: NS.REGISTER }, ...children));

describe('XEP-0077 after login: password change and account removal', () => {
  it('changes the password, and refuses a weak one without echoing it', async () => {
    const ophelia = await h.connect('ophelia');
    const weak = await ophelia.query(registerSet(xml('username', {}, 'ophelia'), xml('password', {}, 'short')));
    expect(weak.getChild('error')!.getChild('not-acceptable')).toBeDefined();
    expect(weak.toString()).not.toContain('short<');
    const someoneElse = await ophelia.query(registerSet(xml('username', {}, 'hamlet'), xml('password', {}, 'a new password')));
    expect(someoneElse.getChild('error')!.getChild('not-allowed')).toBeDefined();
    expect(await h.core.accounts.verifyPassword('hamlet', 'first password')).toBe(true);

    const ok = await ophelia.query(registerSet(xml('username', {}, 'ophelia'), xml('password', {}, 'a new password')));
    expect(ok.attrs.type).toBe('result');
    expect(await h.core.accounts.verifyPassword('ophelia', 'a new password')).toBe(true);
    expect(await h.core.accounts.verifyPassword('ophelia', 'first password')).toBe(false);
  });

  it('deletes the account with everything it stored, ends its sessions and keeps the name reserved', async () => {
    const hamlet = await h.connect('hamlet', 'one');
    const other = await h.connect('hamlet', 'two');
    await hamlet.query(xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS.VCARD }, xml('FN', {}, 'Hamlet'))));
    await h.core.storage.offline.store('hamlet', '<message/>', 10);
    const reply = await hamlet.query(registerSet(xml('remove')));
    expect(reply.attrs.type).toBe('result');
    expect(hamlet.closedWith).toBe('not-authorized');
    expect(other.closedWith).toBe('not-authorized');
    expect(await h.core.accounts.exists('hamlet')).toBe(false);
    expect(await h.core.storage.vcards.get('hamlet')).toBeNull();
    expect(await h.core.storage.offline.count('hamlet')).toBe(0);
    await expect(h.core.accounts.create('hamlet', 'someone else entirely')).rejects.toThrow(/cannot be registered yet/);
  });
});
