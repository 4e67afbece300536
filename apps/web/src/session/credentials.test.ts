import { afterEach, describe, expect, it } from 'vitest';
import { ScramClientSession, ScramServerSession, deriveScramCredentials } from '@conexizan/crypto/scram';
import { base64Encode } from '@conexizan/crypto/bytes';
import { isAccountPassword, savedLogin, saveLogin } from './credentials.ts';
import { Vault } from './vault.ts';

const LOGIN = { jid: 'alice@example.org', domain: 'example.org', username: 'alice', service: 'wss://example.org/xmpp-websocket' };
const PASSWORD = 'correct horse battery staple';

/** One real SCRAM exchange against the project's server side, to get the SaltedPassword a login leaves behind. */
async function loginOnce() {
  const stored = await deriveScramCredentials(PASSWORD, 'SHA-256');
  const server = new ScramServerSession({ hash: 'SHA-256', plus: false, channelBindingSupported: false, lookup: async () => stored });
  const client = new ScramClientSession({ hash: 'SHA-256', username: 'alice', password: PASSWORD });
  const result = await server.finish(await client.final(await server.start(client.first())));
  await client.verify(result.serverFinal);
  return { salted: client.saltedPassword!, stored };
}

afterEach(() => localStorage.clear());

describe('"stay logged in"', () => {
  it('keeps the SaltedPassword sealed, never the password, and logs in again with it', async () => {
    const { salted, stored } = await loginOnce();
    await saveLogin(LOGIN, salted);
    const raw = JSON.stringify(localStorage);
    expect(raw).not.toContain(PASSWORD);
    // Sealed by the account's vault: the SaltedPassword is not in storage as base64 either.
    expect(raw).not.toContain(base64Encode(salted.key));
    const restored = savedLogin()!;
    expect(restored.login).toEqual(LOGIN);
    const saltedPassword = await restored.unseal();
    expect(saltedPassword?.key).toEqual(salted.key);

    const server = new ScramServerSession({ hash: 'SHA-256', plus: false, channelBindingSupported: false, lookup: async () => stored });
    const again = new ScramClientSession({ hash: 'SHA-256', username: 'alice', saltedPassword });
    await expect(server.finish(await again.final(await server.start(again.first())))).resolves.toMatchObject({ username: 'alice' });
  });

  it('cannot be opened once the vault key is gone (logged out, or storage cleared)', async () => {
    const { salted } = await loginOnce();
    await saveLogin(LOGIN, salted);
    await new Vault(LOGIN.jid).destroy();
    await expect(savedLogin()!.unseal()).resolves.toBeNull();
  });

  it('seals a SaltedPassword an older version saved in the clear', async () => {
    const { salted } = await loginOnce();
    const scram = { hash: salted.hash, salt: base64Encode(salted.salt), iterations: salted.iterations, key: base64Encode(salted.key) };
    localStorage.setItem('conexizan.login', JSON.stringify({ ...LOGIN, scram }));
    expect((await savedLogin()!.unseal())?.key).toEqual(salted.key);
    await expect.poll(() => localStorage.getItem('conexizan.login')).not.toContain(scram.key);
  });

  it('saves nothing without a SaltedPassword, and drops a login an older version saved with its password', async () => {
    await saveLogin(LOGIN, null);
    expect(localStorage.length).toBe(0);
    localStorage.setItem('conexizan.login', JSON.stringify({ ...LOGIN, password: PASSWORD }));
    expect(savedLogin()).toBeNull();
    expect(localStorage.getItem('conexizan.login')).toBeNull();
  });

  it('checks a typed password against the saved SaltedPassword (before deleting the account)', async () => {
    const { salted } = await loginOnce();
    await expect(isAccountPassword(PASSWORD, { password: null, saltedPassword: salted })).resolves.toBe(true);
    await expect(isAccountPassword('wrong horse', { password: null, saltedPassword: salted })).resolves.toBe(false);
    await expect(isAccountPassword(PASSWORD, { password: null, saltedPassword: null })).resolves.toBe(false);
  });
});
