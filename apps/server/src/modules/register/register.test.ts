import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, formValue, NS, parseDataForm, xml } from '@conexizan/protocol';
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

  it('asks a browser session for the current password (XEP-0077 form), checks it and limits guesses', async () => {
    await h.createUser('yorick', 'first password');
    const browser = await h.connect('yorick', 'browser');
    browser.transport = 'wss';
    // Whoever sits at an open browser cannot just set a new password.
    const plain = await browser.query(registerSet(xml('username', {}, 'yorick'), xml('password', {}, 'taken over now')));
    const error = plain.getChild('error')!;
    expect([error.attrs.type, error.getChild('not-authorized', 'urn:ietf:params:xml:ns:xmpp-stanzas') !== undefined]).toEqual(['modify', true]);
    const form = parseDataForm(plain.getChild('query', NS.REGISTER)!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(form, 'FORM_TYPE')).toBe('jabber:iq:register:changepassword');
    expect(form.fields.map((f) => f.var)).toEqual(['FORM_TYPE', 'username', 'old_password', 'password']);
    expect(await h.core.accounts.verifyPassword('yorick', 'first password')).toBe(true);

    const submit = (old: string, next: string) =>
      registerSet(buildDataForm({ type: 'submit', fields: [
        { var: 'FORM_TYPE', values: ['jabber:iq:register:changepassword'] },
        { var: 'username', values: ['yorick'] },
        { var: 'old_password', values: [old] },
        { var: 'password', values: [next] },
      ] }));
    const wrong = await browser.query(submit('not my password', 'taken over now'));
    expect(wrong.getChild('error')!.getChild('not-authorized')).toBeDefined();
    expect(wrong.toString()).not.toContain('not my password');
    expect(await h.core.accounts.verifyPassword('yorick', 'first password')).toBe(true);

    const right = await browser.query(submit('first password', 'second password'));
    expect(right.attrs.type).toBe('result');
    expect(await h.core.accounts.verifyPassword('yorick', 'second password')).toBe(true);

    // Guessing: after as many wrong answers as a login may fail, even the right one waits.
    for (let i = 0; i < h.core.config.limits.failed_logins_per_account; i++) await browser.query(submit(`guess ${i}`, 'taken over now'));
    const blocked = await browser.query(submit('second password', 'third password'));
    expect(blocked.getChild('error')!.getChild('policy-violation')).toBeDefined();
    expect(await h.core.accounts.verifyPassword('yorick', 'second password')).toBe(true);

    // An app on TCP keeps the plain XEP-0077 change it always had.
    const app = await h.connect('yorick', 'phone');
    expect((await app.query(registerSet(xml('username', {}, 'yorick'), xml('password', {}, 'third password')))).attrs.type).toBe('result');
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
