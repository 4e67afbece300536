import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '@conexizan/storage';
import { configSchema, type Config } from '../config/schema.ts';
import { HookBus } from '../core/hooks.ts';
import { accountPolicy, AccountService } from './account-service.ts';

/**
 * The SCRAM iteration count of new credentials is 10,000 by default (as
 * Prosody; RFC 7677 asks for at least 4096). Raising it must not lock out
 * anyone whose credentials were made with the old count.
 */
let storage: Storage;
/** Creating and reading accounts fires no hook: a bus without modules will do. */
const accountsWith = (config: Config) => new AccountService(storage, accountPolicy(config), { hooks: new HookBus(), domain: 'localhost' });

beforeAll(async () => {
  storage = await openStorage({ dataDir: mkdtempSync(join(tmpdir(), 'cnx-accounts-')) });
});

afterAll(async () => {
  await storage?.close();
});

describe('look-alike usernames', () => {
  it('"аlice" with a Cyrillic а is refused, so nobody registers a second "alice"', async () => {
    const accounts = accountsWith(configSchema.parse({}));
    await expect(accounts.create('\u0430lice', 'a good password')).rejects.toMatchObject({ reason: 'invalid-username', message: expect.stringMatching(/Cyrillic, Latin|Latin, Cyrillic/) });
    await expect(accounts.create('pa\u03bdel', 'a good password')).rejects.toMatchObject({ reason: 'invalid-username' }); // Greek nu
  });

  it('names in one script, and Japanese or Korean writing, are fine', async () => {
    const accounts = accountsWith(configSchema.parse({ accounts: { scram_iterations: 4096 } }));
    for (const name of ['alice-2', 'анна', 'ελένη', 'やまだ太郎', '김민준', 'josé']) await expect(accounts.create(name, 'a good password')).resolves.toBe(name);
  });
});

describe('SCRAM iteration count', () => {
  it('is 10,000 for new credentials by default', async () => {
    const accounts = accountsWith(configSchema.parse({}));
    await accounts.create('newcomer', 'a good password');
    expect((await accounts.scramCredentials('newcomer', 'SHA-256'))?.iterations).toBe(10_000);
    expect((await accounts.scramCredentials('newcomer', 'SHA-1'))?.iterations).toBe(10_000);
    expect(accounts.scramIterations).toBe(10_000);
  });

  it('credentials made with 4096 iterations keep working after the count is raised', async () => {
    const before = accountsWith(configSchema.parse({ accounts: { scram_iterations: 4096 } }));
    await before.create('oldtimer', 'an older password');
    const after = accountsWith(configSchema.parse({}));
    expect((await after.scramCredentials('oldtimer', 'SHA-256'))?.iterations).toBe(4096);
    expect(await after.verifyPassword('oldtimer', 'an older password')).toBe(true);
    // A password change takes the new count.
    await after.changePassword('oldtimer', 'a newer password');
    expect((await after.scramCredentials('oldtimer', 'SHA-256'))?.iterations).toBe(10_000);
  });
});
