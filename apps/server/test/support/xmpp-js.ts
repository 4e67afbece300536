import { client, xml, type XmppClient } from '@xmpp/client';
import { WebSocket } from 'ws';
import type { Element } from '@conexizan/protocol';
import type { TestServer } from './test-server.ts';
import { Inbox, withTimeout } from './wait.ts';

/**
 * @xmpp/client (xmpp.js 0.14) sessions for the interop tests, on each of
 * the server's client transports.
 */
export type Transport = 'starttls' | 'direct-tls' | 'websocket';

export const TRANSPORTS: readonly Transport[] = ['starttls', 'direct-tls', 'websocket'];

export type ClientPorts = { ports: Pick<TestServer['ports'], 'c2s' | 'c2s_tls' | 'http'> };

export function serviceUrl(server: ClientPorts, transport: Transport): string {
  switch (transport) {
    case 'starttls':
      return `xmpp://127.0.0.1:${server.ports.c2s}`;
    case 'direct-tls':
      return `xmpps://127.0.0.1:${server.ports.c2s_tls}`;
    case 'websocket':
      return `ws://127.0.0.1:${server.ports.http}/xmpp-websocket`;
  }
}

/**
 * xmpp.js passes no TLS options through (neither for xmpps:// nor for
 * STARTTLS), so the only way to accept the server's self-signed certificate
 * is Node's process-wide switch. Vitest runs each test file in its own
 * process; call the returned function in afterAll to restore it anyway.
 */
export function acceptSelfSignedCertificates(): () => void {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  return () => {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  };
}

/** xmpp.js uses the global WebSocket, which Node 20 does not have by default: lend it the `ws` one. */
export function provideWebSocketGlobal(): void {
  const scope = globalThis as { WebSocket?: unknown };
  scope.WebSocket ??= WebSocket;
}

export interface JsSession {
  readonly xmpp: XmppClient;
  readonly transport: Transport;
  /** the full JID the server bound */
  readonly jid: string;
  readonly bareJid: string;
  /** the SASL mechanism xmpp.js chose (from the <auth/> it sent) */
  readonly mechanism: string | null;
  /** every stanza received since login */
  readonly inbox: Inbox<Element>;
  /** errors xmpp.js reported (stream errors carry a `condition`) */
  readonly errors: (Error & { condition?: string })[];
  send(element: Element): Promise<void>;
  stop(): Promise<void>;
}

export interface JsLoginOptions {
  /** a TestServer, or the ports of a server running as its own process (on 127.0.0.1); or `service`: any server's (or cluster node's) URL, e.g. xmpp://127.0.0.52:5222 */
  server?: ClientPorts;
  service?: string;
  /** the account's domain (default localhost) */
  domain?: string;
  transport: Transport;
  username: string;
  password: string;
  resource?: string;
  /** send initial presence (default true) */
  presence?: boolean;
  timeoutMs?: number;
}

export async function loginJs(options: JsLoginOptions): Promise<JsSession> {
  const xmpp = client({
    service: options.service ?? serviceUrl(options.server!, options.transport),
    domain: options.domain ?? 'localhost',
    username: options.username,
    password: options.password,
    ...(options.resource ? { resource: options.resource } : {}),
    // xmpp.js gives each step (stream open, STARTTLS, SASL round trip) 2 s by
    // default; on two busy CI cores a stream open after a restart can take longer.
    timeout: 10_000,
  });
  // A test decides when to connect again; xmpp.js would otherwise retry every second.
  xmpp.reconnect.stop();
  const inbox = new Inbox<Element>((el) => el.toString().slice(0, 400));
  const errors: (Error & { condition?: string })[] = [];
  let mechanism: string | null = null;
  xmpp.on('stanza', (stanza) => inbox.push(stanza));
  xmpp.on('error', (error) => errors.push(error));
  xmpp.on('send', (element) => {
    if (element.name === 'auth') mechanism = element.attrs.mechanism ?? null;
  });
  xmpp.on('offline', () => inbox.close('the xmpp.js client went offline'));
  xmpp.on('disconnect', () => inbox.close('the xmpp.js client was disconnected'));

  let jid: string;
  try {
    jid = (await withTimeout(xmpp.start(), options.timeoutMs ?? 10_000, `xmpp.js login of ${options.username} over ${options.transport}`)).toString();
  } catch (error) {
    await stopQuietly(xmpp);
    throw error;
  }
  if (options.presence ?? true) await xmpp.send(xml('presence'));

  return {
    xmpp,
    transport: options.transport,
    jid,
    bareJid: jid.split('/')[0]!,
    get mechanism() {
      return mechanism;
    },
    inbox,
    errors,
    send: (element) => xmpp.send(element),
    stop: () => stopQuietly(xmpp),
  };
}

/** Ends a session (politely if it is still online); never throws, never waits long. */
export async function stopQuietly(xmpp: XmppClient): Promise<void> {
  xmpp.reconnect.stop();
  if (xmpp.status === 'offline') return;
  try {
    await withTimeout(xmpp.stop(), 3_000, 'xmpp.js to stop');
  } catch {
    // already gone, or the server did not answer the close: nothing left to do
  }
}

export { xml };
