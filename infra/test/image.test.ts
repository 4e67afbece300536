import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, type XmppClient } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { freePorts } from '../../apps/server/test/support/free-port.ts';
import { runSlixmpp, theOne, type PythonRun } from '../../apps/server/test/support/python.ts';
import { startRedis, type RedisInstance } from '../../apps/server/test/support/redis.ts';
import { createAccount, tryLogin } from '../../apps/server/test/support/raw-xmpp.ts';
import { eventually, withTimeout } from '../../apps/server/test/support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, stopQuietly, xml, type JsSession } from '../../apps/server/test/support/xmpp-js.ts';
import { buildImage, podman, podmanOk, podmanProblem, removeContainers, REPO_ROOT, run, runPrefix, type BuiltImage } from './support/podman.ts';

/**
 * The container image, built with Podman from a clean clone of HEAD and
 * started on loopback with the host's network (nothing leaves 127.0.0.0/8),
 * used the way operators and users would: slixmpp registers, logs in over
 * STARTTLS and chats; the web client loads; `conexizan check` runs inside;
 * SIGTERM drains; bad settings stop it with one line. Then behind the
 * compose file's Caddyfile (Debian's Caddy) on the real PostgreSQL, and a
 * backup restored the way infra/README.md says.
 */
const SCENARIO = fileURLToPath(new URL('../../apps/server/test/interop/slixmpp/scenario.py', import.meta.url));
const CADDYFILE = fileURLToPath(new URL('../compose/Caddyfile', import.meta.url));
const HOST = '127.0.0.1';
const PASSWORD = 'container password';
const GRACE_SECONDS = 10;
const prefix = runPrefix();
const restoreTls = acceptSelfSignedCertificates();
const postgresUrl = process.env.CONEXIZAN_TEST_POSTGRES_URL;
if (!postgresUrl && process.env.CONEXIZAN_TEST_POSTGRES !== 'off') throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');
provideWebSocketGlobal();

let image: BuiltImage;
const clients: XmppClient[] = [];
const directories: string[] = [];

beforeAll(async () => {
  const problem = await podmanProblem();
  if (problem) throw new Error(problem);
  image = await buildImage();
  process.stderr.write(`infra tests: image ${image.tag} built in ${image.seconds} s\n`);
});

afterAll(async () => {
  for (const xmpp of clients) await stopQuietly(xmpp);
  await removeContainers(prefix);
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  restoreTls();
});

interface Ports {
  c2s: number;
  c2s_tls: number;
  http: number;
}

async function ports(): Promise<Ports> {
  const [c2s, c2s_tls, http] = (await freePorts(3)) as [number, number, number];
  return { c2s, c2s_tls, http };
}

/** The settings of a container listening on loopback only. */
function loopbackEnv(p: Ports, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CONEXIZAN_DOMAIN: 'localhost',
    CONEXIZAN_BIND: HOST,
    CONEXIZAN_C2S_PORT: String(p.c2s),
    CONEXIZAN_C2S_TLS_PORT: String(p.c2s_tls),
    CONEXIZAN_HTTP_PORT: String(p.http),
    CONEXIZAN_HTTPS_PORT: '0',
    CONEXIZAN_S2S_PORT: '0',
    CONEXIZAN_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    ...extra,
  };
}

/** A command that must succeed; its output. */
async function runOk(command: string, args: string[], cwd?: string): Promise<string> {
  const result = await run(command, args, { cwd, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${result.code}:\n${result.stderr.slice(-2000)}`);
  return result.stdout;
}

const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);

/** Starts a container the way the Kubernetes manifests run it: read-only, /tmp writable, data on a volume. */
async function startContainer(name: string, env: Record<string, string>, options: { volume?: string; extra?: string[] } = {}): Promise<void> {
  await podmanOk([
    'run', '-d', '--name', name, '--network=host', '--read-only', '--tmpfs', '/tmp', '--health-interval=disable',
    '-v', `${options.volume ?? `${name}-data`}:/var/lib/conexizan`,
    ...envArgs(env), ...(options.extra ?? []), image.tag,
  ]);
  const port = Number(env.CONEXIZAN_HTTP_PORT);
  await eventually(async () => {
    const state = (await podman(['inspect', name, '--format', '{{.State.Running}}'])).stdout.trim();
    if (state !== 'true') throw new Error(`${name} exited:\n${(await podman(['logs', name])).stderr}`);
    return (await fetch(`http://${HOST}:${port}/health`).catch(() => null))?.status === 200;
  }, `${name} to answer /health`, 60_000);
}

async function stopContainer(name: string): Promise<{ ms: number; exitCode: number; logs: string }> {
  const started = Date.now();
  await podmanOk(['stop', '--time', String(GRACE_SECONDS + 20), name], { timeoutMs: 60_000 });
  const ms = Date.now() - started;
  const exitCode = Number((await podmanOk(['inspect', name, '--format', '{{.State.ExitCode}}'])).trim());
  const logs = await podman(['logs', name]);
  return { ms, exitCode, logs: logs.stdout + logs.stderr };
}

async function xmppClient(service: string, username: string): Promise<{ xmpp: XmppClient; inbox: Element[]; errors: string[] }> {
  const xmpp = client({ service, domain: 'localhost', username, password: PASSWORD, timeout: 10_000 });
  xmpp.reconnect.stop();
  clients.push(xmpp);
  const inbox: Element[] = [];
  const errors: string[] = [];
  xmpp.on('stanza', (stanza) => inbox.push(stanza));
  xmpp.on('error', (error) => errors.push(error.condition ?? error.message));
  await withTimeout(xmpp.start(), 15_000, `${username} logging in at ${service}`);
  await xmpp.send(xml('presence'));
  return { xmpp, inbox, errors };
}

/** XEP-0363: a slot for `bytes`, the upload, and the URL to fetch it from. */
async function upload(xmpp: XmppClient, bytes: Buffer, options: { putUrlMustStartWith: string }): Promise<string> {
  const reply = await xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: 'urn:xmpp:http:upload:0', filename: 'note.txt', size: String(bytes.length), 'content-type': 'text/plain' })), 10_000);
  const slot = reply.getChild('slot', 'urn:xmpp:http:upload:0')!;
  const put = slot.getChild('put')!;
  expect(put.attrs.url).toMatch(new RegExp(`^${options.putUrlMustStartWith.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  for (const header of put.getChildren('header')) headers[String(header.attrs.name)] = header.getText();
  const response = await fetch(String(put.attrs.url), { method: 'PUT', body: bytes, headers });
  expect(response.status).toBe(201);
  return String(slot.getChild('get')!.attrs.url);
}

describe('the image', () => {
  it('runs as user 10001, keeps its data in a volume, checks /health and stops on SIGTERM', async () => {
    const [config] = JSON.parse(await podmanOk(['image', 'inspect', image.tag])) as { Config: { User: string; Volumes: Record<string, unknown>; StopSignal: string; ExposedPorts: Record<string, unknown>; Entrypoint: string[] }; Healthcheck?: { Test: string[] } }[];
    expect(config!.Config.User).toBe('10001:10001');
    expect(Object.keys(config!.Config.Volumes)).toEqual(['/var/lib/conexizan']);
    expect(config!.Healthcheck?.Test.join(' ')).toMatch(/healthcheck\.mjs/);
    expect(config!.Config.StopSignal).toBe('SIGTERM');
    expect(Object.keys(config!.Config.ExposedPorts).sort()).toEqual(['5222/tcp', '5223/tcp', '5269/tcp', '5280/tcp', '5281/tcp']);
    expect(config!.Config.Entrypoint).toEqual(['conexizan']);
  });

  it('ships the server, both Prisma clients, the built web client and the source archive, and no sources of the client, tests or build tools', async () => {
    const script = [
      'test -f /app/apps/server/bin/conexizan.mjs && echo server',
      'test -d /app/packages/storage/src/generated/sqlite/client && echo sqlite-client',
      'test -d /app/packages/storage/src/generated/postgresql/client && echo postgresql-client',
      'test -d /app/packages/storage/prisma/migrations/postgresql && echo migrations',
      'test -f /app/apps/web/dist/index.html && echo web-client',
      'test -f /app/conexizan-source.tar.gz && echo source-archive',
      'test -e /app/apps/web/src && echo web-sources',
      'test -e /app/apps/server/test && echo server-tests',
      'find /app/apps /app/packages -name "*.test.ts" | head -1 | grep -q . && echo unit-tests',
      'ls /app/node_modules/.pnpm | grep -E "^(vite|vitest|typescript|turbo|playwright-core|prisma)@" | sed "s/@.*//;s/^/tool:/"',
      'test -e /app/.git && echo git',
      'true',
    ].join('; ');
    const output = (await podmanOk(['run', '--rm', '--entrypoint', 'sh', image.tag, '-c', script])).trim().split('\n');
    expect(output.sort()).toEqual(['migrations', 'postgresql-client', 'server', 'source-archive', 'sqlite-client', 'web-client']);
  });
});

describe('a container on loopback', () => {
  const name = `${prefix}-main`;
  let p: Ports;
  let story: PythonRun;
  const storyPrefix = `ctr${process.pid}`;

  beforeAll(async () => {
    p = await ports();
    await startContainer(name, loopbackEnv(p));
    story = await runSlixmpp(SCENARIO, ['--host', HOST, '--port', String(p.c2s), '--domain', 'localhost', '--prefix', storyPrefix], 90_000);
  });

  it('lets slixmpp register, log in over STARTTLS with SCRAM and chat, online and offline', () => {
    const done = theOne(story, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${story.stderr.slice(-3000)}`).toMatchObject({ ok: true });
    for (const user of ['alice', 'bob']) {
      expect(theOne(story, 'register', { user })).toMatchObject({ ok: true });
      const login = theOne(story, 'login', { user, label: 'after-register' });
      expect(login).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-256' });
      expect(login.tls, 'STARTTLS was negotiated').toMatch(/^TLSv1\.[23]$/);
    }
    expect(theOne(story, 'message', { user: 'bob', label: 'online' })).toMatchObject({ from: `${storyPrefix}-alice@localhost/slix`, body: 'hello bob, from alice' });
    expect(theOne(story, 'message', { user: 'alice', label: 'online' })).toMatchObject({ body: 'hi alice, bob here' });
    expect(theOne(story, 'message', { user: 'bob', label: 'offline' })).toMatchObject({ body: 'while you were away' });
  });

  it('serves the website at / and the web client at /chat/: the page, its scripts, and host-meta for its WebSocket', async () => {
    const landing = await fetch(`http://${HOST}:${p.http}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toMatch(/href="\/chat\/[^"]*"/);
    const page = await fetch(`http://${HOST}:${p.http}/chat/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script, html.slice(0, 500)).toBeDefined();
    const asset = await fetch(new URL(script!, `http://${HOST}:${p.http}/chat/`));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await asset.text()).length).toBeGreaterThan(10_000);
    const hostMeta = await (await fetch(`http://${HOST}:${p.http}/.well-known/host-meta.json`)).json() as { links: { rel: string; href: string }[] };
    expect(hostMeta.links.find((link) => link.rel === 'urn:xmpp:alt-connections:websocket')?.href).toBe(`ws://${HOST}:${p.http}/xmpp-websocket`);
  });

  it('serves the complete source of the commit it was built from (AGPL §13): every file git tracks, as it is there', async () => {
    const answer = await fetch(`http://${HOST}:${p.http}/source/`);
    expect(answer.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'cnx-source-'));
    directories.push(dir);
    writeFileSync(join(dir, 'source.tar.gz'), Buffer.from(await answer.arrayBuffer()));
    const version = `${JSON.parse(readFileSync(join(REPO_ROOT, 'apps/server/package.json'), 'utf8')).version}-${image.commit.slice(0, 12)}`;
    const prefix = `conexizan-${version}/`;
    const names = (await runOk('tar', ['-tzf', join(dir, 'source.tar.gz')])).split('\n').filter(Boolean);
    expect(names.filter((name) => !name.startsWith(prefix))).toEqual([]);
    // What the commit holds, path by path with its git blob id; and the archive's files hashed the same way.
    const tree = (await runOk('git', ['ls-tree', '-r', '--full-tree', image.commit], REPO_ROOT)).split('\n').filter(Boolean).map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      return `${meta.split(' ')[2]} ${path}`;
    });
    await runOk('tar', ['-xzf', join(dir, 'source.tar.gz'), '-C', dir]);
    const files = names.map((name) => name.slice(prefix.length)).filter((path) => path && !path.endsWith('/'));
    const blobs = (await runOk('git', ['hash-object', '--', ...files], join(dir, prefix))).split('\n').filter(Boolean);
    expect(files.map((path, i) => `${blobs[i]} ${path}`).sort()).toEqual(tree.sort());
    expect(files.some((path) => path.startsWith('apps/web/src/'))).toBe(true);
    expect(files).toContain('infra/container/Containerfile');
    // The website names that version.
    expect(await (await fetch(`http://${HOST}:${p.http}/`)).text()).toContain(`(${image.commit.slice(0, 12)})`);
  });

  it('passes its own health check', async () => {
    const result = await podman(['healthcheck', 'run', name]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await fetch(`http://${HOST}:${p.http}/health/live`)).status).toBe(200);
  });

  it('runs `conexizan check` inside', async () => {
    const result = await podman(['exec', name, 'conexizan', 'check']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^ok\s+database \(sqlite\) reachable, [1-9]\d* accounts$/m);
    expect(result.stdout).toMatch(/all checks passed/);
  });

  it('runs as user 10001 and cannot write outside its volume and /tmp', async () => {
    expect((await podmanOk(['exec', name, 'id', '-u'])).trim()).toBe('10001');
    const write = await podman(['exec', name, 'sh', '-c', 'touch /app/x']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it('drains on SIGTERM: clients are told system-shutdown and it exits 0 within its grace period', async () => {
    await createAccount({ host: HOST, port: p.c2s, username: 'sigterm', password: PASSWORD });
    const session: JsSession = await loginJs({ server: { ports: p }, transport: 'starttls', username: 'sigterm', password: PASSWORD });
    clients.push(session.xmpp);
    const stopped = await stopContainer(name);
    expect(stopped.exitCode, stopped.logs).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE_SECONDS * 1000);
    await eventually(() => session.errors.some((error) => error.condition === 'system-shutdown'), 'system-shutdown at the client');
    expect(stopped.logs).toMatch(/"msg":"conexizan stopped"/);
  });

  it('keeps its accounts in the volume across a new container', async () => {
    await podmanOk(['rm', name]);
    await startContainer(`${name}-again`, loopbackEnv(p), { volume: `${name}-data` });
    expect((await tryLogin({ host: HOST, port: p.c2s, username: `${storyPrefix}-alice`, password: 'correct horse 1' })).ok).toBe(true);
  });

  it('drains with `conexizan drain` (the Kubernetes preStop hook), then stops at once on SIGTERM', async () => {
    const session: JsSession = await loginJs({ server: { ports: p }, transport: 'starttls', username: 'sigterm', password: PASSWORD });
    clients.push(session.xmpp);
    const drained = await podman(['exec', `${name}-again`, 'conexizan', 'drain']);
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toMatch(/^drained: no new client connections; 0 session\(s\) still open$/m);
    await eventually(() => session.errors.some((error) => error.condition === 'system-shutdown'), 'system-shutdown at the client');
    await expect(tryLogin({ host: HOST, port: p.c2s, username: 'sigterm', password: PASSWORD })).rejects.toThrow(/ECONNREFUSED/);
    expect((await podman(['inspect', `${name}-again`, '--format', '{{.State.Running}}'])).stdout.trim()).toBe('true');
    const stopped = await stopContainer(`${name}-again`);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
  });
});

describe('bad input at start', () => {
  /** Runs the image with these settings until it stops by itself. */
  async function refused(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
    return podman(['run', '--rm', '--network=host', '--health-interval=disable', ...envArgs({ CONEXIZAN_S2S_PORT: '0', ...env }), image.tag], { timeoutMs: 60_000 });
  }

  function expectOneClearLine(result: { code: number | null; stderr: string; stdout: string }, message: RegExp): void {
    expect(result.code).not.toBe(0);
    // Podman's own complaints about the missing systemd are not the server's.
    const lines = (result.stdout + result.stderr).split('\n').filter((line) => line.trim() && !line.includes('level=error msg="unable to get systemd'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/);
  }

  it('refuses an empty domain', async () => {
    expectOneClearLine(await refused({ CONEXIZAN_DOMAIN: '' }), /^conexizan: invalid option domain \(or CONEXIZAN_DOMAIN\): must not be empty$/);
  });

  it('refuses a secret that was not mounted', async () => {
    expectOneClearLine(await refused({ CONEXIZAN_DOMAIN: 'localhost', CONEXIZAN_TURN_SECRET_FILE: '/run/secrets/turn_secret' }), /^conexizan: CONEXIZAN_TURN_SECRET_FILE: cannot read \/run\/secrets\/turn_secret: no such file \(is the secret mounted\?\)$/);
  });

  it('refuses a database it cannot reach, naming it', async () => {
    const [closed] = await freePorts(1);
    const result = await refused({ CONEXIZAN_DOMAIN: 'localhost', CONEXIZAN_DATABASE_URL: `postgresql://nobody:nothing@${HOST}:${closed}/none`, CONEXIZAN_C2S_PORT: '0', CONEXIZAN_C2S_TLS_PORT: '0', CONEXIZAN_HTTP_PORT: '0', CONEXIZAN_HTTPS_PORT: '0' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^conexizan: .*(ECONNREFUSED|connect)/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('starts when the secret is mounted', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cnx-secret-'));
    directories.push(directory);
    writeFileSync(join(directory, 'turn_secret'), 'a mounted secret\n');
    const result = await podman(['run', '--rm', '--network=host', '--health-interval=disable', '-v', `${directory}/turn_secret:/run/secrets/turn_secret:ro`, ...envArgs({ CONEXIZAN_DOMAIN: 'localhost', CONEXIZAN_S2S_PORT: '0', CONEXIZAN_TURN_SECRET_FILE: '/run/secrets/turn_secret', CONEXIZAN_TURN_HOST: 'turn.localhost' }), image.tag, 'check']);
    expect(result.stdout).toMatch(/all checks passed/);
  });
});

describe.skipIf(!postgresUrl)('on PostgreSQL behind the compose Caddyfile (Debian\'s Caddy)', () => {
  const name = `${prefix}-proxied`;
  let p: Ports;
  let caddy: ChildProcess;
  let https: number;
  let caddyLog = '';

  beforeAll(async () => {
    p = await ports();
    const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
    https = httpsPort;
    const url = new URL(postgresUrl!);
    url.searchParams.set('schema', `infra_${randomBytes(4).toString('hex')}`);
    await startContainer(name, loopbackEnv(p, {
      CONEXIZAN_DATABASE_URL: url.toString(),
      CONEXIZAN_TRUSTED_PROXIES: HOST,
      CONEXIZAN_UPLOAD_URL: `https://localhost:${https}`,
    }));
    const home = mkdtempSync(join(tmpdir(), 'cnx-caddy-'));
    directories.push(home);
    caddy = spawn('caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
      env: {
        ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home,
        CONEXIZAN_DOMAIN: 'localhost', ACME_EMAIL: 'ops@localhost', CONEXIZAN_UPSTREAMS: `${HOST}:${p.http}`,
        HTTP_PORT: String(httpPort), HTTPS_PORT: String(https), CADDY_ADMIN: 'off',
        // localhost gets Caddy's internal CA; no ACME server is ever asked (and none could be reached).
        ACME_CA: 'https://127.0.0.1:9/directory',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    caddy.stderr!.setEncoding('utf8').on('data', (data: string) => (caddyLog += data));
    await eventually(async () => (await fetch(`https://localhost:${https}/health`).catch(() => null))?.status === 200, 'Caddy to proxy /health', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${caddyLog.slice(-3000)}`);
    });
  });

  afterAll(async () => {
    caddy?.kill('SIGTERM');
    await podman(['rm', '--force', name]);
  });

  it('serves the web client over HTTPS', async () => {
    const page = await fetch(`https://localhost:${https}/chat/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });

  it('offers the registration form behind Caddy (https said by X-Forwarded-Proto)', async () => {
    const form = await fetch(`https://localhost:${https}/register?lang=en`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<form class="register" method="post"');
    expect(form.headers.get('set-cookie')).toMatch(/^__Host-conexizan-form=/);
  });

  it("announces wss:// on Caddy's address in host-meta (X-Forwarded-Proto from a trusted proxy)", async () => {
    const hostMeta = await (await fetch(`https://localhost:${https}/.well-known/host-meta.json`)).json() as { links: { rel: string; href: string }[] };
    expect(hostMeta.links.find((link) => link.rel === 'urn:xmpp:alt-connections:websocket')?.href).toBe(`wss://localhost:${https}/xmpp-websocket`);
    expect(hostMeta.links.find((link) => link.rel === 'urn:xmpp:alt-connections:xbosh')?.href).toBe(`https://localhost:${https}/http-bind`);
  });

  it('carries XMPP over WebSocket: two @xmpp/client users chat through Caddy, and upload a file through it', async () => {
    for (const username of ['wss-anna', 'wss-ben']) await createAccount({ host: HOST, port: p.c2s, username, password: PASSWORD });
    const anna = await xmppClient(`wss://localhost:${https}/xmpp-websocket`, 'wss-anna');
    const ben = await xmppClient(`wss://localhost:${https}/xmpp-websocket`, 'wss-ben');
    await anna.xmpp.send(xml('message', { to: 'wss-ben@localhost', type: 'chat' }, xml('body', {}, 'through Caddy')));
    await eventually(() => ben.inbox.some((el) => el.getChildText('body') === 'through Caddy'), 'the message through Caddy');
    const bytes = Buffer.from(`uploaded through Caddy ${randomBytes(8).toString('hex')}`);
    const url = await upload(anna.xmpp, bytes, { putUrlMustStartWith: `https://localhost:${https}/upload/` });
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('carries BOSH', async () => {
    const response = await fetch(`https://localhost:${https}/http-bind`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' to='localhost' rid='1000' wait='5' hold='1' ver='1.11' xmpp:version='1.0'/>",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/sid='[^']+'|sid="[^"]+"/);
  });

  it('keeps /metrics off the internet', async () => {
    expect((await fetch(`https://localhost:${https}/metrics`)).status).toBe(404);
  });

  it('runs `conexizan check` inside against PostgreSQL', async () => {
    const result = await podman(['exec', name, 'conexizan', 'check']);
    expect(result.stdout).toMatch(/^ok\s+database \(postgresql\) reachable, 2 accounts$/m);
  });
});

describe.skipIf(!postgresUrl)('backup and restore (PostgreSQL and the data volume, as infra/README.md says)', () => {
  const databases = [`cnx_backup_${process.pid}`, `cnx_restore_${process.pid}`] as const;
  const urlOf = (database: string) => {
    const url = new URL(postgresUrl!);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const psql = (sql: string) => run('psql', [postgresUrl!, '-v', 'ON_ERROR_STOP=1', '-c', sql]);

  afterAll(async () => {
    for (const database of databases) await psql(`DROP DATABASE IF EXISTS ${database}`);
  });

  it('restores accounts, offline messages and uploads into a new database and volume, and the server reads them back', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cnx-backup-'));
    directories.push(directory);
    for (const database of databases) expect((await psql(`CREATE DATABASE ${database}`)).code).toBe(0);
    const p = await ports();
    const env = (database: string) => loopbackEnv(p, { CONEXIZAN_DATABASE_URL: urlOf(database), CONEXIZAN_UPLOAD_URL: `http://${HOST}:${p.http}` });

    // Before: two accounts, a message waiting for one of them, an uploaded file.
    const before = `${prefix}-before`;
    await startContainer(before, env(databases[0]), { volume: `${prefix}-backup-data` });
    for (const username of ['dora', 'finn']) await createAccount({ host: HOST, port: p.c2s, username, password: PASSWORD });
    const finn = await xmppClient(`xmpp://${HOST}:${p.c2s}`, 'finn');
    await finn.xmpp.send(xml('message', { to: 'dora@localhost', type: 'chat' }, xml('body', {}, 'kept through the restore')));
    const bytes = Buffer.from(`a file to keep ${randomBytes(8).toString('hex')}`);
    const fileUrl = await upload(finn.xmpp, bytes, { putUrlMustStartWith: `http://${HOST}:${p.http}/upload/` });
    await stopQuietly(finn.xmpp);

    // Backup: pg_dump of the database, an export of the data volume (uploads, shared secrets).
    const dump = join(directory, 'conexizan.dump');
    const dumped = await run('pg_dump', ['--format=custom', `--file=${dump}`, urlOf(databases[0])]);
    expect(dumped.code, dumped.stderr).toBe(0);
    await stopContainer(before);
    await podmanOk(['rm', before]);
    const archive = join(directory, 'data.tar');
    await podmanOk(['volume', 'export', `${prefix}-backup-data`, '--output', archive]);
    // The originals are gone.
    await podmanOk(['volume', 'rm', `${prefix}-backup-data`]);
    expect((await psql(`DROP DATABASE ${databases[0]}`)).code).toBe(0);

    // Restore into a new database and a new volume.
    const restored = await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${urlOf(databases[1])}`, dump]);
    expect(restored.code, restored.stderr).toBe(0);
    await podmanOk(['volume', 'create', `${prefix}-restored-data`]);
    await podmanOk(['volume', 'import', `${prefix}-restored-data`, archive]);
    const after = `${prefix}-after`;
    await startContainer(after, env(databases[1]), { volume: `${prefix}-restored-data` });

    const check = await podman(['exec', after, 'conexizan', 'check']);
    expect(check.stdout).toMatch(/^ok\s+database \(postgresql\) reachable, 2 accounts$/m);
    const dora = await xmppClient(`xmpp://${HOST}:${p.c2s}`, 'dora');
    await eventually(() => dora.inbox.some((el) => el.getChildText('body') === 'kept through the restore'), 'the offline message after the restore');
    const fetched = await fetch(fileUrl);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    await stopQuietly(dora.xmpp);
    await stopContainer(after);
  });
});

describe.skipIf(!postgresUrl)('two nodes in cluster mode (Redis, PostgreSQL and one data volume, as compose.yaml runs them)', () => {
  const nodes = [`${prefix}-node-a`, `${prefix}-node-b`] as const;
  const volume = `${prefix}-cluster-data`;
  let redis: RedisInstance;
  let p: [Ports, Ports];

  beforeAll(async () => {
    redis = await startRedis({ address: HOST });
    p = [await ports(), await ports()];
    const url = new URL(postgresUrl!);
    url.searchParams.set('schema', `infra_cluster_${randomBytes(4).toString('hex')}`);
    // One after the other, as a rolling start would: the second finds the first through Redis.
    for (const [index, name] of nodes.entries()) {
      await startContainer(name, loopbackEnv(p[index]!, {
        CONEXIZAN_DATABASE_URL: url.toString(),
        CONEXIZAN_REDIS_URL: redis.url,
        CONEXIZAN_NODE_ID: name.endsWith('a') ? 'node-a' : 'node-b',
        CONEXIZAN_NODE_TIMEOUT_SECONDS: '5',
        CONEXIZAN_UPLOAD_URL: `http://${HOST}:${p[index]!.http}`,
      }), { volume });
    }
  });

  afterAll(async () => {
    await podman(['rm', '--force', ...nodes]);
    await redis?.stop();
  });

  const healthOf = async (index: number) => (await (await fetch(`http://${HOST}:${p[index]!.http}/health`)).json()) as Record<string, unknown>;

  it('each node counts both, and `conexizan check` inside reaches Redis and PostgreSQL', async () => {
    await eventually(async () => (await healthOf(0)).nodes === 2 && (await healthOf(1)).nodes === 2, 'both nodes to count two live nodes', 30_000);
    const check = await podman(['exec', nodes[1], 'conexizan', 'check']);
    expect(check.stdout).toMatch(/^ok\s+database \(postgresql\) reachable/m);
    expect(check.stdout).toMatch(/^ok\s+cluster: Redis \S+ at .+ reachable; node id node-b; 1 other node\(s\) alive \(node-a\)/m);
  });

  it('an account made on one node logs in on the other; a message and a file cross between them', async () => {
    await createAccount({ host: HOST, port: p[0].c2s, username: 'nora', password: PASSWORD });
    await createAccount({ host: HOST, port: p[1].c2s, username: 'otto', password: PASSWORD });
    const nora = await xmppClient(`xmpp://${HOST}:${p[0].c2s}`, 'nora');
    const otto = await xmppClient(`xmpp://${HOST}:${p[1].c2s}`, 'otto');
    await nora.xmpp.send(xml('message', { to: 'otto@localhost', type: 'chat' }, xml('body', {}, 'from node a')));
    await eventually(() => otto.inbox.some((el) => el.getChildText('body') === 'from node a'), "nora's message on node b");
    await otto.xmpp.send(xml('message', { to: 'nora@localhost/' + String(nora.xmpp.jid?.resource), type: 'chat' }, xml('body', {}, 'from node b')));
    await eventually(() => nora.inbox.some((el) => el.getChildText('body') === 'from node b'), "otto's answer on node a");
    // The slot comes from node a, the file is served by node b: they share the data volume.
    const bytes = Buffer.from(`shared by the nodes ${randomBytes(8).toString('hex')}`);
    const url = await upload(nora.xmpp, bytes, { putUrlMustStartWith: `http://${HOST}:${p[0].http}/upload/` });
    const onNodeB = await fetch(url.replace(`:${p[0].http}/`, `:${p[1].http}/`));
    expect(onNodeB.status).toBe(200);
    expect(Buffer.from(await onNodeB.arrayBuffer()).equals(bytes)).toBe(true);
    expect(nora.errors).toEqual([]);
    expect(otto.errors).toEqual([]);
  });

  it('when node a is killed, node b drops it within seconds and a user who logs in again on node b gets what was sent meanwhile', async () => {
    await podmanOk(['kill', '--signal', 'KILL', nodes[0]]);
    await eventually(async () => (await healthOf(1)).nodes === 1, 'node b to forget node a', 30_000);
    await createAccount({ host: HOST, port: p[1].c2s, username: 'pia', password: PASSWORD });
    const pia = await xmppClient(`xmpp://${HOST}:${p[1].c2s}`, 'pia');
    // nora was on node a: her session is gone, so this waits for her offline.
    await pia.xmpp.send(xml('message', { to: 'nora@localhost', type: 'chat' }, xml('body', {}, 'while node a was down')));
    await stopQuietly(pia.xmpp);
    const nora = await xmppClient(`xmpp://${HOST}:${p[1].c2s}`, 'nora');
    await eventually(() => nora.inbox.some((el) => el.getChildText('body') === 'while node a was down'), "the message kept for nora, read on node b");
  });
});
