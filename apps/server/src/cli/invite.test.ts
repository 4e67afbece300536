import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openStorage } from '@conexizan/storage';
import { configSchema } from '../config/schema.ts';
import { runInvite } from './invite.ts';

/** What the server stores of a token: its SHA-256, never the token (XEP-0445 tokens are bearer secrets). */
const hashInviteToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

async function run(config: ReturnType<typeof configSchema.parse>, args: string[], days?: string) {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await runInvite(config, args, { days });
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('conexizan invite', () => {
  const config = configSchema.parse({ domain: 'example.org', registration: 'invite', data_dir: mkdtempSync(join(tmpdir(), 'cnx-invite-cli-')) });

  it('creates an invitation: prints the link and the token, stores only the hash', async () => {
    const before = Date.now();
    const { code, out } = await run(config, ['create'], '2');
    expect(code).toBe(0);
    const [uri, tokenLine, expiresLine] = out.trim().split('\n');
    const token = tokenLine!.replace(/^token: /, '');
    expect(uri).toBe(`xmpp:example.org?register;preauth=${token}`);
    const expires = new Date(expiresLine!.replace(/^expires: /, '')).getTime();
    expect(expires - before).toBeGreaterThanOrEqual(2 * 86_400_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);

    const storage = await openStorage({ dataDir: config.data_dir });
    try {
      expect(await storage.invites.isValid(hashInviteToken(token), new Date())).toBe(true);
      expect(await storage.invites.isValid(token, new Date())).toBe(false);
    } finally {
      await storage.close();
    }
    expect((await run(config, ['list'])).out).toBe('1 open invitation\n');
  });

  it('defaults to 7 days and refuses a bad --days', async () => {
    const { out } = await run(config, ['create']);
    const expires = new Date(out.match(/^expires: (.+)$/m)![1]!).getTime();
    expect(Math.round((expires - Date.now()) / 86_400_000)).toBe(7);
    for (const days of ['0', '-1', 'soon', '1000']) expect((await run(config, ['create'], days)).code).toBe(2);
    expect((await run(config, ['list'], '3')).code).toBe(2);
    expect((await run(config, ['revoke'])).code).toBe(2);
  });

  it('purges expired invitations', async () => {
    const storage = await openStorage({ dataDir: config.data_dir });
    await storage.invites.create(hashInviteToken('old'), new Date(Date.now() - 3_600_000));
    await storage.close();
    expect((await run(config, ['list'])).out).toBe('2 open invitations\n');
    const check = await openStorage({ dataDir: config.data_dir });
    try {
      expect(await check.invites.expiresAt(hashInviteToken('old'))).toBeNull();
    } finally {
      await check.close();
    }
  });

  it("warns when registration is 'closed'", async () => {
    const closed = { ...config, registration: 'closed' as const };
    const { code, err } = await run(closed, ['create']);
    expect(code).toBe(0);
    expect(err).toMatch(/closed/);
  });
});
