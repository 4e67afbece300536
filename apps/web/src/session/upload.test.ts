import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { openEncryptedFile } from './omemo/media.ts';
import { MAX_UPLOAD_BYTES, UploadError, uploadFile, type UploadSlot } from './upload.ts';

/** An upload service that hands out one slot, and a PUT that keeps what it was given. */
function service() {
  const requests: { to?: string; request: Element }[] = [];
  const stored: { slot: UploadSlot; body: Blob }[] = [];
  const connection = {
    async iq(_type: string, request: Element, to?: string) {
      requests.push({ to, request });
      return xml('iq', { type: 'result' }, xml('slot', { xmlns: NS.HTTP_UPLOAD }, xml('put', { url: 'https://x/up/1/cat.png' }), xml('get', { url: 'https://x/files/1/cat.png' })));
    },
  };
  const put = async (slot: UploadSlot, body: Blob, onProgress: (f: number) => void) => {
    stored.push({ slot, body });
    onProgress(1);
  };
  return { connection, requests, stored, put };
}

const picture = () => new File([new TextEncoder().encode('a picture, pretend')], 'cat.png', { type: 'image/png' });

describe('uploading a file for a message (XEP-0363)', () => {
  it('asks our server for a slot with the name, size and type, PUTs the file and returns the link', async () => {
    const { connection, requests, stored, put } = service();
    const progress: number[] = [];
    const ref = await uploadFile(connection, 'x', picture(), { encrypt: false, put, onProgress: (f) => progress.push(f) });
    expect(requests[0]!.to).toBe('x');
    expect(requests[0]!.request.attrs).toMatchObject({ filename: 'cat.png', size: String(picture().size), 'content-type': 'image/png' });
    expect(await stored[0]!.body.text()).toBe('a picture, pretend');
    expect(ref).toEqual({ url: 'https://x/files/1/cat.png', name: 'cat.png', mime: 'image/png', size: picture().size });
    expect(progress).toEqual([1]);
  });

  it('for an OMEMO chat uploads only ciphertext, as octet-stream, and returns an aesgcm:// link that opens it', async () => {
    const { connection, requests, stored, put } = service();
    const ref = await uploadFile(connection, 'x', picture(), { encrypt: true, put });
    const body = stored[0]!.body;
    expect(requests[0]!.request.attrs).toMatchObject({ size: String(body.size), 'content-type': 'application/octet-stream' });
    expect(await body.text()).not.toContain('picture');
    expect(ref.url.startsWith('aesgcm://x/files/1/cat.png#')).toBe(true);
    const opened = await openEncryptedFile(ref.url, 'image/png', (async () => new Response(body)) as unknown as typeof fetch);
    expect(await opened.text()).toBe('a picture, pretend');
  });

  it('refuses a file over the limit before asking for a slot', async () => {
    const { connection, requests, put } = service();
    const huge = new File([], 'huge.bin');
    Object.defineProperty(huge, 'size', { value: MAX_UPLOAD_BYTES + 1 });
    await expect(uploadFile(connection, 'x', huge, { encrypt: false, put })).rejects.toEqual(new UploadError('too-large'));
    expect(requests).toEqual([]);
  });
});
