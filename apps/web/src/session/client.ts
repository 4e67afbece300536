import { client as createXmppClient, type XmppClient } from '@xmpp/client';
import { xml, type Element } from '@conexizan/protocol/xml';
import { Emitter } from './events.ts';
import type { ScramSaltedPassword } from '@conexizan/crypto/scram';
import { SCRAM_MECHANISMS, scramMechanism, type ScramCredentials } from './scram-mechanism.ts';

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

const RECONNECT_MAX_MS = 10_000;

export type ConnectionEvents = {
  status: [ConnectionStatus];
  /** a fresh session (first login or after resumption failed): roster and archive need a sync */
  session: [{ jid: string; resumed: false }];
  /** the server resumed our XEP-0198 session: nothing was lost */
  resumed: [];
  stanza: [Element];
  /** the server acknowledged (XEP-0198) an outgoing stanza */
  acked: [Element];
  /** an outgoing stanza was not acknowledged before the session ended */
  unacked: [Element];
  /** the server refused our credentials on a reconnection */
  /** the server refused our credentials for good; `suspended`: the operators suspended the account (with their words, if any) */
  rejected: [why: { suspended: boolean; reason: string | null }];
  /** logged in with SCRAM: the SaltedPassword to keep for "stay logged in" instead of the password */
  saltedPassword: [ScramSaltedPassword];
};

/**
 * A seam for end-to-end encryption: `outgoing` runs on every message stanza
 * we send, `incoming` on every one-to-one message before it is parsed, after
 * carbons and archive results are unwrapped (so it always sees the message
 * as its sender built it). An OMEMO layer (packages/crypto) registers one;
 * by default there is none. An incoming transform that cannot decrypt
 * should return a stanza whose body says so rather than throw.
 */
export interface StanzaTransform {
  outgoing?(stanza: Element): Promise<Element> | Element;
  /** `stamp`: when the message was sent, from a carbon's or archive result's <delay/> around it */
  incoming?(stanza: Element, context?: { stamp?: Date }): Promise<Element> | Element;
}

export interface LoginOptions {
  service: string;
  domain: string;
  username: string;
  /** the password, while the user has just typed it (kept in memory only) */
  password?: string;
  /** a SaltedPassword saved by "stay logged in", used instead of a password */
  saltedPassword?: ScramSaltedPassword | null;
  resource?: string;
  /** runs on the unauthenticated stream before SASL: used for in-band registration */
  beforeAuth?: (xmpp: XmppClient) => Promise<void>;
}

export class AuthError extends Error {
  override name = 'AuthError';
}

/**
 * The operators suspended the account (RFC 6120 §6.5.1 account-disabled):
 * `reason` is what they chose to tell, or null.
 */
export class AccountSuspendedError extends AuthError {
  override name = 'AccountSuspendedError';
  constructor(readonly reason: string | null) {
    super('account-disabled');
  }
}

/** Our error for what the server's SASL failure says, or null when it is not a refusal of the account. */
function refusal(error: unknown): AuthError | null {
  if (error instanceof AuthError) return error;
  const { condition, text } = (error ?? {}) as { condition?: string; text?: string };
  if (condition === 'not-authorized') return new AuthError('not-authorized');
  // The server says "This account is suspended: <reason>" when the operators let it tell why.
  if (condition === 'account-disabled') return new AccountSuspendedError(/:\s*(.+)$/s.exec(text ?? '')?.[1]?.trim() ?? null);
  return null;
}

/** Which SASL mechanism to use: SCRAM first; PLAIN only inside TLS. */
export function chooseMechanism(offered: string[], secure: boolean, saved?: ScramSaltedPassword | null): string | null {
  // With only a saved SaltedPassword, the mechanism it was made for is the one that can work.
  if (saved) return offered.includes(`SCRAM-${saved.hash}`) ? `SCRAM-${saved.hash}` : null;
  for (const name of SCRAM_MECHANISMS) if (offered.includes(name)) return name;
  if (secure && offered.includes('PLAIN')) return 'PLAIN';
  return null;
}

/** One XMPP connection over WebSocket, with reconnection and stream-management resumption. */
export class Connection extends Emitter<ConnectionEvents> {
  #xmpp: XmppClient | null = null;
  #status: ConnectionStatus = 'offline';
  #transforms: StanzaTransform[] = [];
  #saltedPassword: ScramSaltedPassword | null = null;
  #password: string | undefined;
  #failures = 0;
  #iqHandlers: { type: 'get' | 'set'; ns: string; name: string; handler: (stanza: Element) => unknown }[] = [];
  jid = '';
  /** the WebSocket endpoint of the last login */
  service = '';

  get status(): ConnectionStatus {
    return this.#status;
  }

  addTransform(transform: StanzaTransform): void {
    this.#transforms.push(transform);
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === 'online') this.#failures = 0;
    if (status === this.#status) return;
    this.#status = status;
    this.emit('status', status);
  }

  /** The SaltedPassword of the last accepted login (SCRAM only), for "stay logged in" and for checking a typed password. */
  get saltedPassword(): ScramSaltedPassword | null {
    return this.#saltedPassword;
  }

  /** The password was changed on this connection: reconnections use the new one (the old SaltedPassword is void). */
  useNewPassword(password: string): void {
    this.#password = password;
    this.#saltedPassword = null;
  }

  /** Connects and authenticates; rejects with AuthError on wrong credentials, another Error when unreachable. */
  async login(options: LoginOptions): Promise<string> {
    this.#password = undefined;
    this.service = options.service;
    let beforeAuth = options.beforeAuth;
    const xmpp = createXmppClient({
      service: options.service,
      domain: options.domain,
      resource: options.resource,
      credentials: async (authenticate, mechanisms) => {
        // Only on the first stream: a reconnection must not register again.
        const before = beforeAuth;
        beforeAuth = undefined;
        if (before) await before(xmpp);
        const password = this.#password ?? options.password;
        const saved = password === undefined ? (this.#saltedPassword ?? options.saltedPassword ?? null) : null;
        const mechanism = chooseMechanism(mechanisms, xmpp.isSecure(), saved);
        if (!mechanism) throw new AuthError(saved ? 'not-authorized' : 'the server offers no mechanism we can use safely');
        let candidate: ScramSaltedPassword | null = null;
        const credentials: ScramCredentials = {
          username: options.username,
          ...(password !== undefined ? { password } : {}),
          saltedPassword: saved,
          onSaltedPassword: (salted) => (candidate = salted),
        };
        try {
          await authenticate(credentials, mechanism);
          // Kept only once the server accepted it: a mistyped password must not be remembered.
          if (candidate) {
            this.#saltedPassword = candidate;
            this.emit('saltedPassword', candidate);
          }
        } catch (error) {
          throw refusal(error) ?? error;
        }
      },
    });
    for (const hash of ['SHA-256', 'SHA-1'] as const) xmpp.saslFactory.use(`SCRAM-${hash}`, scramMechanism(hash));
    // Notice a dead connection within ~40 s rather than the library's 90 s.
    xmpp.streamManagement.requestAckInterval = 20_000;
    xmpp.streamManagement.timeout = 20_000;
    this.#xmpp = xmpp;
    this.#wire(xmpp);
    this.#setStatus('connecting');
    try {
      await xmpp.start();
    } catch (error) {
      this.#xmpp = null;
      xmpp.reconnect.stop();
      await xmpp.stop().catch(() => {});
      this.#setStatus('offline');
      throw refusal(error) ?? error;
    }
    return this.jid;
  }

  #wire(xmpp: XmppClient): void {
    for (const h of this.#iqHandlers) xmpp.iqCallee[h.type](h.ns, h.name, ({ stanza }) => h.handler(stanza));
    xmpp.on('error', (error: { condition?: string }) => {
      // Most errors surface through start() or as a disconnect that the reconnect module retries.
      // A refused password while reconnecting (changed or account deleted elsewhere) will not get better.
      const refused = refusal(error);
      if (refused && this.jid && xmpp === this.#xmpp) {
        this.emit('rejected', { suspended: refused instanceof AccountSuspendedError, reason: refused instanceof AccountSuspendedError ? refused.reason : null });
      }
    });
    xmpp.on('status', (status: string) => {
      if (xmpp !== this.#xmpp) return;
      if (status === 'online') this.#setStatus('online');
      else if (status === 'disconnect') {
        this.#setStatus('offline');
        // Back off while the server stays away (1 s, 2 s, 4 s … 10 s, with jitter) so that
        // many clients do not hammer a restarting server in step.
        xmpp.reconnect.delay = Math.min(RECONNECT_MAX_MS, 1000 * 2 ** this.#failures++) + Math.floor(Math.random() * 500);
      } else if (status === 'offline') this.#setStatus('offline');
      else if (status === 'connecting' || status === 'opening') this.#setStatus('connecting');
    });
    xmpp.on('online', (jid: { toString(): string }) => {
      this.jid = jid.toString();
      this.emit('session', { jid: this.jid, resumed: false });
    });
    xmpp.streamManagement.on('resumed', () => {
      this.#setStatus('online');
      this.emit('resumed');
    });
    xmpp.streamManagement.on('ack', (stanza: Element) => this.emit('acked', stanza));
    xmpp.streamManagement.on('fail', (stanza: Element) => this.emit('unacked', stanza));
    xmpp.on('stanza', (stanza: Element) => this.emit('stanza', stanza));
  }

  /** Runs the incoming transforms on one (unwrapped) message; a failing transform leaves the stanza as it was. */
  async transformIncoming(message: Element, context: { stamp?: Date } = {}): Promise<Element> {
    let current = message;
    for (const t of this.#transforms) {
      if (!t.incoming) continue;
      try {
        current = await t.incoming(current, context);
      } catch (error) {
        console.warn('an incoming message transform failed', (error as Error).message);
      }
    }
    return current;
  }

  /** Sends a stanza (messages pass through the transforms). Queued by the library while reconnecting. */
  async send(stanza: Element): Promise<void> {
    const xmpp = this.#requireClient();
    let current = stanza;
    if (current.name === 'message') {
      for (const t of this.#transforms) if (t.outgoing) current = await t.outgoing(current);
    }
    await xmpp.send(current);
  }

  /** Sends an IQ and returns the whole result stanza; an error reply rejects (with .condition and .text). */
  async iq(type: 'get' | 'set', payload: Element, to?: string, timeoutMs = 30_000): Promise<Element> {
    const xmpp = this.#requireClient();
    return xmpp.iqCaller.request(xml('iq', to ? { type, to } : { type }, payload), timeoutMs);
  }

  /** Answers IQ gets (for example XEP-0199 ping is built in; disco#info here). */
  /** Registered before connecting, so that no request arrives before its handler (applied to every new client). */
  onIqGet(ns: string, name: string, handler: (stanza: Element) => Element | Promise<Element>): void {
    this.#iqHandlers.push({ type: 'get', ns, name, handler });
    this.#xmpp?.iqCallee.get(ns, name, ({ stanza }) => handler(stanza));
  }

  onIqSet(ns: string, name: string, handler: (stanza: Element) => Element | Promise<Element> | Record<string, never>): void {
    this.#iqHandlers.push({ type: 'set', ns, name, handler });
    this.#xmpp?.iqCallee.set(ns, name, ({ stanza }) => handler(stanza));
  }

  /**
   * The browser says the network is gone: drop the socket now instead of
   * waiting for acks to time out, so the UI says "offline" at once and the
   * library's reconnection resumes the XEP-0198 session when it returns.
   */
  networkLost(): void {
    const xmpp = this.#xmpp;
    if (!xmpp) return;
    this.#setStatus('offline');
    try {
      (xmpp as unknown as { socket?: { end(): void } }).socket?.end();
    } catch {
      // already closed
    }
  }

  /** The browser says the network is back: try now rather than at the end of the back-off. */
  networkBack(): void {
    const xmpp = this.#xmpp;
    this.#failures = 0;
    if (xmpp?.status === 'disconnect') void (xmpp.reconnect as unknown as { reconnect(): Promise<void> }).reconnect().catch(() => {});
  }

  /** Ends the session cleanly (no reconnection). */
  async logout(): Promise<void> {
    const xmpp = this.#xmpp;
    this.#xmpp = null;
    if (!xmpp) return;
    xmpp.reconnect.stop();
    await Promise.race([xmpp.stop().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
    this.#setStatus('offline');
  }

  #requireClient(): XmppClient {
    if (!this.#xmpp) throw new Error('not connected');
    return this.#xmpp;
  }
}
