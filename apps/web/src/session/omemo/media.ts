import { aesgcmUrl, decryptFile, encryptFile, parseAesgcmUrl, OmemoError } from '@conexizan/crypto/omemo';

/** Largest encrypted file we download to decrypt in the browser (the whole file is held in memory). */
export const MAX_ENCRYPTED_DOWNLOAD_BYTES = 100 * 1024 * 1024;

export function isAesgcmUrl(url: string): boolean {
  return url.startsWith('aesgcm://');
}

/**
 * XEP-0454: the file encrypted under a fresh key before it is uploaded. The
 * server stores only ciphertext (as application/octet-stream, so not even
 * the type shows); `link(getUrl)` is the aesgcm:// URL to send, and only
 * inside an OMEMO message, since its fragment is the key.
 */
export async function sealForUpload(file: Blob): Promise<{ blob: Blob; link(getUrl: string): string }> {
  const { ciphertext, secret } = await encryptFile(new Uint8Array(await file.arrayBuffer()));
  return { blob: new Blob([ciphertext as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), link: (getUrl) => aesgcmUrl(getUrl, secret) };
}

/** Downloads an aesgcm:// file from its https:// location (the key stays here) and decrypts it in the browser. */
export async function openEncryptedFile(link: string, mime = 'application/octet-stream', fetcher: typeof fetch = fetch): Promise<Blob> {
  const { httpsUrl, secret } = parseAesgcmUrl(link);
  const response = await fetcher(httpsUrl, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!response.ok) throw new OmemoError('bad-media', `the file could not be downloaded (HTTP ${response.status})`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_ENCRYPTED_DOWNLOAD_BYTES) throw new OmemoError('too-large', 'the encrypted file is too large to open in the browser');
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_ENCRYPTED_DOWNLOAD_BYTES) throw new OmemoError('too-large', 'the encrypted file is too large to open in the browser');
  const plain = await decryptFile(bytes, secret);
  return new Blob([plain as Uint8Array<ArrayBuffer>], { type: mime });
}
