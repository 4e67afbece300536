import { describe, expect, it } from 'vitest';
import { isOmemoError } from '@conexizan/crypto/omemo';
import { isAesgcmUrl, openEncryptedFile, sealForUpload } from './media.ts';

describe('encrypted files (XEP-0454)', () => {
  it('uploads only ciphertext; the aesgcm:// link opens it again, and the key never reaches the download request', async () => {
    const original = new TextEncoder().encode('a secret picture, pretend');
    const sealed = await sealForUpload(new Blob([original], { type: 'image/png' }));
    const stored = new Uint8Array(await sealed.blob.arrayBuffer());
    expect(sealed.blob.type).toBe('application/octet-stream');
    expect(new TextDecoder().decode(stored)).not.toContain('secret');
    const link = sealed.link('https://upload.example/files/abc/cat.png');
    expect(isAesgcmUrl(link)).toBe(true);
    const requested: string[] = [];
    const fetcher = (async (url: string) => {
      requested.push(url);
      return new Response(stored);
    }) as unknown as typeof fetch;
    const opened = await openEncryptedFile(link, 'image/png', fetcher);
    expect(new Uint8Array(await opened.arrayBuffer())).toEqual(original);
    expect(requested).toEqual(['https://upload.example/files/abc/cat.png']);
  });

  it('a damaged download is refused with the bad-media reason', async () => {
    const sealed = await sealForUpload(new Blob([new Uint8Array([1, 2, 3])]));
    const bytes = new Uint8Array(await sealed.blob.arrayBuffer());
    bytes[0] = bytes[0]! ^ 0xff;
    const fetcher = (async () => new Response(bytes)) as unknown as typeof fetch;
    const error = await openEncryptedFile(sealed.link('https://upload.example/x'), undefined, fetcher).catch((e: unknown) => e);
    expect(isOmemoError(error, 'bad-media')).toBe(true);
  });
});
