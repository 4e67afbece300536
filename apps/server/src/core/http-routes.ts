import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * HTTP endpoints that modules serve on the server's HTTP and HTTPS
 * listeners (file upload, BOSH…), the way ctx.features lets them announce
 * disco features: a module registers a path prefix and a handler, and may
 * add an alternative connection method to host-meta (XEP-0156). One module
 * may also take the paths nobody else answers (the website at `/`). The
 * listeners only read this registry, so a new endpoint never edits them.
 */
export interface HttpRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** the parsed request URL (path and query; the host part is not meaningful) */
  url: URL;
  /**
   * the browser reached us over https: on the HTTPS listener, or through a
   * TLS-terminating reverse proxy that says so and is believed (on this
   * machine, or in `trusted_proxies`; see TrustedProxies.httpSecure)
   */
  secure: boolean;
  /**
   * where the request comes from as the per-address limits count it (an
   * IPv4 address or IPv6 /64, behind trusted proxies the client's), keyed
   * under a secret the same way as for XMPP streams, so that a limit shared
   * with in-band registration is one limit; never the address itself
   */
  sourceKey: string;
}

/** Answers the request completely (the listener sends a 500 if it throws before answering). */
export type HttpHandler = (request: HttpRequest) => void | Promise<void>;

/** CORS headers (for answers and the OPTIONS preflight) that let web clients of any origin use an endpoint. */
export function corsHeaders(methods: string[], allowHeaders: string[]): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': allowHeaders.join(', '),
    'access-control-max-age': '86400',
  };
}

export interface HostMetaLink {
  /** e.g. urn:xmpp:alt-connections:xbosh */
  rel: string;
  /** absolute path on our own listeners, e.g. /http-bind */
  path: string;
  /** a WebSocket endpoint (ws:/wss:), else plain HTTP (http:/https:) */
  websocket?: boolean;
}

/** A way to connect, as host-meta lists it (XEP-0156). */
export interface EndpointLink {
  rel: string;
  href: string;
}

export class HttpRoutes {
  #routes: { prefix: string; handler: HttpHandler }[] = [];
  readonly #links: HostMetaLink[] = [];
  #site: HttpHandler | null = null;

  /**
   * Serves every path under `prefix` (which starts and ends with '/', e.g.
   * '/upload/') and the prefix without its trailing slash. The longest
   * matching prefix wins. Returns a function that removes the route again.
   */
  route(prefix: string, handler: HttpHandler): () => void {
    if (!prefix.startsWith('/') || !prefix.endsWith('/') || prefix.length < 3) throw new Error(`an HTTP route prefix looks like /name/, not ${prefix}`);
    if (this.#routes.some((route) => route.prefix === prefix)) throw new Error(`HTTP route ${prefix} is taken`);
    const entry = { prefix, handler };
    this.#routes = [...this.#routes, entry].sort((a, b) => b.prefix.length - a.prefix.length);
    return () => {
      this.#routes = this.#routes.filter((route) => route !== entry);
    };
  }

  match(pathname: string): HttpHandler | null {
    return this.#routes.find(({ prefix }) => pathname.startsWith(prefix) || pathname === prefix.slice(0, -1))?.handler ?? null;
  }

  /**
   * Answers every request that no route, host-meta or operations endpoint
   * (/health, /metrics) claims: the website and the web client. There is
   * one site; a second claim is a programming error.
   */
  site(handler: HttpHandler): () => void {
    if (this.#site) throw new Error('the HTTP site is taken');
    this.#site = handler;
    return () => {
      if (this.#site === handler) this.#site = null;
    };
  }

  siteHandler(): HttpHandler | null {
    return this.#site;
  }

  /** Announces another way to connect in host-meta, beside WebSocket. */
  addLink(link: HostMetaLink): void {
    this.#links.push(link);
  }

  links(): HostMetaLink[] {
    return [...this.#links];
  }

  /**
   * Every way to connect as reached by a client that asked for `host` (the
   * Host header: the name it used for us, so a page opened by IP address or
   * another host name gets endpoints it can reach), over https or not.
   */
  endpointLinks(host: string, https: boolean): EndpointLink[] {
    return this.#links.map(({ rel, path, websocket }) => ({
      rel,
      href: `${websocket ? (https ? 'wss' : 'ws') : https ? 'https' : 'http'}://${host}${path}`,
    }));
  }
}
