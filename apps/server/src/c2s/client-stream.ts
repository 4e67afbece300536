import { randomBytes } from 'node:crypto';
import {
  errorReply, NS, parseJid, parseXml, prepResourcepart, saslFailure, streamErrorElement, streamHeaderProblem, tryParseJid, xml,
  type Element, type Jid, type StreamErrorCondition,
} from '@conexizan/protocol';
import { suspensionNotice } from '../accounts/account-service.ts';
import type { ServerCore } from '../core/core.ts';
import type { PreAuthStanzaEvent } from '../core/events.ts';
import type { AuthenticatedStream, LocalSession, SessionSnapshot, SessionState } from '../core/sessions.ts';
import type { ClientConnection, ConnectionEvents } from './connection.ts';
import type { PendingSlot } from './connection-limiter.ts';
import type { LoginAttempt, LoginThrottle } from './login-throttle.ts';
import { ByteRate } from '../transport/byte-rate.ts';
import { SaslNegotiation } from './sasl.ts';

/**
 * One client stream from the first byte to the end (RFC 6120 §4–7):
 * stream header, STARTTLS, SASL, resource binding, then stanzas into the
 * router. Everything feature-specific after binding lives in modules.
 */
type Stage = 'header' | 'tls' | 'auth' | 'bind' | 'bound' | 'hibernating' | 'closed';

const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

export class ClientStream implements LocalSession, AuthenticatedStream {
  #id = randomBytes(9).toString('base64url');
  readonly #core: ServerCore;
  #connection: ClientConnection | null = null;
  readonly #throttle: LoginThrottle;
  readonly sourceKey: string;
  #stage: Stage = 'header';
  /** until authenticated: then what it held (the SCRAM exchange) is let go */
  #sasl: SaslNegotiation | null;
  /** the SASL exchange under way, as the login throttle counts it */
  #attempt: LoginAttempt | null = null;
  #username: string | null = null;
  #jid: Jid | null = null;
  #timer: NodeJS.Timeout | null;
  #lang = 'en';
  #queue: Promise<void> = Promise.resolve();
  readonly #rate: ByteRate;
  #bytesCounted = 0;
  /** stanzas received from the client and handled, for stream management's 'h' */
  stanzasReceived = 0;
  /** made when a pre-authentication handler first needs it, let go once authenticated */
  #preAuthState: Map<string, unknown> | null = null;

  /** settles when the session has ended and every module has done its part (presence, archive…) */
  readonly ended: Promise<void>;
  #resolveEnded!: () => void;
  /** settles when the connection underneath has closed (after any TLS upgrade) */
  readonly transportClosed: Promise<void>;
  #resolveTransportClosed!: () => void;

  available = false;
  priority = 0;
  presence: Element | null = null;
  interested = false;
  flags: ReadonlySet<string> = new Set();

  readonly #pendingSlot: PendingSlot | null;

  /** `pendingSlot`: the connection's place among its address's unauthenticated ones, given up at login */
  constructor(core: ServerCore, connection: ClientConnection, options: { throttle: LoginThrottle; sourceAddress: string | undefined; pendingSlot?: PendingSlot }) {
    this.#core = core;
    this.transportClosed = new Promise((resolve) => (this.#resolveTransportClosed = resolve));
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#throttle = options.throttle;
    this.#pendingSlot = options.pendingSlot ?? null;
    this.sourceKey = options.throttle.sourceKey(options.sourceAddress);
    this.#sasl = new SaslNegotiation(core.accounts, connection, core.domain);
    this.#rate = new ByteRate(core.config.limits.bytes_per_second, core.config.limits.bytes_per_second + 2 * core.config.limits.max_stanza_bytes);
    this.#timer = setTimeout(() => this.closeWithError('connection-timeout', 'authentication took too long'), core.config.limits.unauthenticated_seconds * 1000);
    this.#timer.unref();
    connection.limitUnauthenticatedBytes(core.config.limits.unauthenticated_bytes);
    this.#attach(connection);
  }

  #attach(connection: ClientConnection): void {
    this.#connection = connection;
    connection.owner = this;
    this.#core.metrics.connections.inc({ transport: connection.transport });
    connection.setEvents(new ClientStream.#ConnectionEvents(this, connection));
  }

  /**
   * What its connection reports, for the stream that owns it: one small
   * object per connection with its methods shared, rather than a closure
   * per event and stream (each held for the session's lifetime).
   */
  static readonly #ConnectionEvents = class implements ConnectionEvents {
    constructor(
      readonly stream: ClientStream,
      readonly connection: ClientConnection,
    ) {}

    streamStart(attrs: Record<string, string>, name: string): void {
      const stream = this.stream;
      stream.#enqueue(() => stream.#onStreamStart(attrs, name));
    }

    element(element: Element): void {
      const { stream, connection } = this;
      // Before authentication each element is answered before the next is parsed: a stream
      // restart pipelined behind <auth/> belongs to the stream after the outcome (tsung sends it
      // so), and plaintext behind <starttls/> is dropped, never parsed.
      const hold = stream.#username === null;
      if (hold) connection.holdInput();
      stream.#enqueue(async () => {
        try {
          await stream.#onElement(element);
        } finally {
          if (hold) connection.releaseInput();
        }
      });
    }

    streamEnd(): void {
      const stream = this.stream;
      stream.#enqueue(async () => stream.close());
    }

    error(condition: string, text: string): void {
      this.stream.closeWithError(condition as StreamErrorCondition, text);
    }

    closed(): void {
      const { stream, connection } = this;
      stream.#core.metrics.connections.dec({ transport: connection.transport });
      if (connection !== stream.#connection) return; // handed over to a resumed session
      stream.#resolveTransportClosed();
      void stream.#onTransportLost();
    }
  };

  /** the session's id; a session another node handed over keeps the one it had there */
  get id(): string {
    return this.#id;
  }

  get jid(): Jid {
    if (!this.#jid) throw new Error('stream is not bound');
    return this.#jid;
  }

  get bound(): boolean {
    return this.#stage === 'bound';
  }

  /** The connection, which exists whenever the stream is handling input. */
  get #conn(): ClientConnection {
    if (!this.#connection) throw new Error('stream has no connection');
    return this.#connection;
  }

  get transport(): string {
    return this.#connection?.transport ?? 'none';
  }

  /** the authenticated account (before and after binding) */
  get username(): string | null {
    return this.#username;
  }

  get hibernating(): boolean {
    return this.#stage === 'hibernating';
  }

  /** A stanza for this client: through the outbound filters (CSI, stream management…) to the socket. */
  send(stanza: Element): void {
    if (this.#stage === 'closed') return;
    if (this.#stage !== 'bound' && this.#stage !== 'hibernating') return this.#connection?.send(stanza);
    this.#core.outbound.run(stanza, this, (out) => this.writeElement(out));
  }

  /** Writes to the socket directly: stream-level elements (SM acks) and what filters release. Nothing while hibernating. */
  writeElement(element: Element): void {
    if (this.#stage === 'closed' || this.#stage === 'hibernating') return;
    this.#connection?.send(element);
  }

  update(state: Partial<SessionState>): void {
    Object.assign(this, state);
    if (this.#stage === 'bound' || this.#stage === 'hibernating') this.#core.sessions.changed(this);
  }

  closeWithError(condition: StreamErrorCondition, text?: string, seeOtherHost?: string): void {
    if (this.#stage === 'closed') return;
    this.#core.log.debug({ stream: this.id, condition }, 'closing stream with error');
    this.#connection?.close(streamErrorElement(condition, text, seeOtherHost));
    void this.#onClosed();
  }

  close(): void {
    if (this.#stage === 'closed') return;
    this.#connection?.close();
    void this.#onClosed();
  }

  /** Ends a hibernating session for good (its resumption window is over). */
  end(): Promise<void> {
    return this.#onClosed();
  }

  /**
   * Stream management resumption: this session continues on the connection
   * of `stream` (authenticated, not yet bound), which ends without touching
   * the socket. A connection this session still had (the client resumed
   * before we noticed it was dead) is closed with a conflict.
   */
  resumeOn(stream: AuthenticatedStream): void {
    if (!(stream instanceof ClientStream)) throw new Error('a session resumes only on a client stream of this process');
    this.#suspend();
    const connection = stream.#handOverConnection();
    this.#attach(connection);
    this.#bytesCounted = connection.bytesReceived;
    this.#stage = 'bound';
  }

  /**
   * Binds this stream (authenticated, not bound) to a session another node
   * handed over: its id, full JID and state, registered here in its place.
   */
  async adopt(moved: SessionSnapshot): Promise<LocalSession> {
    if (this.#stage !== 'bind') throw new Error('only a stream waiting to bind can take over a session');
    const jid = parseJid(moved.jid);
    if (jid.local !== this.#username || jid.domain !== this.#core.domain) throw new Error('a session moves only to a stream of its own account');
    this.#id = moved.id;
    this.#jid = jid;
    this.available = moved.available;
    this.priority = moved.priority;
    this.presence = moved.presence === null ? null : parseXml(moved.presence);
    this.interested = moved.interested;
    this.flags = new Set(moved.flags);
    this.#stage = 'bound';
    // The previous entry is the session on the node it left: that node let go of it already.
    await this.#core.sessions.add(this);
    this.#core.metrics.sessions.set(this.#core.sessions.count());
    return this;
  }

  /** The session went on on another node: let go of here without ending it (no session/closed). */
  handOver(): void {
    if (this.#stage !== 'bound' && this.#stage !== 'hibernating') return;
    const connection = this.#connection;
    this.#connection = null;
    this.#stage = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    if (connection) {
      connection.owner = null;
      connection.close(streamErrorElement('conflict', 'the session was resumed on another connection'));
    }
    this.#core.sessions.handedOver(this);
    this.#core.metrics.sessions.set(this.#core.sessions.count());
    this.#resolveEnded();
  }

  #handOverConnection(): ClientConnection {
    const connection = this.#connection!;
    this.#connection = null;
    this.#stage = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    this.#core.metrics.connections.dec({ transport: connection.transport });
    return connection;
  }

  #suspend(): void {
    if (this.#stage !== 'bound' || !this.#connection) return;
    const connection = this.#connection;
    this.#connection = null;
    this.#stage = 'hibernating';
    connection.owner = null;
    connection.close(streamErrorElement('conflict', 'the session was resumed on another connection'));
  }

  /** Elements are handled one at a time, in order, even when a handler awaits storage. */
  #enqueue(task: () => Promise<void> | void): void {
    this.#queue = this.#queue.then(task).catch((error) => {
      this.#core.metrics.errors.inc({ where: 'c2s' });
      this.#core.log.error({ err: error, stream: this.id }, 'internal error on a client stream');
      this.closeWithError('internal-server-error');
    });
  }

  #onStreamStart(attrs: Record<string, string>, name: string): void {
    if (this.#stage === 'closed') return;
    const domain = this.#core.domain;
    this.#lang = sanitizeLang(attrs['xml:lang']);
    const header = { id: randomBytes(12).toString('base64url'), from: domain, to: undefined, lang: this.#lang };
    const refusal = this.#checkHeader(attrs, name);
    if (refusal) {
      // The stream error lives in a stream of our own (RFC 6120 §4.9.1.1).
      this.#conn.openStream(header);
      return this.closeWithError(...refusal);
    }
    this.#conn.openStream(header, this.#features());
  }

  #checkHeader(attrs: Record<string, string>, name: string): [StreamErrorCondition, string] | null {
    const ws = this.#conn.transport === 'ws' || this.#conn.transport === 'wss';
    // RFC 7395: over WebSocket the header is an <open/> element, checked by the framing.
    const problem = ws ? null : streamHeaderProblem(name, attrs, NS.CLIENT);
    if (problem) return [problem.condition, problem.text];
    if (!/^1\.\d+$/.test(attrs.version ?? '')) return ['unsupported-version', 'XMPP 1.0 is required'];
    const to = tryParseJid(attrs.to);
    if (!to || to.toString() !== this.#core.domain) return ['host-unknown', `this server hosts ${this.#core.domain}`];
    return null;
  }

  #features(): Element {
    const features: Element[] = [];
    const secure = this.#conn.secure;
    if (this.#stage === 'header' || this.#stage === 'tls' || this.#stage === 'auth') {
      if (this.#conn.canStartTls) {
        // TLS is mandatory: offer nothing else until it is up.
        features.push(xml('starttls', { xmlns: NS.TLS }, xml('required')));
        this.#stage = 'tls';
      } else {
        features.push(...this.#sasl!.features());
        features.push(...this.#core.features.streamFeatures({ stage: 'pre-auth', secure, authenticated: false }));
        this.#stage = 'auth';
      }
    } else {
      features.push(xml('bind', { xmlns: NS.BIND }), xml('session', { xmlns: NS.SESSION }, xml('optional')));
      features.push(...this.#core.features.streamFeatures({ stage: 'post-auth', secure, authenticated: true }));
    }
    return xml('stream:features', {}, ...features);
  }

  async #onElement(element: Element): Promise<void> {
    if (this.#stage === 'closed') return;
    const ns = element.getNS() ?? "";
    switch (this.#stage) {
      case 'header':
        return this.closeWithError('not-authorized', 'the stream has not started');
      case 'tls':
        if (element.is('starttls', NS.TLS)) return this.#startTls();
        return this.closeWithError('policy-violation', 'STARTTLS is required first');
      case 'auth':
        if (ns === NS.SASL) return this.#onSasl(element);
        if (element.is('starttls', NS.TLS)) {
          this.#conn.send(xml('failure', { xmlns: NS.TLS }));
          return this.close();
        }
        if (element.name === 'iq' && ns === NS.CLIENT) return this.#onPreAuthIq(element);
        return this.closeWithError('not-authorized', 'authenticate first');
      case 'bind':
        if (element.name === 'iq' && ns === NS.CLIENT && element.getChild('bind', NS.BIND)) return this.#onBind(element);
        if (element.name === 'iq' && ns === NS.CLIENT) {
          this.send(errorReply(element, 'not-authorized', { type: 'auth', text: 'bind a resource first' }));
          return;
        }
        if ((await this.#core.hooks.fire('c2s/pre-bind-element', { element, stream: this })) !== undefined) return;
        return this.closeWithError('not-authorized', 'bind a resource first');
      case 'bound':
        return this.#onBoundElement(element, ns);
    }
  }

  async #startTls(): Promise<void> {
    this.#conn.send(xml('proceed', { xmlns: NS.TLS }));
    try {
      await this.#conn.startTls();
      this.#stage = 'header';
    } catch {
      this.close();
    }
  }

  async #onPreAuthIq(element: Element): Promise<void> {
    const event: PreAuthStanzaEvent = { stanza: element, stream: { secure: this.#conn.secure, sourceKey: this.sourceKey, lang: this.#lang, state: (this.#preAuthState ??= new Map()), send: (el) => this.send(el) } };
    const handled = await this.#core.hooks.fire('c2s/pre-auth-iq', event);
    if (handled === undefined) this.send(errorReply(element, 'not-authorized', { type: 'auth', text: 'authenticate first' }));
  }

  async #onSasl(element: Element): Promise<void> {
    const sasl = this.#sasl;
    if (!sasl) return; // authenticated already: the stage is past SASL
    if (element.name === 'auth' && !this.#attempt && !sasl.inProgress) {
      this.#attempt = await this.#throttle.begin(this.sourceKey);
      if (!this.#attempt) {
        this.#core.metrics.logins.inc({ result: 'throttled' });
        this.#conn.send(saslFailure('temporary-auth-failure', 'too many logins at once from your address'));
        return;
      }
    }
    const attempt = this.#attempt;
    const step = await sasl.handle(element, (username) => (attempt ? attempt.admit(username) : Promise.resolve(null)));
    if (step.kind === 'challenge') {
      this.#conn.send(step.element);
      return;
    }
    this.#attempt = null;
    // Only a tested password counts as a failed login (not a channel-binding refusal, see login-throttle.ts).
    await attempt?.finish(step.kind === 'success' ? 'success' : step.passwordChecked ? 'failure' : 'not-checked');
    // RFC 6120 §6.5.1 account-disabled: the password was right, but the operators suspended the account.
    const suspension = step.kind === 'success' ? await this.#core.accounts.suspension(step.username) : null;
    if (this.#stage === 'closed') return;
    if (step.kind === 'failure') {
      this.#core.metrics.logins.inc({ result: step.element.getChild('temporary-auth-failure') ? 'throttled' : 'failure' });
      this.#conn.send(step.element);
      return;
    }
    if (suspension) {
      this.#core.metrics.logins.inc({ result: 'suspended' });
      this.#conn.send(saslFailure('account-disabled', suspensionNotice(suspension)));
      return;
    }
    this.#core.metrics.logins.inc({ result: 'success' });
    this.#sasl = null;
    this.#preAuthState = null;
    this.#username = step.username;
    this.#conn.limitUnauthenticatedBytes(null);
    this.#pendingSlot?.release();
    this.#conn.send(step.element);
    this.#stage = 'bind';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#conn.restartStream();
  }

  async #onBind(iq: Element): Promise<void> {
    if (iq.attrs.type !== 'set') return this.send(errorReply(iq, 'bad-request', { type: 'modify' }));
    const requested = iq.getChild('bind', NS.BIND)!.getChildText('resource');
    let resource: string;
    try {
      resource = requested ? prepResourcepart(requested) : `cnx-${randomBytes(6).toString('base64url')}`;
    } catch {
      return this.send(errorReply(iq, 'bad-request', { type: 'modify', text: 'that resource is not allowed' }));
    }
    const jid = parseJid(`${this.#username}@${this.#core.domain}/${resource}`);
    const others = (await this.#core.sessions.resourcesOf(jid.bare())).filter((s) => !s.jid.equals(jid));
    if (others.length >= this.#core.config.limits.resources_per_account) {
      // RFC 6120 §7.6.2.1: too many connected resources.
      return this.send(errorReply(iq, 'resource-constraint', { type: 'wait', text: 'too many connected devices for this account' }));
    }
    this.#jid = jid;
    const previous = await this.#core.sessions.add(this);
    // RFC 6120 §7.7.2.2: the newer session wins; the older one (here or on another node) is told why it ends.
    if (previous && previous !== this) previous.closeWithError('conflict', 'replaced by a new connection with the same resource');
    this.#stage = 'bound';
    this.#core.metrics.sessions.set(this.#core.sessions.count());
    this.send(xml('iq', { type: 'result', id: iq.attrs.id }, xml('bind', { xmlns: NS.BIND }, xml('jid', {}, jid.toString()))));
    await this.#core.hooks.fireAll('session/bound', { session: this });
  }

  async #onBoundElement(element: Element, ns: string): Promise<void> {
    const received = this.#conn.bytesReceived;
    const wait = this.#rate.consume(received - this.#bytesCounted);
    this.#bytesCounted = received;
    if (wait > 0) this.#conn.pauseReading(wait);
    if (STANZA_NAMES.has(element.name) && ns === NS.CLIENT) {
      const from = element.attrs.from as string | undefined;
      if (from !== undefined) {
        // Another resource of the same account is overwritten, as Prosody does: Converse.js
        // resumes its session after a page reload but stamps stanzas with a new resource.
        const claimed = tryParseJid(from);
        if (!claimed || !claimed.bare().equals(this.jid.bare())) {
          return this.closeWithError('invalid-from', 'a client may only send from its own address');
        }
      }
      element.attrs.from = this.jid.toString();
      if (element.attrs.xmlns === NS.CLIENT) delete element.attrs.xmlns;
      await this.#core.router.fromClient(this, element);
      this.stanzasReceived++;
      return;
    }
    const handled = await this.#core.hooks.fire('c2s/element', { element, session: this });
    if (handled === undefined) this.closeWithError('unsupported-stanza-type', `unknown element ${element.name}`);
  }

  async #onTransportLost(): Promise<void> {
    if (this.#stage === 'bound') {
      const keep = await this.#core.hooks.fire('c2s/transport-lost', { session: this });
      if (keep === true && this.#stage === 'bound') {
        this.#stage = 'hibernating';
        this.#connection = null;
        return;
      }
    }
    await this.#onClosed();
  }

  async #onClosed(): Promise<void> {
    if (this.#stage === 'closed') return this.ended;
    const wasBound = this.#stage === 'bound' || this.#stage === 'hibernating';
    this.#stage = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    // A stream that ends in the middle of a SASL exchange tested no password.
    void this.#attempt?.finish('not-checked');
    this.#attempt = null;
    try {
      if (!wasBound) return;
      await this.#core.sessions.remove(this);
      this.#core.metrics.sessions.set(this.#core.sessions.count());
      await this.#core.hooks.fireAll('session/closed', { session: this });
    } catch (error) {
      this.#core.log.error({ err: error }, 'session/closed handler failed');
    } finally {
      this.#resolveEnded();
    }
  }
}

function sanitizeLang(lang: string | undefined): string {
  return lang && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(lang) ? lang : 'en';
}

