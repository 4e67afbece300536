import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { base64Decode, base64Encode, ScramClientSession } from '@conexizan/crypto';
import { NS, Parser, xml, type Element } from '@conexizan/protocol';
import type { Account, Endpoint } from '../targets/target.ts';

/** 'direct-tls': TLS from the first byte (XEP-0368); 'starttls': plain TCP upgraded with STARTTLS (RFC 6120 §5). */
export type Transport = 'direct-tls' | 'starttls';

/**
 * A deliberately small XMPP client for load generation: TLS (direct or
 * STARTTLS), SCRAM-SHA-256, resource binding, initial presence, then raw
 * stanzas. It only speaks what the phases need; everything it does is
 * what a real client does on login, in the same order and round trips.
 */
const STREAM_HEADER = (domain: string) =>
  `<?xml version='1.0'?><stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAM}' to='${domain}' version='1.0' xml:lang='en'>`;

export class XmppClient {
  readonly account: Account;
  /** full JID after binding */
  jid = '';
  /** bare JID (user@domain), what other users address */
  bareJid = '';
  /** called for every stanza once logged in */
  onStanza: ((stanza: Element) => void) | null = null;

  #socket: Socket | TLSSocket | null = null;
  #parser: Parser | null = null;
  #inbox: Element[] = [];
  #waiter: { resolve: (el: Element) => void; reject: (err: Error) => void } | null = null;
  #failure: Error | null = null;
  #closed: Promise<void> | null = null;
  /** logged in: stanzas go to onStanza instead of the login sequence */
  #online = false;

  constructor(account: Account) {
    this.account = account;
  }

  /** Connect, TLS, SASL, bind and initial presence; resolves when the server echoes that presence (RFC 6121 §4.2.2). */
  async login(endpoint: Endpoint, transport: Transport, timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.#fail(new Error(`login timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      let features: Element;
      if (transport === 'direct-tls') {
        await this.#connect(tlsConnect(this.#tlsOptions(endpoint, { host: endpoint.host, port: endpoint.directTlsPort })), 'secureConnect');
        this.#openStream(endpoint.domain);
        features = await this.#features();
      } else {
        const plain = tcpConnect({ host: endpoint.host, port: endpoint.starttlsPort });
        await this.#connect(plain, 'connect');
        this.#openStream(endpoint.domain);
        features = await this.#features();
        if (!features.getChild('starttls', NS.TLS)) throw new Error('STARTTLS not offered');
        this.send(xml('starttls', { xmlns: NS.TLS }));
        await this.#expect('proceed');
        for (const event of ['data', 'error', 'close']) plain.removeAllListeners(event); // the TLS socket takes over
        await this.#connect(tlsConnect(this.#tlsOptions(endpoint, { socket: plain })), 'secureConnect');
        this.#openStream(endpoint.domain);
        features = await this.#features();
      }
      const mechanisms = features.getChild('mechanisms', NS.SASL)?.getChildren('mechanism').map((m) => m.getText()) ?? [];
      if (!mechanisms.includes('SCRAM-SHA-256')) throw new Error(`SCRAM-SHA-256 not offered (${mechanisms.join(', ')})`);

      const scram = new ScramClientSession({ hash: 'SHA-256', username: this.account.username, password: this.account.password });
      this.send(xml('auth', { xmlns: NS.SASL, mechanism: 'SCRAM-SHA-256' }, base64Encode(scram.first())));
      const challenge = await this.#expect('challenge');
      this.send(xml('response', { xmlns: NS.SASL }, base64Encode(await scram.final(base64Decode(challenge.getText())))));
      const success = await this.#expect('success');
      await scram.verify(base64Decode(success.getText()));

      this.#openStream(endpoint.domain); // RFC 6120 §6.4.6: a new stream after SASL
      features = await this.#features();
      if (!features.getChild('bind', NS.BIND)) throw new Error('no resource binding offered');
      this.send(xml('iq', { type: 'set', id: 'bind' }, xml('bind', { xmlns: NS.BIND }, xml('resource', {}, 'bench'))));
      const bound = await this.#expect('iq');
      if (bound.attrs.type !== 'result') throw new Error(`bind failed: ${bound.toString()}`);
      this.jid = bound.getChild('bind', NS.BIND)?.getChildText('jid') ?? '';
      this.bareJid = this.jid.split('/')[0]!;

      this.send(xml('presence'));
      // Our own presence coming back means the server has the session fully available.
      for (;;) {
        const el = await this.#next();
        if (el.name === 'presence' && el.attrs.from === this.jid) break;
      }
      // From here on stanzas go to onStanza; any that raced ahead are handed over too.
      this.#online = true;
      for (const el of this.#inbox.splice(0)) this.#dispatch(el);
    } finally {
      clearTimeout(timer);
    }
  }

  send(stanza: Element): void {
    this.#socket?.write(stanza.toString());
  }

  /** Ends the stream politely and waits (bounded) for the socket to close. */
  async close(timeoutMs = 3000): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    this.#closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end('</stream:stream>');
    });
    return this.#closed;
  }

  destroy(): void {
    this.#socket?.destroy();
  }

  #tlsOptions(endpoint: Endpoint, where: { host: string; port: number } | { socket: Socket }) {
    // The server's certificate is the self-signed one it made on first start;
    // the target is our own loopback child, so it is not verified.
    return { ...where, servername: endpoint.domain, ALPNProtocols: ['xmpp-client'], rejectUnauthorized: false };
  }

  /** Adopts a socket (TCP, or TLS over it) and resolves when it is ready to carry XML. */
  #connect(socket: Socket, ready: 'connect' | 'secureConnect'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket = socket;
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      socket.once(ready, () => resolve());
      socket.once('close', () => reject(this.#failure ?? new Error('connection closed'))); // e.g. the login timed out
      socket.on('data', (chunk: string) => this.#parser?.write(chunk));
      socket.on('error', (err) => {
        this.#fail(err);
        reject(err);
      });
      socket.on('close', () => this.#fail(new Error('connection closed')));
    });
  }

  /** Sends a stream header with a fresh parser: the server's reply is a new XML document. */
  #openStream(domain: string): void {
    const parser = new Parser();
    parser.on('start', (el) => this.#push(el));
    parser.on('element', (el) => this.#push(el));
    parser.on('error', (err) => this.#fail(err));
    this.#parser = parser;
    this.#socket!.write(STREAM_HEADER(domain));
  }

  async #features(): Promise<Element> {
    const header = await this.#next();
    if (header.name !== 'stream:stream') throw new Error(`expected a stream header, got <${header.name}>`);
    return this.#expect('stream:features');
  }

  async #expect(name: string): Promise<Element> {
    const el = await this.#next();
    if (el.name === 'stream:error') throw new Error(`stream error: ${el.toString()}`);
    if (el.name !== name) throw new Error(`expected <${name}>, got ${el.toString().slice(0, 200)}`);
    return el;
  }

  #next(): Promise<Element> {
    if (this.#inbox.length > 0) return Promise.resolve(this.#inbox.shift()!);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #push(el: Element): void {
    if (this.#online) return this.#dispatch(el);
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve(el);
    } else {
      this.#inbox.push(el);
    }
  }

  #dispatch(el: Element): void {
    // Servers may ping idle clients (XEP-0199); a client that never answers gets dropped.
    if (el.name === 'iq' && (el.attrs.type === 'get' || el.attrs.type === 'set')) {
      const ping = el.getChild('ping', NS.PING);
      this.send(
        ping
          ? xml('iq', { type: 'result', id: el.attrs.id, to: el.attrs.from })
          : xml('iq', { type: 'error', id: el.attrs.id, to: el.attrs.from }, xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
      );
      return;
    }
    this.onStanza?.(el);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.reject(err);
    }
    if (this.#socket && !this.#socket.destroyed && err.message !== 'connection closed') this.#socket.destroy();
  }
}
