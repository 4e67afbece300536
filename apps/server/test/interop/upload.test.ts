import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { fetchRaw, requestSlot } from '../support/https.ts';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { createAccount, login, stanzaErrorCondition, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, type JsSession } from '../support/xmpp-js.ts';

/**
 * XEP-0363 end to end. slixmpp's own upload code (disco, slot request, PUT
 * over HTTPS with aiohttp) uploads a file and sends its URL to bob, who is
 * on @xmpp/client and fetches it back. Then what an attacker or a broken
 * client would try on the HTTP side: forged tokens, wrong sizes, a used
 * slot, paths out of the upload directory, active content.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/upload.py', import.meta.url));
const UPLOAD_NS = 'urn:xmpp:http:upload:0';
const PASSWORD = 'upload test password';
const MAX = 1_000_000;
const QUOTA = 1_500_000;
const restoreTls = acceptSelfSignedCertificates();

let server: TestServer;
let workDir: string;
let photo: Buffer;
let bob: JsSession;
let run: PythonRun;
let carol: RawXmppConnection;

beforeAll(async () => {
  server = await startTestServer({ upload: { max_file_bytes: MAX, quota_bytes: QUOTA } });
  for (const username of ['up-alice', 'up-bob', 'up-carol']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  workDir = await mkdtemp(join(tmpdir(), 'cnx-upload-'));
  photo = randomBytes(600_000);
  await writeFile(join(workDir, 'holiday.png'), photo);
  bob = await loginJs({ server, transport: 'starttls', username: 'up-bob', password: PASSWORD });
  run = await runSlixmpp(
    SCRIPT,
    ['--port', String(server.ports.c2s), '--user', 'up-alice', '--password', PASSWORD, '--file', join(workDir, 'holiday.png'), '--to', 'up-bob@localhost',
      '--too-large', String(MAX + 1), '--over-quota', String(QUOTA - photo.length + 1)],
    50_000,
  );
  carol = await login({ port: server.ports.c2s, username: 'up-carol', password: PASSWORD });
});

afterAll(async () => {
  await carol?.close();
  await bob?.stop();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  restoreTls();
});

describe('slixmpp uploads, @xmpp/client downloads', () => {
  it('runs the upload story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('finds the service on the domain with its size limit and uploads over HTTPS', () => {
    const upload = theOne(run, 'upload');
    expect(upload).toMatchObject({ ok: true, service: 'localhost', max_file_size: MAX });
    expect(upload.url).toMatch(new RegExp(`^https://localhost:${server.ports.https}/upload/[A-Za-z0-9_-]{32}/holiday\\.png$`));
  });

  it('lets another user fetch the file back byte for byte, with its content type and safe headers', async () => {
    const message = await bob.inbox.waitFor((el: Element) => el.name === 'message' && el.getChildText('body')?.startsWith('https://') === true, 'the upload URL from alice');
    const url = message.getChildText('body')!;
    expect(message.getChild('x', 'jabber:x:oob')?.getChildText('url')).toBe(url);
    const answer = await fetchRaw('GET', url);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(photo)).toBe(true);
    expect(answer.headers['content-type']).toBe('image/png');
    expect(answer.headers['content-length']).toBe(String(photo.length));
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain('sandbox');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    // a video player's byte range
    const part = await fetchRaw('GET', url, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${photo.length}`);
    expect(part.body.equals(photo.subarray(1000, 2000))).toBe(true);
  });

  it('refuses a slot over the size limit with file-too-large, and one over the quota with resource-constraint', () => {
    expect(theOne(run, 'slot', { label: 'too-large' })).toMatchObject({ ok: false, condition: 'not-acceptable', type: 'modify', max_file_size: String(MAX) });
    expect(theOne(run, 'slot', { label: 'over-quota' })).toMatchObject({ ok: false, condition: 'resource-constraint', type: 'wait' });
  });
});

describe('the upload URLs under attack', () => {
  it('answers the CORS preflight of a web client', async () => {
    const slot = await requestSlot(carol, 'hello.png', 1234, 'image/png');
    const answer = await fetchRaw('OPTIONS', slot.put, {
      origin: 'https://compliance.conversations.im', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type',
    });
    expect(answer.status).toBeLessThan(300);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-methods']).toContain('PUT');
    expect(String(answer.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
  });

  it('refuses forged tokens, wrong sizes and types, stores nothing, then takes the real upload exactly once', async () => {
    const body = Buffer.from('the real content');
    const slot = await requestSlot(carol, 'note.txt', body.length, 'text/plain');
    const other = await requestSlot(carol, 'other.txt', body.length, 'text/plain');
    const type = { 'content-type': 'text/plain' };
    const forged = slot.auth.slice(0, -2) + (slot.auth.endsWith('AA') ? 'BB' : 'AA');
    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: forged }, body)).status).toBe(403);
    expect((await fetchRaw('PUT', slot.put, type, body)).status).toBe(403);
    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: other.auth }, body)).status).toBe(403);
    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: slot.auth }, Buffer.concat([body, body]))).status).toBe(413);
    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: slot.auth }, body.subarray(1))).status).toBe(400);
    expect((await fetchRaw('PUT', slot.put, { 'content-type': 'text/html', authorization: slot.auth }, body)).status).toBe(400);
    expect((await fetchRaw('GET', slot.get)).status).toBe(404);

    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: slot.auth }, body)).status).toBe(201);
    expect((await fetchRaw('PUT', slot.put, { ...type, authorization: slot.auth }, Buffer.from('overwritten!!!!!'))).status).toBe(409);
    const answer = await fetchRaw('GET', slot.get);
    expect(answer.body.toString()).toBe('the real content');
    const head = await fetchRaw('HEAD', slot.get);
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(body.length), 0]);
  });

  it('serves uploaded HTML as an inert download', async () => {
    const page = Buffer.from('<script>alert(document.domain)</script>');
    const slot = await requestSlot(carol, 'page.html', page.length, 'text/html');
    expect((await fetchRaw('PUT', slot.put, { 'content-type': 'text/html', authorization: slot.auth }, page)).status).toBe(201);
    const answer = await fetchRaw('GET', slot.get);
    expect(answer.headers['content-disposition']).toBe('attachment');
    expect(answer.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
  });

  it('never serves anything outside the upload directory', async () => {
    const secret = readFileSync(join(server.dataDir, 'secrets', 'http-upload'));
    const base = `https://localhost:${server.ports.https}`;
    for (const path of ['/upload/..%2fsecrets%2fhttp-upload', '/upload/..%2F..%2Fsecrets/http-upload', '/upload/%2e%2e%2fsecrets', '/upload/']) {
      const answer = await fetchRaw('GET', base, {}, undefined, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.includes(secret), path).toBe(false);
    }
    // Dot segments are resolved before routing, so these leave /upload/ (and get the web app or a 404).
    for (const path of ['/upload/%2e%2e/secrets/http-upload', '/upload/../secrets/http-upload', '/upload/../../../../etc/passwd', '/upload/x/../../secrets/http-upload']) {
      expect((await fetchRaw('GET', base, {}, undefined, path)).body.includes(secret), path).toBe(false);
    }
    // and a PUT cannot create a file anywhere either
    expect((await fetchRaw('PUT', base, { authorization: 'Bearer x' }, 'x', '/upload/..%2f..%2fevil')).status).toBe(404);
    await fetchRaw('PUT', base, { authorization: 'Bearer x' }, 'x', '/upload/../../evil');
    expect(readdirSync(server.dataDir)).not.toContain('evil');
    expect(readdirSync(join(server.dataDir, 'uploads')).every((name) => /^[A-Za-z0-9_-]{32}\.(json|bin)$/.test(name))).toBe(true);
  });

  it('gives a client on the plain HTTP listener (the web client at http://domain:port) a slot on that same origin, which works', async () => {
    provideWebSocketGlobal();
    const web = await loginJs({ server, transport: 'websocket', username: 'up-carol', password: PASSWORD, resource: 'browser' });
    try {
      const reply = await web.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: UPLOAD_NS, filename: 'note.txt', size: '5', 'content-type': 'text/plain' })), 8_000);
      const put = reply.getChild('slot', UPLOAD_NS)!.getChild('put')!;
      const origin = new URL(put.attrs.url!);
      expect(origin.origin).toBe(`http://localhost:${server.ports.http}`);
      const auth = put.getChildText('header')!;
      const stored = await fetch(`http://127.0.0.1:${server.ports.http}${origin.pathname}`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'text/plain' }, body: 'hello' });
      expect(stored.status).toBe(201);
      const back = await fetch(`http://127.0.0.1:${server.ports.http}${origin.pathname}`);
      expect(await back.text()).toBe('hello');
    } finally {
      await web.stop();
    }
    // A client on a TCP stream still gets the HTTPS listener.
    const tcp = await requestSlot(carol, 'other.txt', 5, 'text/plain');
    expect(new URL(tcp.put).origin).toBe(`https://localhost:${server.ports.https}`);
  });

  it('answers a slot request without a size with bad-request', async () => {
    const reply = await carol.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: UPLOAD_NS, filename: 'x.bin' })));
    expect(stanzaErrorCondition(reply)).toBe('bad-request');
  });
});
