import { base64Decode, base64Encode, ScramClientSession, type ScramHash } from '@conexizan/crypto';
import { NS, xml, type Element } from '@conexizan/protocol';
import type { Account, Endpoint } from '../targets/target.ts';
import { TcpLink, WebSocketLink, type Link } from './link.ts';

/**
 * 'direct-tls': TLS from the first byte (XEP-0368); 'starttls': plain TCP
 * upgraded with STARTTLS (RFC 6120 §5); 'websocket': wss with RFC 7395 framing.
 */
export type Transport = 'direct-tls' | 'starttls' | 'websocket';
export const TRANSPORTS: readonly Transport[] = ['direct-tls', 'starttls', 'websocket'];

export interface LoginSettings {
  transport: Transport;
  scramHash: ScramHash;
  timeoutMs: number;
  /** source address for this client's connection */
  localAddress?: string | undefined;
  /** a TLS session of an earlier connection, offered for resumption */
  tlsSession?: Buffer | null | undefined;
}

/**
 * A deliberately small XMPP client for load generation: TLS, SCRAM, resource
 * binding, roster fetch and initial presence, then raw stanzas. Everything it
 * does is what a real client does on login, in the same order and round trips.
 */
export class XmppClient {
  readonly account: Account;
  /** full JID after binding */
  jid = '';
  /** bare JID (user@domain), what other users address */
  bareJid = '';
  /** roster items the server returned at login */
  rosterSize = 0;
  /** the PBKDF2 iteration count the server asked for (i= in SCRAM), to show the servers were set up alike */
  scramIterations = 0;
  /** called for every stanza once logged in */
  onStanza: ((stanza: Element) => void) | null = null;

  #link: Link | null = null;
  /** WebSocket framing: one element per message */
  #framed = false;
  #inbox: Element[] = [];
  #waiter: { resolve: (el: Element) => void; reject: (err: Error) => void } | null = null;
  #failure: Error | null = null;
  /** logged in: stanzas go to onStanza instead of the login sequence */
  #online = false;

  constructor(account: Account) {
    this.account = account;
  }

  get connected(): boolean {
    return this.#link !== null && !this.#link.closed;
  }

  /** Connect, TLS, SASL, bind, roster, initial presence; resolves when the server echoes that presence (RFC 6121 §4.2.2). */
  async login(endpoint: Endpoint, settings: LoginSettings): Promise<void> {
    const timer = setTimeout(() => this.#fail(new Error(`login timed out after ${settings.timeoutMs} ms`)), settings.timeoutMs);
    const events = { element: (el: Element) => this.#push(el), failure: (err: Error) => this.#fail(err) };
    const { domain } = endpoint;
    try {
      let features: Element;
      if (settings.transport === 'websocket') {
        this.#framed = true;
        this.#link = await WebSocketLink.connect(endpoint.websocketUrl, domain, settings.localAddress, events, settings.tlsSession);
        features = await this.#openStream(domain);
      } else if (settings.transport === 'direct-tls') {
        this.#link = await TcpLink.connect({ host: endpoint.host, port: endpoint.directTlsPort, domain, localAddress: settings.localAddress, tlsSession: settings.tlsSession }, true, events);
        features = await this.#openStream(domain);
      } else {
        const link = await TcpLink.connect({ host: endpoint.host, port: endpoint.starttlsPort, domain, localAddress: settings.localAddress, tlsSession: settings.tlsSession }, false, events);
        this.#link = link;
        features = await this.#openStream(domain);
        if (!features.getChild('starttls', NS.TLS)) throw new Error('STARTTLS not offered');
        this.send(xml('starttls', { xmlns: NS.TLS }));
        await this.#expect('proceed');
        await link.startTls(domain);
        features = await this.#openStream(domain);
      }
      const mechanism = `SCRAM-${settings.scramHash}`;
      const mechanisms = features.getChild('mechanisms', NS.SASL)?.getChildren('mechanism').map((m) => m.getText()) ?? [];
      if (!mechanisms.includes(mechanism)) throw new Error(`${mechanism} not offered (${mechanisms.join(', ')})`);

      const scram = new ScramClientSession({ hash: settings.scramHash, username: this.account.username, password: this.account.password });
      this.send(xml('auth', { xmlns: NS.SASL, mechanism }, base64Encode(scram.first())));
      const challenge = base64Decode((await this.#expect('challenge')).getText());
      this.scramIterations = Number(/(?:^|,)i=(\d+)/.exec(new TextDecoder().decode(challenge))?.[1] ?? 0);
      this.send(xml('response', { xmlns: NS.SASL }, base64Encode(await scram.final(challenge))));
      const success = await this.#expect('success');
      await scram.verify(base64Decode(success.getText()));

      features = await this.#openStream(domain); // RFC 6120 §6.4.6: a new stream after SASL
      if (!features.getChild('bind', NS.BIND)) throw new Error('no resource binding offered');
      this.send(xml('iq', { type: 'set', id: 'bind' }, xml('bind', { xmlns: NS.BIND }, xml('resource', {}, 'bench'))));
      const bound = await this.#expect('iq');
      if (bound.attrs.type !== 'result') throw new Error(`bind failed: ${bound.toString()}`);
      this.jid = bound.getChild('bind', NS.BIND)?.getChildText('jid') ?? '';
      this.bareJid = this.jid.split('/')[0]!;

      // A chat client asks for its roster before it goes online (RFC 6121 §2.1.3), so
      // that the presence it then receives from its contacts has somewhere to go.
      this.send(xml('iq', { type: 'get', id: 'roster' }, xml('query', { xmlns: NS.ROSTER })));
      for (;;) {
        const el = await this.#next();
        if (el.name !== 'iq' || el.attrs.id !== 'roster') continue;
        if (el.attrs.type !== 'result') throw new Error(`roster get failed: ${el.toString().slice(0, 200)}`);
        this.rosterSize = el.getChild('query', NS.ROSTER)?.getChildren('item').length ?? 0;
        break;
      }

      this.send(xml('presence'));
      // Our own presence coming back means the server has the session fully available.
      for (;;) {
        const el = await this.#next();
        if (el.name === 'presence' && el.attrs.from === this.jid && el.attrs.type === undefined) break;
      }
      // From here on stanzas go to onStanza; any that raced ahead are handed over too.
      this.#online = true;
      for (const el of this.#inbox.splice(0)) this.#dispatch(el);
    } finally {
      clearTimeout(timer);
    }
  }

  send(stanza: Element): void {
    // RFC 7395 §3.3.3: over WebSocket each stanza is a document of its own and names its namespace.
    if (this.#framed && ['message', 'presence', 'iq'].includes(stanza.name)) stanza.attrs.xmlns ??= NS.CLIENT;
    this.#link?.write(stanza.toString());
  }

  sendRaw(text: string): void {
    this.#link?.write(text);
  }

  /** Ends the stream politely and waits (bounded) for the connection to close. */
  close(timeoutMs = 3000): Promise<void> {
    return this.#link?.close(timeoutMs) ?? Promise.resolve();
  }

  destroy(): void {
    this.#link?.destroy();
  }

  /** Cuts the connection as a network outage would, without closing the stream. */
  drop(): void {
    this.#link?.drop();
  }

  /** the TLS session to offer when this user reconnects */
  get tlsSession(): Buffer | null {
    return this.#link?.tlsSession ?? null;
  }

  /** whether this connection resumed an earlier TLS session */
  get tlsResumed(): boolean {
    return this.#link?.tlsResumed ?? false;
  }

  /** Sends a stream header and returns the features of the stream the server opens in reply. */
  async #openStream(domain: string): Promise<Element> {
    this.#link!.open(domain);
    const header = await this.#next();
    if (header.name !== 'stream:stream' && header.name !== 'open') throw new Error(`expected a stream header, got <${header.name}>`);
    return this.#expect('features');
  }

  /** Next element, which must have this local name (a 'stream:' prefix is ignored). */
  async #expect(name: string): Promise<Element> {
    const el = await this.#next();
    const local = el.name.replace(/^stream:/, '');
    if (local === 'error') throw new Error(`stream error: ${el.toString().slice(0, 300)}`);
    if (el.name === 'failure') throw new Error(`SASL failure: ${el.toString().slice(0, 300)}`);
    if (local !== name) throw new Error(`expected <${name}>, got ${el.toString().slice(0, 200)}`);
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
    if (err.message !== 'connection closed') this.#link?.destroy();
  }
}
