import { describe, expect, it } from 'vitest';
import { BackupError, generateBackupCode, normalizeBackupCode, openBackup, sealBackup } from './index.ts';

describe('backup codes (XEP-0373 §5.4 format)', () => {
  it('are six groups of four from the 34-letter alphabet, different each time', () => {
    const codes = new Set(Array.from({ length: 200 }, generateBackupCode));
    expect(codes.size).toBe(200);
    for (const code of codes) expect(code).toMatch(/^([1-9A-NP-Z]{4}-){5}[1-9A-NP-Z]{4}$/);
    // every letter of the alphabet turns up, none outside it
    const letters = new Set([...[...codes].join('')].filter((c) => c !== '-'));
    expect(letters.size).toBe(34);
  });

  it('forgive case and spacing when typed, and refuse what cannot be a code', () => {
    expect(normalizeBackupCode('abcd efgh-jklm npqr stuv wxyz')).toBe('ABCD-EFGH-JKLM-NPQR-STUV-WXYZ');
    expect(normalizeBackupCode('ABCD-EFGH-JKLM-NPQR-STUV-WXY0')).toBeNull();
    expect(normalizeBackupCode('short')).toBeNull();
  });
});

describe('encrypted backup files', () => {
  it('open with their code and say nothing readable without it', async () => {
    const code = generateBackupCode();
    const text = await sealBackup({ jid: 'alice@example.org', secret: 'identity key material' }, code);
    expect(text).not.toContain('alice');
    expect(text).not.toContain('identity key');
    expect(await openBackup(text, code.toLowerCase().replaceAll('-', ' '))).toEqual({ jid: 'alice@example.org', secret: 'identity key material' });
  }, 30_000);

  it('refuse a wrong code, a damaged file and something that is not a backup', async () => {
    const code = generateBackupCode();
    const text = await sealBackup({ n: 1 }, code);
    await expect(openBackup(text, generateBackupCode())).rejects.toEqual(new BackupError('wrong-code'));
    const damaged = JSON.parse(text) as { data: string };
    damaged.data = `${damaged.data[0] === 'A' ? 'B' : 'A'}${damaged.data.slice(1)}`;
    await expect(openBackup(JSON.stringify(damaged), code)).rejects.toEqual(new BackupError('wrong-code'));
    await expect(openBackup('{"format":"other"}', code)).rejects.toEqual(new BackupError('not-a-backup'));
    await expect(openBackup('not json', code)).rejects.toEqual(new BackupError('not-a-backup'));
  }, 30_000);
});
