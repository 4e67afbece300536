import { connect as netConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Parser, xml, type Element } from '@conexizan/protocol';
import { DEFAULT_WAIT_MS, Inbox, withTimeout } from './wait.ts';

/**
 * A hand-driven server-to-server peer on a raw socket, for what a real
 * server would never do on purpose: spoofed `from` domains, stanzas before
 * authentication, a stream cut in the middle of a stanza. It speaks RFC 6120
 * byte by byte (stream header, STARTTLS, SASL EXTERNAL with a certificate).
 * Namespaces are spelled out here, not taken from the server's tables.
 */
const NS_STREAM = 'http://etherx.jabber.org/streams';

export class RawS2s {
  socket: Socket | TLSSocket;
  readonly inbox = new Inbox<Element>((el) => el.toString().slice(0, 300));
  readonly closed: Promise<void>;
  isClosed = false;
  #parser!: InstanceType<typeof Parser>;
  #decoder = new StringDecoder('utf8');
  #resolveClosed!: () => void;
  readonly #onData = (chunk: Buffer) => this.#parser.write(this.#decoder.write(chunk));
  readonly #onClose = () => {
    this.isClosed = true;
    this.inbox.close('the connection closed');
    this.#resolveClosed();
  };

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#attach(socket);
  }

  static async connect(host: string, port: number): Promise<RawS2s> {
    const socket = netConnect({ host, port });
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), DEFAULT_WAIT_MS, `s2s connection to ${host}:${port}`);
    return new RawS2s(socket);
  }

  /** TLS from the first byte (XEP-0368), with ALPN xmpp-server and our certificate. */
  static async connectTls(host: string, port: number, servername: string, credentials: { cert: string; key: string; ca: string }): Promise<RawS2s> {
    const socket = tlsConnect({ host, port, servername, ALPNProtocols: ['xmpp-server'], ...credentials, rejectUnauthorized: false });
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), DEFAULT_WAIT_MS, `direct TLS to ${host}:${port}`);
    return new RawS2s(socket);
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  send(element: Element): void {
    this.write(element.toString());
  }

  /** Opens a stream and returns the features (or the stream error that came instead). */
  async open(from: string, to: string): Promise<Element> {
    this.#newParser();
    this.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='${NS_STREAM}' xmlns:db='jabber:server:dialback' from='${from}' to='${to}' version='1.0'>`);
    return this.inbox.waitFor((el) => el.name === 'stream:features' || el.name === 'stream:error', 'stream features');
  }

  async startTls(servername: string, credentials: { cert: string; key: string; ca: string }): Promise<void> {
    this.send(xml('starttls', { xmlns: 'urn:ietf:params:xml:ns:xmpp-tls' }));
    const answer = await this.inbox.waitFor((el) => el.name === 'proceed' || el.name === 'failure' || el.name === 'stream:error', 'STARTTLS answer');
    if (answer.name !== 'proceed') throw new Error(`STARTTLS refused: ${answer.toString()}`);
    this.socket.off('data', this.#onData);
    this.socket.off('close', this.#onClose);
    const secure = tlsConnect({ socket: this.socket, servername, cert: credentials.cert, key: credentials.key, ca: credentials.ca, rejectUnauthorized: false });
    await withTimeout(new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject)), DEFAULT_WAIT_MS, 'TLS handshake');
    this.socket = secure;
    this.#decoder = new StringDecoder('utf8');
    this.#attach(secure);
  }

  /** SASL EXTERNAL (XEP-0178); returns 'success' or the failure element's name. */
  async external(authzid: string): Promise<string> {
    this.send(xml('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'EXTERNAL' }, Buffer.from(authzid).toString('base64')));
    const answer = await this.inbox.waitFor((el) => el.name === 'success' || el.name === 'failure', 'SASL outcome');
    return answer.name === 'success' ? 'success' : (answer.getChildElements()[0]?.name ?? 'failure');
  }

  async streamError(ms = DEFAULT_WAIT_MS): Promise<string | null> {
    const element = await this.inbox.waitFor((el) => el.name === 'stream:error', 'a stream error', ms);
    return element.getChildElements().find((child) => child.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-streams')?.name ?? null;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #newParser(): void {
    this.#parser = new Parser();
    this.#parser.on('element', (el: Element) => this.inbox.push(el));
    this.#parser.on('error', () => this.socket.destroy());
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', () => undefined);
  }
}
