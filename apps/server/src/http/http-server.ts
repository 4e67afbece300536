import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';
import { NS } from '@conexizan/protocol';
import type { ServerCore } from '../core/core.ts';
import { ClientStream } from '../c2s/client-stream.ts';
import type { ClientListeners } from '../c2s/listeners.ts';
import { listen } from '../transport/listen.ts';
import type { ServerCertificate } from '../tls/server-certificate.ts';
import type { LoginThrottle } from '../c2s/login-throttle.ts';
import type { TrustedProxies } from '../c2s/trusted-proxies.ts';
import { closeFailedHandshakes, deadline, type ConnectionLimiter } from '../c2s/connection-limiter.ts';
import { WebSocketConnection } from '../c2s/websocket-connection.ts';
import { BOSH_PATH, BoshEndpoint } from './bosh.ts';
import { hostMeta, hostMetaJson } from './host-meta.ts';
import { handleOperations, type Drain } from './operations.ts';
import { handleControl, type ControlOptions } from './control.ts';

export const WEBSOCKET_PATH = '/xmpp-websocket';
/**
 * Node's default (5 minutes for a whole request) would cut off a large
 * file upload on a slow mobile link; headers still have to arrive within
 * Node's headersTimeout, and endpoints that read bodies set idle timeouts.
 */
const REQUEST_TIMEOUT_MS = 30 * 60_000;

export interface HttpOptions {
  throttle: LoginThrottle;
  clients: ClientListeners;
  /** whose X-Forwarded-For is believed */
  proxies: TrustedProxies;
  /** bounds connections that have not sent a request yet, per address */
  limiter: ConnectionLimiter;
  certificate: ServerCertificate;
  /** what POST /drain does (`conexizan drain`); absent: no such endpoint */
  drain?: Drain;
  /** the control channel for `conexizan` commands (control.ts), with the same token as drain; absent: none */
  control?: ControlOptions;
}

/**
 * The HTTP and HTTPS listeners: XMPP over WebSocket (RFC 7395) and BOSH
 * (XEP-0206), their discovery (XEP-0156 host-meta), endpoints of modules
 * (ctx.http), health and metrics, and the web client.
 */
export class HttpListeners {
  readonly #core: ServerCore;
  readonly #servers: Server[] = [];
  readonly #websockets: WebSocketServer[] = [];
  readonly #options: HttpOptions;

  constructor(core: ServerCore, options: HttpOptions) {
    this.#core = core;
    this.#options = options;
    // XMPP over WebSocket (RFC 7395) first in host-meta, then BOSH (XEP-0206) beside it.
    core.http.addLink({ rel: NS.ALT_WEBSOCKET, path: WEBSOCKET_PATH, websocket: true });
    const bosh = new BoshEndpoint(core, { throttle: options.throttle, clients: options.clients, proxies: options.proxies });
    core.http.route(`${BOSH_PATH}/`, bosh.handle);
    core.http.addLink({ rel: NS.ALT_XBOSH, path: BOSH_PATH });
  }

  async listen(): Promise<{ name: string; port: number }[]> {
    const { bind, ports } = this.#core.config;
    const bound: { name: string; port: number }[] = [];
    if (ports.http) {
      const host = plainHttpBind(this.#core.config);
      if (host !== bind) this.#core.log.info({ listener: 'http' }, 'the plain HTTP listener serves this machine only (http_bind); clients elsewhere use https');
      const server = createHttpServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => void this.#request(req, res, false));
      this.#guardConnections(server);
      this.#attachWebSocket(server, false);
      bound.push({ name: 'http', port: await listen(server, host, ports.http) });
      this.#servers.push(server);
    }
    if (ports.https) {
      const server = createHttpsServer(
        {
          ...this.#options.certificate.options,
          requestTimeout: REQUEST_TIMEOUT_MS,
          handshakeTimeout: this.#core.config.limits.unauthenticated_seconds * 1000,
        },
        (req, res) => void this.#request(req, res, true),
      );
      closeFailedHandshakes(server);
      // A reloaded certificate (SIGHUP) for the connections that come after it.
      this.#options.certificate.onChange((certificate) => server.setSecureContext(certificate.options));
      this.#guardConnections(server);
      this.#attachWebSocket(server, true);
      bound.push({ name: 'https', port: await listen(server, bind, ports.https) });
      this.#servers.push(server);
    }
    return bound;
  }

  async close(): Promise<void> {
    for (const wss of this.#websockets) wss.close();
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => {
        // Requests still running (a held BOSH request, an upload) leave keep-alive
        // connections behind when they end: close those as they fall idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      })),
    );
  }

  /**
   * A connection that sends no request (Node closes only those that started
   * one) is closed after unauthenticated_seconds, and counts against its
   * address's share of such connections until its first request.
   */
  #guardConnections(server: Server): void {
    const pending = new WeakMap<Socket, () => void>();
    server.on('connection', (socket: Socket) => {
      const slot = this.#options.limiter.admit(socket);
      if (!slot) return;
      const done = deadline(socket, this.#core.config.limits.unauthenticated_seconds * 1000);
      pending.set(socket, () => {
        done();
        slot.release();
      });
    });
    const requested = (req: IncomingMessage) => {
      // On HTTPS the request's socket is the TLS socket over the one 'connection' saw.
      const socket = req.socket as Socket & { _parent?: Socket };
      (pending.get(socket) ?? (socket._parent && pending.get(socket._parent)))?.();
    };
    server.on('request', requested);
    server.on('upgrade', requested);
  }

  #attachWebSocket(server: Server, secure: boolean): void {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#core.config.limits.max_stanza_bytes,
      // RFC 7395 §3.1: the subprotocol is "xmpp"; refuse the upgrade without it.
      handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false),
    });
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== WEBSOCKET_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (ws.protocol !== 'xmpp') {
          ws.close(1002, 'the xmpp subprotocol is required');
          return;
        }
        const connection = new WebSocketConnection(ws, { secure: this.#options.proxies.httpSecure(req, secure), maxStanzaBytes: this.#core.config.limits.max_stanza_bytes });
        this.#options.clients.track(connection);
        new ClientStream(this.#core, connection, { throttle: this.#options.throttle, sourceAddress: this.#options.proxies.httpClient(req) });
      });
    });
    this.#websockets.push(wss);
  }

  async #request(req: IncomingMessage, res: ServerResponse, listenerSecure: boolean): Promise<void> {
    // Behind a trusted proxy that terminated HTTPS, the client's leg is what counts.
    const secure = this.#options.proxies.httpSecure(req, listenerSecure);
    // On every answer: no other origin may frame anything of ours, no URL leaks through Referer,
    // and a browser that reached us over HTTPS keeps doing so.
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    if (secure) res.setHeader('strict-transport-security', 'max-age=31536000');
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/.well-known/host-meta' || url.pathname === '/.well-known/host-meta.json') {
        const links = this.#core.http.endpointLinks(req.headers.host ?? this.#core.domain, secure);
        if (url.pathname.endsWith('.json')) return send(res, 200, 'application/json', hostMetaJson(links));
        return send(res, 200, 'application/xrd+xml', hostMeta(links));
      }
      const { throttle, proxies } = this.#options;
      // Only the few handlers that count requests per address pay for the key.
      const request = { req, res, url, secure, get sourceKey() { return throttle.sourceKey(proxies.httpClient(req)); } };
      const route = this.#core.http.match(url.pathname);
      if (route) return await route(request);
      if (this.#options.control && (await handleControl(this.#core, req, res, url, this.#options.proxies.httpClient(req), this.#options.control))) return;
      if (await handleOperations(this.#core, req, res, url, this.#options.proxies.httpClient(req), this.#options.drain)) return;
      const site = this.#core.http.siteHandler();
      if (site) return await site(request);
      send(res, 404, 'text/plain', 'not found\n');
    } catch (error) {
      this.#core.log.error({ err: error }, 'HTTP request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    }
  }
}

export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    // XEP-0156 §3: host-meta must be readable cross-origin by web clients.
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}


/**
 * Where the plain HTTP listener listens. It carries logins (WebSocket,
 * BOSH) and uploads in the clear, so unless the operator says otherwise it
 * stays on this machine: a third-party client once registered and logged in
 * over ws:// on 0.0.0.0, sidestepping the STARTTLS requirement of port 5222.
 */
export function plainHttpBind(config: { bind: string; http_bind: string }): string {
  if (config.http_bind) return config.http_bind;
  return isLoopback(config.bind) ? config.bind : '127.0.0.1';
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || address === 'localhost';
}
