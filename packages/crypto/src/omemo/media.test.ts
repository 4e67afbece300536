import { describe, expect, it } from 'vitest';
import { isOmemoError } from './errors.ts';
import { aesgcmUrl, decryptFile, encryptFile, parseAesgcmUrl } from './media.ts';

describe('OMEMO media sharing (XEP-0454)', () => {
  it('encrypts with AES-256-GCM, tag on the ciphertext, and round-trips through the aesgcm:// URL', async () => {
    const data = new TextEncoder().encode('a holiday photo, honestly');
    const { ciphertext, secret } = await encryptFile(data);
    expect(secret.key).toHaveLength(32);
    expect(secret.iv).toHaveLength(12);
    expect(ciphertext).toHaveLength(data.length + 16);
    const url = aesgcmUrl('https://upload.example.org/slot/abc/photo.jpg', secret);
    expect(url).toMatch(/^aesgcm:\/\/upload\.example\.org\/slot\/abc\/photo\.jpg#[0-9a-f]{88}$/);
    const parsed = parseAesgcmUrl(url);
    expect(parsed.httpsUrl).toBe('https://upload.example.org/slot/abc/photo.jpg');
    expect(await decryptFile(ciphertext, parsed.secret)).toEqual(data);
  });

  it('refuses a changed file and malformed URLs with bad-media', async () => {
    const { ciphertext, secret } = await encryptFile(new Uint8Array(100));
    ciphertext[5]! ^= 1;
    await expect(decryptFile(ciphertext, secret)).rejects.toSatisfy((e) => isOmemoError(e, 'bad-media'));
    for (const url of ['https://x/y#00', 'aesgcm://x/y', 'aesgcm://x/y#zz', `aesgcm://x/y#${'0'.repeat(90)}`]) {
      expect(() => parseAesgcmUrl(url), url).toThrow(/aesgcm/);
    }
  });
});
