import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NS, type Element } from '@conexizan/protocol';
import { BoshConnection, terminateBody, type BoshRequest } from '../c2s/bosh-connection.ts';
import { ClientStream } from '../c2s/client-stream.ts';
import type { ClientListeners } from '../c2s/listeners.ts';
import type { LoginThrottle } from '../c2s/login-throttle.ts';
import type { TrustedProxies } from '../c2s/trusted-proxies.ts';
import type { ServerCore } from '../core/core.ts';
import { corsHeaders, type HttpRequest } from '../core/http-routes.ts';
import { StreamParser } from '../transport/stream-parser.ts';

/**
 * The BOSH endpoint (XEP-0124/XEP-0206) at /http-bind: session creation,
 * then every request routed to its session by 'sid'. Each session is a
 * BoshConnection driven by an ordinary ClientStream, so SASL, binding and
 * everything after are the same as on TCP and WebSocket. CORS lets web
 * clients on other origins use it.
 */
export const BOSH_PATH = '/http-bind';
const MAX_WAIT_SECONDS = 60;
const INACTIVITY_SECONDS = 60;
/** how long a finished session still answers its sid with the terminate body */
const GRACE_MS = 10_000;
const BODY_IDLE_MS = 30_000;

const CORS = corsHeaders(['POST', 'OPTIONS'], ['Content-Type']);

export class BoshEndpoint {
  readonly #core: ServerCore;
  readonly #throttle: LoginThrottle;
  readonly #clients: ClientListeners;
  readonly #proxies: TrustedProxies;
  readonly #sessions = new Map<string, BoshConnection>();

  constructor(core: ServerCore, options: { throttle: LoginThrottle; clients: ClientListeners; proxies: TrustedProxies }) {
    this.#core = core;
    this.#throttle = options.throttle;
    this.#clients = options.clients;
    this.#proxies = options.proxies;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  readonly handle = async ({ req, res, secure }: HttpRequest): Promise<void> => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS);
      return void res.end();
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { ...CORS, allow: 'POST, OPTIONS', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('XMPP over BOSH (XEP-0206): POST a <body/> here\n');
    }
    const respond = (text: string): boolean => {
      if (res.writableEnded || res.destroyed) return false;
      res.writeHead(200, { ...CORS, 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text);
      return true;
    };
    const limit = this.#core.config.limits.max_stanza_bytes + 1024;
    // A body trickling in is not a BOSH client.
    let stalled = false;
    req.setTimeout(BODY_IDLE_MS, () => {
      stalled = true;
      req.destroy();
    });
    const text = await readBody(req, limit).catch(() => null);
    if (stalled) return;
    req.setTimeout(0); // now it may be held for up to 'wait' seconds
    if (text === null) {
      res.writeHead(413, { ...CORS, connection: 'close' });
      return void res.end();
    }
    const body = parseBody(text, limit);
    const rid = Number(body?.attrs.rid);
    if (!body || !Number.isSafeInteger(rid) || rid < 1) return void respond(terminateBody('bad-request'));
    const request: BoshRequest = {
      rid,
      body,
      bytes: Buffer.byteLength(text),
      respond,
      onAbort: (callback) => res.on('close', () => {
        if (!res.writableEnded) callback();
      }),
    };

    const sid = body.attrs.sid as string | undefined;
    if (sid !== undefined) {
      const session = this.#sessions.get(sid);
      if (!session) return void respond(terminateBody('item-not-found'));
      return session.receive(request);
    }
    if (!body.attrs.to) return void respond(terminateBody('improper-addressing'));
    if (body.attrs.to !== this.#core.domain) return void respond(terminateBody('host-unknown'));
    const session = new BoshConnection(
      { sid: randomBytes(18).toString('base64url'), domain: this.#core.domain, secure, maxWait: MAX_WAIT_SECONDS, inactivity: INACTIVITY_SECONDS },
      request,
    );
    this.#sessions.set(session.sid, session);
    void session.closed.then(() => setTimeout(() => this.#sessions.delete(session.sid), GRACE_MS).unref());
    this.#clients.track(session);
    new ClientStream(this.#core, session, { throttle: this.#throttle, sourceAddress: this.#proxies.httpClient(req) });
    session.receive(request);
  };
}

/** The request body as text, or null once it passes `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  // Strict UTF-8 (RFC 6120 §11.6): a body that is not becomes a bad-request, not U+FFFD.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return '';
  }
}

/** One <body xmlns='http://jabber.org/protocol/httpbind'/>, through the same restricted-XML checks as any stream. */
function parseBody(text: string, limit: number): Element | null {
  const elements: Element[] = [];
  let failed = false;
  const parser = new StreamParser(
    { streamStart: () => undefined, element: (element) => elements.push(element), streamEnd: () => undefined, error: () => (failed = true) },
    { maxStanzaBytes: limit },
  );
  parser.write(`<frame xmlns:stream="${NS.STREAM}">`);
  parser.write(text);
  parser.write('</frame>');
  const [body] = elements;
  return !failed && elements.length === 1 && body!.is('body', NS.HTTPBIND) ? body! : null;
}
