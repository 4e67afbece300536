import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite } from '../../src/modules/invites/tokens.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The website over real HTTP: the landing page in both languages with the
 * operator's rules and a privacy statement from the configuration, the
 * client configuration, invitation pages, the web client's files
 * (precompressed, cached), the https redirect and the source offer.
 */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `localhost:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const plain = body.length === 0 ? body : encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: plain.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the website', () => {
  let server: TestServer;
  let webRoot: string;

  beforeAll(async () => {
    // A stand-in for the built web client: an entry page and a hashed script with the variants the build writes.
    webRoot = await mkdtemp(join(tmpdir(), 'conexizan-webroot-'));
    await mkdir(join(webRoot, 'assets'));
    const script = Buffer.from(`console.log(${JSON.stringify('x'.repeat(4000))});\n`);
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Conexizan</title><div id="root"></div>');
    await writeFile(join(webRoot, 'assets/index-abc123.js'), script);
    await writeFile(join(webRoot, 'assets/index-abc123.js.gz'), gzipSync(script));
    await writeFile(join(webRoot, 'assets/index-abc123.js.br'), brotliCompressSync(script));
    await writeFile(join(webRoot, 'sw.js'), '// service worker');
    server = await startTestServer({
      web_root: webRoot,
      archive: { retention_days: 12 },
      upload: { expire_days: 9 },
      contact: { abuse: ['mailto:abuse@example.org'] },
      // A TLS proxy beside the server (the test's own requests come from 127.0.0.1).
      trusted_proxies: ['127.0.0.1'],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('shows a stranger what the service is, in the browser’s language, with a switch', async () => {
    const english = await get(server.ports.http, '/', { 'accept-language': 'en-US,en;q=0.9' });
    expect(english.status).toBe(200);
    expect(english.headers['content-language']).toBe('en');
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('No phone number, no e-mail address');
    expect(english.text).toMatch(/href="\/chat\/#register">Register</);
    expect(english.text).toContain('Open the web chat');
    for (const app of ['Conversations', 'monocles chat', 'Monal', 'Gajim', 'Dino']) expect(english.text).toContain(app);
    // xmpp: link and its QR code, drawn on the server
    expect(english.text).toContain('href="xmpp:localhost?register"');
    expect(english.text).toMatch(/<svg class="qr" role="img" aria-label="QR code for xmpp:localhost\?register"/);
    expect(english.text).toContain('href="?lang=de"'.replace('?', '/?'));

    const german = await get(server.ports.http, '/', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    expect(german.headers['content-language']).toBe('de');
    expect(german.text).toContain('<html lang="de">');
    expect(german.text).toContain('Keine Telefonnummer, keine E-Mail-Adresse');
    expect(german.text).toContain('Web-Chat öffnen');

    // The switch wins over the browser, and links carry the choice on.
    const chosen = await get(server.ports.http, '/?lang=en', { 'accept-language': 'de' });
    expect(chosen.text).toContain('<html lang="en">');
    expect(chosen.text).toContain('href="/chat/?lang=en#register"');
  });

  it('states the rules from the data directory and a privacy statement from the configuration', async () => {
    const page = (await get(server.ports.http, '/?lang=en')).text;
    expect(page).toContain('No fascists, no reactionary groups.');
    expect(page).toContain('the server keeps your messages for 12 days');
    expect(page).toContain('After 12 days they are deleted.');
    expect(page).toContain('kept for 9 days at an address nobody can guess');
    expect(page).toContain('never contain IP addresses, message contents or passwords');
    expect(page).toContain('mailto:abuse@example.org');
    const german = (await get(server.ports.http, '/?lang=de')).text;
    expect(german).toContain('Keine Faschist*innen, keine reaktionären Gruppen.');
    expect(german).toContain('12 Tage lang in einem Archiv');

    // The operator edits the file; the next visit shows it, and markup in it stays text.
    const file = join(server.dataDir, 'website/rules.en.md');
    expect(await readFile(file, 'utf8')).toContain('No fascists');
    await writeFile(file, '1. Be kind.\n2. <script>alert(1)</script>\n');
    const edited = (await get(server.ports.http, '/?lang=en')).text;
    expect(edited).toContain('Be kind.');
    expect(edited).not.toContain('<script>alert(1)</script>');
    expect(edited).toContain('&lt;script&gt;');
    expect(edited).not.toContain('No fascists');
  });

  it('compresses pages for browsers that accept it and never sets a cookie', async () => {
    const brotli = await get(server.ports.http, '/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.body.length).toBeLessThan(Buffer.byteLength(brotli.text) / 2);
    expect(brotli.headers.vary).toContain('Accept-Encoding');
    expect(brotli.headers['cache-control']).toBe('no-cache');
    expect(brotli.headers['set-cookie']).toBeUndefined();
    expect((await get(server.ports.http, '/', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');
    expect((await get(server.ports.http, '/')).headers['content-encoding']).toBeUndefined();
    const css = await get(server.ports.http, '/site/site.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('serves the web client’s files precompressed, hashed files cached for good, and 304 when unchanged', async () => {
    const page = await get(server.ports.http, '/chat/', { 'accept-encoding': 'br' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await get(server.ports.http, '/chat/anything/below')).text).toContain('<div id="root">');

    const script = await get(server.ports.http, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(script.headers['content-encoding']).toBe('br');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers.vary).toBe('Accept-Encoding');
    expect(script.text).toContain('console.log');
    expect(Number(script.headers['content-length'])).toBe(script.body.length);
    expect(script.body.length).toBeLessThan(200);
    expect((await get(server.ports.http, '/assets/index-abc123.js', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');
    const plain = await get(server.ports.http, '/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(4000);

    const again = await get(server.ports.http, '/assets/index-abc123.js', { 'accept-encoding': 'br', 'if-none-match': String(script.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    // A compressed copy older than its file is from an earlier build: the file itself is sent.
    const past = new Date(Date.now() - 3_600_000);
    await utimes(join(webRoot, 'assets/index-abc123.js.br'), past, past);
    expect((await get(server.ports.http, '/assets/index-abc123.js', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();

    expect((await get(server.ports.http, '/sw.js')).headers['cache-control']).toBe('no-cache');
    expect((await get(server.ports.http, '/assets/../../etc/passwd')).status).toBe(404);
    expect((await get(server.ports.http, '/nothing-here')).status).toBe(404);
  });

  it('tells the web client its domain and endpoints as reachable from the page', async () => {
    const byName = JSON.parse((await get(server.ports.http, '/.well-known/conexizan.json')).text);
    expect(byName).toMatchObject({
      domain: 'localhost',
      websocket: `ws://localhost:${server.ports.http}/xmpp-websocket`,
      registration: 'open',
      min_password_length: 8,
      rules_url: '/#rules',
      archive: { retention_days: 12, default_preference: 'always' },
      uploads: { expire_days: 9 },
    });
    // Opened by IP address: the XMPP domain stays the configured one, the endpoint follows the page.
    const byAddress = JSON.parse((await get(server.ports.http, '/.well-known/conexizan.json', { host: `127.0.0.1:${server.ports.http}` })).text);
    expect(byAddress.domain).toBe('localhost');
    expect(byAddress.websocket).toBe(`ws://127.0.0.1:${server.ports.http}/xmpp-websocket`);
  });

  it('asks the browser to erase what the web client stored, when it logs out (POST only)', async () => {
    const cleared = await get(server.ports.http, '/clear-site-data', {}, 'POST');
    expect(cleared.status).toBe(204);
    expect(cleared.headers['clear-site-data']).toBe('"storage"');
    expect(cleared.headers['cache-control']).toBe('no-store');
    // A link or an image elsewhere cannot log anyone out.
    const linked = await get(server.ports.http, '/clear-site-data');
    expect(linked.status).toBe(405);
    expect(linked.headers['clear-site-data']).toBeUndefined();
  });

  it('sends pages opened over plain http on a public name to https, except behind a trusted TLS proxy', async () => {
    const host = { host: `chat.example.org:${server.ports.http}` };
    const landing = await get(server.ports.http, '/?lang=de', host);
    expect(landing.status).toBe(308);
    expect(landing.headers.location).toBe(`https://chat.example.org:${server.ports.https}/?lang=de`);
    expect((await get(server.ports.http, '/chat/', host)).headers.location).toBe(`https://chat.example.org:${server.ports.https}/chat/`);
    expect((await get(server.ports.http, '/chat/', { host: `127.0.0.1:${server.ports.http}` })).status).toBe(200);
    expect((await get(server.ports.http, '/chat/', { ...host, 'x-forwarded-proto': 'https' })).status).toBe(200);
    expect((await get(server.ports.http, '/chat/', { ...host, forwarded: 'for=192.0.2.1;proto=https' })).status).toBe(200);
    // Machine endpoints are not redirected.
    expect((await get(server.ports.http, '/.well-known/conexizan.json', host)).status).toBe(200);
  });

  it('explains why the web client needs https where there is no https listener', async () => {
    const plain = await startTestServer({ web_root: webRoot, ports: { https: 0 } });
    try {
      const page = await get(plain.ports.http, '/chat/', { host: `192.0.2.7:${plain.ports.http}`, 'accept-language': 'de' });
      expect(page.status).toBe(200);
      expect(page.text).toContain('Diese Seite braucht eine sichere Verbindung');
      expect(page.text).not.toContain('<div id="root">');
      const english = await get(plain.ports.http, '/chat/?lang=en', { host: `192.0.2.7:${plain.ports.http}` });
      expect(english.text).toContain('Browsers only give a page the cryptography');
    } finally {
      await plain.stop();
    }
  });

  it('explains an invitation link and offers the apps and the browser', async () => {
    const invite = await createInvite(server.core.storage, 'localhost', 3 * 86_400_000);
    const page = await get(server.ports.http, `/invite/${invite.token}`, { 'accept-language': 'en' });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('You are invited to localhost');
    expect(page.text).toContain(`href="xmpp:localhost?register;preauth=${invite.token}"`);
    expect(page.text).toContain(`href="/chat/#invite=${invite.token}"`);
    expect(page.text).toContain('<meta name="referrer" content="no-referrer">');
    expect(page.text).toMatch(/<svg class="qr" role="img"/);
    const german = await get(server.ports.http, `/invite/${invite.token}?lang=de`);
    expect(german.text).toContain('Du bist zu localhost eingeladen');

    for (const token of ['not-a-real-token', 'bad token!', 'x'.repeat(300)]) {
      const invalid = await get(server.ports.http, `/invite/${encodeURIComponent(token)}`);
      expect(invalid.status).toBe(404);
      expect(invalid.text).toContain('This invitation cannot be used');
    }
  });

  it('offers the source of the running version, without local secrets or data', async () => {
    const page = (await get(server.ports.http, '/?lang=en')).text;
    expect(page).toContain('href="/source/"');
    const answer = await get(server.ports.http, '/source/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/gzip');
    const archive = join(server.dataDir, 'source.tar.gz');
    await writeFile(archive, answer.body);
    const names = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
    const prefix = names[0]!.split('/')[0]!;
    expect(prefix).toMatch(/^conexizan-/);
    for (const file of ['LICENSE', 'package.json', 'apps/server/src/server.ts', 'apps/server/src/modules/website/index.ts', 'apps/web/src/App.tsx', 'packages/protocol/package.json']) {
      expect(names).toContain(`${prefix}/${file}`);
    }
    expect(names.filter((name) => /node_modules|\/dist\/|\.pem$|\.key$|conexizan\.toml$|\.sqlite/.test(name))).toEqual([]);
  });
});
