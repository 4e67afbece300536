import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, parseDataForm, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { byteRange } from './http.ts';
import { urlName } from './index.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ upload: { max_file_bytes: 1000, quota_bytes: 1500 } });
  for (const name of ['ada', 'grace']) await h.createUser(name);
});
afterAll(() => h.stop());

const slotRequest = (attrs: Record<string, string>) => xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: NS.HTTP_UPLOAD, ...attrs }));
const condition = (reply: Element) => reply.getChild('error')?.getChildElements().find((el) => el.getNS() === NS.STANZAS_ERR && el.name !== 'text')?.name;

describe('XEP-0363 slot requests', () => {
  it('announces the upload service on the domain with its size limit', async () => {
    const ada = await h.connect('ada');
    const info = (await ada.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChildren('feature').map((f) => f.attrs.var)).toContain(NS.HTTP_UPLOAD);
    expect(info.getChildren('identity').some((i) => i.attrs.category === 'store' && i.attrs.type === 'file')).toBe(true);
    const form = info.getChildren('x', NS.DATA_FORMS).map(parseDataForm).find((f) => f.fields.some((field) => field.var === 'FORM_TYPE' && field.values[0] === NS.HTTP_UPLOAD));
    expect(form?.fields.find((field) => field.var === 'max-file-size')?.values).toEqual(['1000']);
  });

  it('hands out a slot with unguessable, distinct URLs and an Authorization header', async () => {
    const ada = await h.connect('ada');
    const slots = await Promise.all([1, 2].map(() => ada.query(slotRequest({ filename: 'holiday photo.jpg', size: '100', 'content-type': 'image/jpeg' }))));
    const urls = slots.map((reply) => {
      const slot = reply.getChild('slot', NS.HTTP_UPLOAD)!;
      const put = slot.getChild('put')!.attrs.url as string;
      expect(slot.getChild('get')!.attrs.url).toBe(put);
      expect(slot.getChild('put')!.getChild('header')!.attrs.name).toBe('Authorization');
      expect(slot.getChild('put')!.getChildText('header')).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
      return put;
    });
    expect(urls[0]).toMatch(/^https:\/\/localhost:5281\/upload\/[A-Za-z0-9_-]{32}\/holiday%20photo\.jpg$/);
    expect(urls[0]).not.toBe(urls[1]);
  });

  it('refuses a file over the size limit with file-too-large and the limit', async () => {
    const grace = await h.connect('grace');
    const reply = await grace.query(slotRequest({ filename: 'big.mp4', size: '1001', 'content-type': 'video/mp4' }));
    expect(condition(reply)).toBe('not-acceptable');
    expect(reply.getChild('error')!.attrs.type).toBe('modify');
    expect(reply.getChild('error')!.getChild('file-too-large', NS.HTTP_UPLOAD)?.getChildText('max-file-size')).toBe('1000');
  });

  it('counts open slots against the quota and answers resource-constraint past it', async () => {
    const grace = await h.connect('grace');
    expect((await grace.query(slotRequest({ filename: 'a.bin', size: '1000' }))).attrs.type).toBe('result');
    const over = await grace.query(slotRequest({ filename: 'b.bin', size: '600' }));
    expect(condition(over)).toBe('resource-constraint');
    expect(over.getChild('error')!.attrs.type).toBe('wait');
    // Someone else's quota is their own.
    const ada = await h.connect('ada', 'phone');
    expect((await ada.query(slotRequest({ filename: 'b.bin', size: '600' }))).attrs.type).toBe('result');
  });

  it('answers bad-request to a missing name, a bad size or a content type that is not one', async () => {
    const ada = await h.connect('ada');
    const requests: Record<string, string>[] = [{ size: '10' }, { filename: 'x', size: '-1' }, { filename: 'x', size: 'ten' }, { filename: 'x', size: '10', 'content-type': 'text/html\r\nX-Evil: 1' }];
    for (const attrs of requests) {
      expect(condition(await ada.query(slotRequest(attrs))), JSON.stringify(attrs)).toBe('bad-request');
    }
  });
});

describe('file names in upload URLs', () => {
  it('keeps only a harmless last segment', () => {
    expect(urlName('../../etc/passwd')).toBe('passwd');
    expect(urlName('..\\..\\boot.ini')).toBe('boot.ini');
    expect(urlName('..')).toBe('file');
    expect(urlName('a\u0000b/c?d#e.png')).toBe('c%3Fd%23e.png');
    expect(decodeURIComponent(urlName(`${'x'.repeat(300)}.jpeg`))).toMatch(/^x{95}\.jpeg$/);
    expect(decodeURIComponent(urlName('😀'.repeat(120)))).toBe('😀'.repeat(100));
  });
});

describe('byte ranges of downloads', () => {
  it('serves one range, a suffix or an open end, and refuses ranges past the end', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(byteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=0-1,5-6', 1000)).toBeNull();
    expect(byteRange(undefined, 1000)).toBeNull();
  });
});
