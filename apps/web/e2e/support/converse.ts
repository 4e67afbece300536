import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newPerson } from './browser.ts';

/**
 * Converse.js 14 (npm `converse.js`, its released dist/ as it is) in
 * Chromium: a web client nobody here wrote, with OMEMO 0.3 and OMEMO 2 of
 * its own (its libomemo and WASM curve25519). Its page is served from a
 * small HTTP server of the test (another origin than our web client), and
 * it logs in over our server's WebSocket. The test reaches Converse's own
 * API through a plugin that keeps a handle on it (Converse loads only
 * whitelisted plugins), and sends and reads messages through Converse's
 * models: the same code its chat boxes use, OMEMO hooks included.
 */
const require = createRequire(import.meta.url);
const DIST = dirname(require.resolve('converse.js/dist/converse.min.js'));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.html': 'text/html' };

export interface ConverseMessage {
  body: string;
  encrypted: boolean;
  sender: string;
  error?: string;
}

function page(options: { websocket: string; jid: string; password: string }): string {
  const config = {
    websocket_url: options.websocket,
    discover_connection_methods: false,
    jid: options.jid,
    password: options.password,
    auto_login: true,
    assets_path: '/dist/',
    view_mode: 'fullscreen',
    omemo_default: true,
    allow_non_roster_messaging: true,
    persistent_store: 'IndexedDB',
    loglevel: 'error',
    muc_show_logs_before_join: true,
    whitelisted_plugins: ['e2e-handle'],
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Converse.js</title>
<link rel="stylesheet" href="/dist/converse.min.css"></head><body>
<script type="module">
import converse from '/dist/converse.min.js';
converse.plugins.add('e2e-handle', { initialize() { window.__converse = this._converse; } });
converse.initialize(${JSON.stringify(config)});
</script></body></html>`;
}

async function serve(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    const relative = normalize(decodeURIComponent(path.replace(/^\/dist\//, ''))).replace(/^(\.\.[/\\])+/, '');
    readFile(join(DIST, relative)).then(
      (data) => {
        res.writeHead(200, { 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
        res.end(data);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://localhost:${port}/` };
}

export class ConverseUser {
  private constructor(
    readonly jid: string,
    readonly page: Page,
    readonly context: BrowserContext,
    readonly problems: string[],
    private readonly server: Server,
  ) {}

  /** Opens Converse.js for an existing account; resolves once it is connected and OMEMO is set up. */
  static async open(browser: Browser, options: { websocket: string; jid: string; password: string }): Promise<ConverseUser> {
    const { server, url } = await serve(page(options));
    const { context, page: p, problems } = await newPerson(browser, { size: 'desktop', locale: 'en-US' });
    const user = new ConverseUser(options.jid, p, context, problems, server);
    await p.goto(url);
    await p.waitForFunction(() => Boolean((window as unknown as { __converse?: { api: { connection: { connected(): boolean } } } }).__converse?.api.connection.connected()), undefined, { timeout: 60_000 });
    await user.evaluate(async (c) => c.api.waitUntil('OMEMOInitialized'));
    return user;
  }

  /** Runs `fn` in the page with Converse's internal object (window.__converse). */
  evaluate<T, A = undefined>(fn: (converse: ConverseHandle, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
    return this.page.evaluate(
      async ({ source, arg }) => {
        const f = new Function(`return (${source})`)() as (c: unknown, a: unknown) => unknown;
        return f((window as unknown as { __converse: unknown }).__converse, arg);
      },
      { source: fn.toString(), arg },
    ) as Promise<T>;
  }

  /** Enters a group and waits until Converse is in it. */
  async enterRoom(room: string, nick: string): Promise<void> {
    await this.evaluate(
      async (c, a) => {
        const muc = await c.api.rooms.open(a.room, { nick: a.nick });
        await muc.initialized;
        const deadline = Date.now() + 30_000;
        while (muc.session.get('connection_status') !== 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      },
      { room, nick },
    );
  }

  /** Whether Converse itself decided to encrypt in this chat or group (its OMEMO switch). */
  omemoActive(jid: string): Promise<boolean> {
    return this.evaluate(async (c, a) => {
      const box = (await c.api.rooms.get(a)) ?? (await c.api.chats.get(a));
      return Boolean(box?.get('omemo_active'));
    }, jid);
  }

  async sendToRoom(room: string, text: string): Promise<void> {
    await this.evaluate(async (c, a) => (await c.api.rooms.get(a.room)).sendMessage({ body: a.text }), { room, text });
  }

  /** Sends in a one-to-one chat with OMEMO on, as a user would after checking the chat's lock is closed. */
  async sendToChat(jid: string, text: string): Promise<void> {
    await this.evaluate(
      async (c, a) => {
        const chat = await c.api.chats.open(a.jid);
        const deadline = Date.now() + 30_000;
        while (!chat.get('omemo_supported') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (!chat.get('omemo_active')) chat.save({ omemo_active: true });
        await chat.sendMessage({ body: a.text });
      },
      { jid, text },
    );
  }

  /** What Converse shows in a group or chat: each message's text, whether it says encrypted, who sent it. */
  messages(jid: string): Promise<ConverseMessage[]> {
    return this.evaluate(async (c, a) => {
      const box = (await c.api.rooms.get(a)) ?? (await c.api.chats.get(a));
      return (box?.messages?.models ?? []).map((m: { get(k: string): unknown }) => ({
        body: String(m.get('plaintext') ?? m.get('body') ?? ''),
        encrypted: Boolean(m.get('is_encrypted')),
        sender: String(m.get('nick') ?? m.get('from') ?? ''),
        error: m.get('error_text') ? String(m.get('error_text')) : m.get('error') ? String(m.get('error')) : undefined,
      }));
    }, jid);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The part of Converse's internal object the tests use (it has no published types for it). */
export interface ConverseHandle {
  api: {
    waitUntil(name: string): Promise<unknown>;
    connection: { connected(): boolean };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    rooms: { open(jid: string, attrs: object): Promise<any>; get(jid: string): Promise<any> };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    chats: { open(jid: string): Promise<any>; get(jid: string): Promise<any> };
  };
}
