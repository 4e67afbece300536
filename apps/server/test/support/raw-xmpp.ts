import { connect as netConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { base64Decode, base64Encode, ScramClientSession, utf8Encode, type ScramHash } from '@conexizan/crypto';
import { Parser, xml, type Element } from '@conexizan/protocol';
import { DEFAULT_WAIT_MS, Inbox, withTimeout } from './wait.ts';

/**
 * A deliberately small XMPP client that speaks the protocol on a raw socket,
 * byte by byte as RFC 6120 describes it: stream header, STARTTLS, SASL
 * (PLAIN, or SCRAM through @conexizan/crypto's client session), resource
 * binding, in-band registration (XEP-0077). Tests use it where a real
 * client library would hide what happens (bad input, exact error
 * conditions) and to create accounts in-band.
 *
 * The namespaces are spelled out here rather than taken from the server's
 * tables, so that a typo there cannot hide behind the same typo here.
 */
export const XMLNS = {
  CLIENT: 'jabber:client',
  STREAM: 'http://etherx.jabber.org/streams',
  STREAMS_ERR: 'urn:ietf:params:xml:ns:xmpp-streams',
  STANZAS_ERR: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  TLS: 'urn:ietf:params:xml:ns:xmpp-tls',
  SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
  BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
  REGISTER: 'jabber:iq:register',
  REGISTER_FEATURE: 'http://jabber.org/features/iq-register',
  ROSTER: 'jabber:iq:roster',
  PING: 'urn:xmpp:ping',
  DELAY: 'urn:xmpp:delay',
  MUC: 'http://jabber.org/protocol/muc',
  MUC_OWNER: 'http://jabber.org/protocol/muc#owner',
  DATA: 'jabber:x:data',
} as const;

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

export interface RawConnectOptions {
  port: number;
  host?: string;
  /** TLS from the first byte (XEP-0368, the c2s_tls port) */
  directTls?: boolean;
  /** the domain in the stream header (default: localhost) */
  domain?: string;
  /** the source address, e.g. another 127.0.0.x to look like another client */
  localAddress?: string;
  /** bytes sent first, before TLS or the stream (a reverse proxy's PROXY protocol header) */
  proxyHeader?: string | Uint8Array;
}

export interface StreamHeaderOptions {
  to?: string;
  /** replaces the whole header, for tests that send a broken one */
  raw?: string;
}

export type SaslResult = { ok: true; mechanism: string } | { ok: false; condition: string | null; element: Element };

let nextId = 0;
export const uniqueId = (prefix = 'raw') => `${prefix}-${process.pid}-${++nextId}`;

export class RawXmppConnection {
  socket: Socket | TLSSocket;
  /** every top-level element received, across stream restarts */
  readonly inbox = new Inbox<Element>((el) => el.toString().slice(0, 400));
  /** everything received as text (after TLS: the decrypted text) */
  received = '';
  /** the last stream header the server sent */
  header: Element | null = null;
  /** the server closed its stream (</stream:stream>) */
  streamEnded = false;
  /** the socket is gone */
  isClosed = false;
  readonly closed: Promise<void>;
  /** set after resource binding */
  jid: string | null = null;
  domain = 'localhost';

  #parser: InstanceType<typeof Parser> | null = null;
  #decoder = new StringDecoder('utf8');
  #resolveClosed!: () => void;
  readonly #onData = (chunk: Buffer) => this.#receive(this.#decoder.write(chunk));
  readonly #onClose = () => this.#markClosed();

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#attach(socket);
  }

  static async connect(options: RawConnectOptions): Promise<RawXmppConnection> {
    const host = options.host ?? '127.0.0.1';
    const local = options.localAddress ? { localAddress: options.localAddress } : {};
    let socket: Socket | TLSSocket;
    if (options.proxyHeader) {
      const plain = netConnect({ host, port: options.port, ...local });
      plain.write(options.proxyHeader);
      socket = options.directTls ? tlsConnect({ socket: plain, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['xmpp-client'] }) : plain;
    } else {
      socket = options.directTls
        ? tlsConnect({ host, port: options.port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['xmpp-client'], ...local })
        : netConnect({ host, port: options.port, ...local });
    }
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once(options.directTls ? 'secureConnect' : 'connect', () => resolve());
        socket.once('error', reject);
      }),
      DEFAULT_WAIT_MS,
      `connection to port ${options.port}`,
    );
    const connection = new RawXmppConnection(socket);
    if (options.domain) connection.domain = options.domain;
    return connection;
  }

  get secure(): boolean {
    return 'encrypted' in this.socket && this.socket.encrypted === true;
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  send(element: Element): void {
    this.write(element.toString());
  }

  /** Opens a (new) stream: fresh parser, header out. Does not wait. */
  sendHeader(options: StreamHeaderOptions = {}): void {
    this.#newParser();
    this.domain = options.to ?? this.domain;
    this.write(
      options.raw ??
        `<?xml version='1.0'?><stream:stream to='${options.to ?? this.domain}' version='1.0' xml:lang='en' xmlns='${XMLNS.CLIENT}' xmlns:stream='${XMLNS.STREAM}'>`,
    );
  }

  /** Opens a stream and returns the server's <stream:features/>; throws on a stream error instead. */
  async openStream(options: StreamHeaderOptions = {}): Promise<Element> {
    this.sendHeader(options);
    const element = await this.inbox.waitFor((el) => isStreamFeatures(el) || isStreamError(el), 'stream features');
    if (isStreamError(element)) throw new Error(`stream error instead of features: ${element.toString()}`);
    return element;
  }

  /** STARTTLS (RFC 6120 §5): <starttls/>, <proceed/>, TLS handshake on the same socket. */
  async startTls(): Promise<void> {
    this.send(xml('starttls', { xmlns: XMLNS.TLS }));
    const answer = await this.inbox.waitFor((el) => el.getNS() === XMLNS.TLS || isStreamError(el), 'STARTTLS answer');
    if (answer.name !== 'proceed') throw new Error(`STARTTLS refused: ${answer.toString()}`);
    const plain = this.socket;
    plain.off('data', this.#onData);
    plain.off('close', this.#onClose);
    const secure = tlsConnect({ socket: plain, servername: 'localhost', rejectUnauthorized: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      }),
      DEFAULT_WAIT_MS,
      'TLS handshake after STARTTLS',
    );
    this.socket = secure;
    this.#decoder = new StringDecoder('utf8');
    this.#attach(secure);
  }

  /** SASL (RFC 6120 §6) with one mechanism; reports success or the failure condition. */
  async authenticate(username: string, password: string, mechanism: SaslMechanism = 'SCRAM-SHA-256'): Promise<SaslResult> {
    const isSasl = (el: Element) => el.getNS() === XMLNS.SASL || isStreamError(el);
    if (mechanism === 'PLAIN') {
      const message = base64Encode(utf8Encode(`\u0000${username}\u0000${password}`));
      this.send(xml('auth', { xmlns: XMLNS.SASL, mechanism }, message));
      return this.#saslOutcome(await this.inbox.waitFor(isSasl, 'SASL PLAIN outcome'), mechanism);
    }
    const hash: ScramHash = mechanism === 'SCRAM-SHA-1' ? 'SHA-1' : 'SHA-256';
    // 'n': this client does not do channel binding (the server may offer -PLUS).
    const scram = new ScramClientSession({ hash, username, password });
    this.send(xml('auth', { xmlns: XMLNS.SASL, mechanism }, base64Encode(scram.first())));
    const challenge = await this.inbox.waitFor(isSasl, 'SCRAM server-first-message');
    if (challenge.name !== 'challenge') return this.#saslOutcome(challenge, mechanism);
    this.send(xml('response', { xmlns: XMLNS.SASL }, base64Encode(await scram.final(base64Decode(challenge.getText().trim())))));
    const outcome = await this.inbox.waitFor(isSasl, 'SCRAM outcome');
    if (outcome.name === 'success') {
      // The server proves it knows the password too (RFC 5802 §3, server signature).
      await scram.verify(base64Decode(outcome.getText().trim()));
    }
    return this.#saslOutcome(outcome, mechanism);
  }

  #saslOutcome(element: Element, mechanism: string): SaslResult {
    if (element.name === 'success' && element.getNS() === XMLNS.SASL) return { ok: true, mechanism };
    return { ok: false, condition: saslFailureCondition(element) ?? streamErrorCondition(element), element };
  }

  /** Resource binding (RFC 6120 §7); returns the full JID the server assigned. */
  async bind(resource?: string): Promise<string> {
    const reply = await this.iq(xml('iq', { type: 'set', id: uniqueId('bind') }, xml('bind', { xmlns: XMLNS.BIND }, resource ? xml('resource', {}, resource) : undefined)));
    const jid = reply.getChild('bind', XMLNS.BIND)?.getChildText('jid');
    if (reply.attrs.type !== 'result' || !jid) throw new Error(`bind failed: ${reply.toString()}`);
    this.jid = jid;
    return jid;
  }

  /** Sends an iq (an id is added if missing) and waits for the result or error with that id. */
  async iq(iq: Element, ms = DEFAULT_WAIT_MS): Promise<Element> {
    iq.attrs.id ??= uniqueId('iq');
    const id = iq.attrs.id;
    this.send(iq);
    const reply = await this.inbox.waitFor(
      (el) => (el.name === 'iq' && el.attrs.id === id && (el.attrs.type === 'result' || el.attrs.type === 'error')) || isStreamError(el),
      `reply to iq ${id}`,
      ms,
    );
    if (isStreamError(reply)) throw new Error(`stream error instead of an iq reply: ${reply.toString()}`);
    return reply;
  }

  /** Waits for a <stream:error/> and returns its defined condition (e.g. 'not-well-formed'). */
  async streamError(ms = DEFAULT_WAIT_MS): Promise<{ condition: string | null; element: Element }> {
    const element = await this.inbox.waitFor(isStreamError, 'a stream error', ms);
    return { condition: streamErrorCondition(element), element };
  }

  /** Waits until the server has closed the connection (TCP close). */
  async waitClosed(ms = DEFAULT_WAIT_MS): Promise<void> {
    await withTimeout(this.closed, ms, 'the server to close the connection');
  }

  /** Closes our stream politely and waits (briefly) for the server to close too. */
  async close(ms = 2_000): Promise<void> {
    if (this.isClosed) return;
    this.write('</stream:stream>');
    try {
      await withTimeout(this.closed, ms, 'the connection to close');
    } catch {
      this.socket.destroy();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', () => {
      // 'close' follows; tests look at what was received, not at ECONNRESET.
    });
  }

  #markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.inbox.close('the connection closed');
    this.#resolveClosed();
  }

  #newParser(): void {
    const parser = new Parser();
    parser.on('start', (el: Element) => {
      this.header = el;
    });
    parser.on('element', (el: Element) => this.inbox.push(el));
    parser.on('end', () => {
      this.streamEnded = true;
    });
    parser.on('error', (error: Error) => {
      this.inbox.close(`the server sent XML this client cannot parse: ${error.message}`);
    });
    this.#parser = parser;
  }

  #receive(text: string): void {
    this.received += text;
    // Before we opened a stream (a server that talks first) start a parser anyway.
    if (!this.#parser) this.#newParser();
    this.#parser!.write(text);
  }
}

// ---------------------------------------------------------------------------
// element helpers

export function isStreamFeatures(el: Element): boolean {
  return el.getName() === 'features' && el.getNS() === XMLNS.STREAM;
}

export function isStreamError(el: Element): boolean {
  return el.getName() === 'error' && el.getNS() === XMLNS.STREAM;
}

/** The defined condition of a <stream:error/> (RFC 6120 §4.9.3). */
export function streamErrorCondition(el: Element): string | null {
  if (!isStreamError(el)) return null;
  return el.getChildElements().find((child) => child.getNS() === XMLNS.STREAMS_ERR && child.name !== 'text')?.name ?? null;
}

/** The defined condition of a stanza's <error/> (RFC 6120 §8.3.3). */
export function stanzaErrorCondition(stanza: Element): string | null {
  const error = stanza.getChild('error');
  if (stanza.attrs.type !== 'error' || !error) return null;
  return error.getChildElements().find((child) => child.getNS() === XMLNS.STANZAS_ERR && child.name !== 'text')?.name ?? null;
}

export function stanzaErrorType(stanza: Element): string | null {
  return stanza.getChild('error')?.attrs.type ?? null;
}

/** The condition of a SASL <failure/> (RFC 6120 §6.5). */
export function saslFailureCondition(el: Element): string | null {
  if (el.name !== 'failure' || el.getNS() !== XMLNS.SASL) return null;
  return el.getChildElements().find((child) => child.name !== 'text')?.name ?? null;
}

export function mechanismsOffered(features: Element): string[] {
  return features.getChild('mechanisms', XMLNS.SASL)?.getChildren('mechanism').map((m) => m.getText()) ?? [];
}

// ---------------------------------------------------------------------------
// whole procedures

export interface LoginOptions extends RawConnectOptions {
  username: string;
  password: string;
  mechanism?: SaslMechanism;
  resource?: string;
  /** send initial presence after binding (needed to receive messages to the bare JID) */
  presence?: boolean;
}

/** Connects over STARTTLS (or direct TLS) up to the point where SASL can start; returns the features. */
export async function connectSecure(options: RawConnectOptions): Promise<{ connection: RawXmppConnection; features: Element }> {
  const connection = await RawXmppConnection.connect(options);
  try {
    let features = await connection.openStream();
    if (!options.directTls) {
      await connection.startTls();
      features = await connection.openStream();
    }
    return { connection, features };
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/** A complete login: TLS, SASL, stream restart, bind, and initial presence unless told otherwise. */
export async function login(options: LoginOptions): Promise<RawXmppConnection> {
  const { connection } = await connectSecure(options);
  try {
    const result = await connection.authenticate(options.username, options.password, options.mechanism ?? 'SCRAM-SHA-256');
    if (!result.ok) throw new Error(`login of ${options.username} failed: ${result.condition} (${result.element.toString()})`);
    await connection.openStream();
    await connection.bind(options.resource);
    if (options.presence ?? true) connection.send(xml('presence'));
    return connection;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/** Tries a login and reports the SASL outcome; the connection is closed afterwards. */
export async function tryLogin(options: LoginOptions): Promise<SaslResult> {
  const { connection } = await connectSecure(options);
  try {
    return await connection.authenticate(options.username, options.password, options.mechanism ?? 'SCRAM-SHA-256');
  } finally {
    await connection.close();
  }
}

/**
 * In-band registration (XEP-0077 §3.1) the way a client does it: STARTTLS,
 * look for the register stream feature, ask for the form, submit username
 * and password. Returns the server's answer to the submission.
 */
export async function registerInBand(options: RawConnectOptions & { username: string; password: string }): Promise<Element> {
  const { connection, features } = await connectSecure(options);
  try {
    if (!features.getChild('register', XMLNS.REGISTER_FEATURE)) throw new Error(`no in-band registration offered: ${features.toString()}`);
    const form = await connection.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: XMLNS.REGISTER })));
    const query = form.getChild('query', XMLNS.REGISTER);
    if (form.attrs.type !== 'result' || !query?.getChild('username') || !query.getChild('password')) {
      throw new Error(`unexpected registration form: ${form.toString()}`);
    }
    return await connection.iq(
      xml('iq', { type: 'set' }, xml('query', { xmlns: XMLNS.REGISTER }, xml('username', {}, options.username), xml('password', {}, options.password))),
    );
  } finally {
    await connection.close();
  }
}

/** registerInBand that throws unless the account was created. */
export async function createAccount(options: RawConnectOptions & { username: string; password: string }): Promise<void> {
  const reply = await registerInBand(options);
  if (reply.attrs.type !== 'result') throw new Error(`registration of ${options.username} failed: ${reply.toString()}`);
}

/**
 * Enters a new room as `nick` and configures it with `fields` (XEP-0045
 * §10.1.3; no fields: the defaults, an instant room). Throws unless the
 * room took the configuration.
 */
export async function createRoom(owner: RawXmppConnection, room: string, nick: string, fields: Record<string, string> = {}): Promise<void> {
  owner.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: XMLNS.MUC })));
  await owner.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/${nick}`, `${nick} in ${room}`);
  const form = xml(
    'x',
    { xmlns: XMLNS.DATA, type: 'submit' },
    ...Object.entries({ FORM_TYPE: `${XMLNS.MUC}#roomconfig`, ...fields }).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value))),
  );
  const reply = await owner.iq(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: XMLNS.MUC_OWNER }, form)));
  if (reply.attrs.type !== 'result') throw new Error(`configuring ${room} failed: ${reply.toString()}`);
}

export function chat(to: string, body: string, attrs: Record<string, string> = {}): Element {
  return xml('message', { to, type: 'chat', id: uniqueId('msg'), ...attrs }, xml('body', {}, body));
}

export const hasBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;
