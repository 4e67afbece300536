import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { base64Decode, utf8Decode } from '@conexizan/crypto';
import { NS, serverStreamHeader, streamErrorElement, streamHeaderProblem, tryParseJid, xml, type Element, type StreamErrorCondition } from '@conexizan/protocol';
import type { Logger } from '../core/log.ts';
import { certificateValidFor } from './peer-certificate.ts';
import { dialbackElement, dialbackError, isQualified, type DialbackErrorCondition } from './stream-header.ts';
import { StreamAcks, type SentStanza } from './stream-acks.ts';
import { StreamSocket } from './stream-socket.ts';

/**
 * One incoming server-to-server stream (RFC 6120, receiving entity). The
 * peer must use TLS (by default), then prove each domain it wants to send
 * from: with its certificate and SASL EXTERNAL (XEP-0178), or with dialback
 * (XEP-0220), one <db:result/> per domain (piggybacking). A stanza is
 * accepted only if its `from` domain was proven on this very stream and its
 * `to` is a domain we serve; anything else ends the stream with the RFC's
 * error (invalid-from, host-unknown, improper-addressing). We also answer
 * <db:verify/> for keys we handed out ourselves (authoritative server).
 * XEP-0198 is offered once TLS is on: after <enable/> we count the stanzas
 * we routed and answer <r/>; what we send back on a bidirectional stream is
 * kept until acknowledged and handed to `unacked` if the stream dies.
 */
export interface IncomingHost {
  /** our domain or one of its services (subdomains, components) */
  serves(domain: string): boolean;
  /** the border policy (block and allow lists) */
  allows(domain: string): boolean;
  /** TLS server options: our certificate, the trusted roots for peers' certificates */
  tlsOptions: TlsOptions;
  requireEncryption: boolean;
  requireValidCertificate: boolean;
  maxStanzaBytes: number;
  /** bytes a peer may send before it has authenticated a domain */
  maxUnauthenticatedBytes: number;
  authTimeoutMs: number;
  idleMs: number;
  /** checks a key we generated (we are the authoritative server) */
  keyIsOurs(receiving: string, originating: string, streamId: string, key: string): boolean;
  /** asks the originating domain's authoritative server about a key (we are the receiving server) */
  checkKey(originating: string, receiving: string, streamId: string, key: string): Promise<string>;
  /** milliseconds to pause this peer to keep its domain within the stanza rate */
  throttle(domain: string): number;
  deliver(stanza: Element, fromDomain: string): void;
  /** offer bidirectional streams (XEP-0288) */
  bidi: boolean;
  /** the peer proved `domain` on a bidirectional stream: it may carry our stanzas to that domain */
  returnPath(stream: IncomingStream, domain: string): void;
  /** how long the peer may leave our ack request unanswered */
  ackTimeoutMs: number;
  /** stanzas we sent back on this stream that the peer never acknowledged, once, after it closed */
  unacked(stanzas: SentStanza[]): void;
  log: Logger;
}

type Stage = 'header' | 'negotiating' | 'closed';

const STANZAS = new Set(['message', 'presence', 'iq']);
const MAX_PENDING_CHECKS = 8;

export class IncomingStream {
  readonly #host: IncomingHost;
  readonly #socket: StreamSocket;
  #stage: Stage = 'header';
  #streamId = '';
  #peerDomain: string | null = null;
  #localDomain: string | null = null;
  #saslDone = false;
  /** dialback checks under way: each makes us contact another server, so a peer gets only a few at once */
  #checking = 0;
  /** XEP-0288: the peer asked to use this stream both ways */
  #bidi = false;
  /** domains the peer has proven on this stream */
  readonly authenticated = new Set<string>();
  readonly #acks: StreamAcks;
  #authTimer: NodeJS.Timeout | null;
  #idleTimer: NodeJS.Timeout | null = null;
  readonly closed: Promise<void>;

  constructor(socket: Socket, host: IncomingHost) {
    this.#host = host;
    this.#socket = new StreamSocket(
      socket,
      {
        streamStart: (attrs, name) => this.#onHeader(attrs, name),
        element: (element) => this.#onElement(element),
        streamEnd: () => this.close(),
        error: (condition, text) => this.close(condition, text),
        closed: () => this.#onClosed(),
      },
      host.maxStanzaBytes,
    );
    this.#socket.limitUnauthenticatedBytes(host.maxUnauthenticatedBytes);
    this.closed = this.#socket.closed;
    this.#acks = new StreamAcks({
      write: (element) => this.#socket.send(element),
      ackTimedOut: () => this.close('connection-timeout', 'stanzas were not acknowledged in time'),
      ackTimeoutMs: host.ackTimeoutMs,
    });
    this.#authTimer = setTimeout(() => {
      if (this.authenticated.size === 0) this.close('connection-timeout', 'authentication took too long');
    }, host.authTimeoutMs);
    this.#authTimer.unref();
    this.#scheduleIdleCheck();
  }

  /** Ends the stream with a stream error (or cleanly without a condition). */
  close(condition?: StreamErrorCondition | 'not-well-formed' | 'restricted-xml' | 'policy-violation', text?: string): void {
    if (this.#stage === 'closed') return;
    this.#stage = 'closed';
    this.#clearTimers();
    this.#socket.close(condition ? streamErrorElement(condition as StreamErrorCondition, text) : undefined, serverStreamHeader({ id: this.#streamId || newStreamId() }));
  }

  /** Closes the stream if any domain it carries is no longer allowed (after a policy reload). */
  recheckPolicy(): void {
    for (const domain of [...this.authenticated, ...(this.#peerDomain ? [this.#peerDomain] : [])]) {
      if (!this.#host.allows(domain)) return this.close('policy-violation', 'federation with this domain is not allowed');
    }
  }

  #onHeader(attrs: Record<string, string>, name: string): void {
    if (this.#stage === 'closed') return;
    this.#streamId = newStreamId();
    const header = (to?: string) => serverStreamHeader({ from: this.#localDomain ?? to, to: this.#peerDomain ?? undefined, id: this.#streamId });
    const problem = streamHeaderProblem(name, attrs, NS.SERVER);
    if (problem) return this.#refuseHeader(header(), problem.condition, problem.text);
    const to = tryParseJid(attrs.to);
    if (!to || to.local || to.resource || !this.#host.serves(to.domain)) return this.#refuseHeader(header(), 'host-unknown', 'this server does not serve that domain');
    const from = attrs.from ? tryParseJid(attrs.from) : null;
    if (attrs.from && (!from || from.local || from.resource)) return this.#refuseHeader(header(), 'invalid-from', 'the stream is not from a domain');
    if (from && !this.#host.allows(from.domain)) return this.#refuseHeader(header(), 'policy-violation', 'federation with this domain is not allowed');
    this.#localDomain ??= to.domain;
    if (from) this.#peerDomain ??= from.domain;
    this.#stage = 'negotiating';
    this.#socket.openStream(header());
    if (!/^1\.\d+$/.test(attrs.version ?? '')) {
      if (this.#host.requireEncryption) this.close('unsupported-version', 'XMPP 1.0 with TLS is required');
      return;
    }
    this.#socket.send(xml('stream:features', {}, ...this.#features()));
  }

  #refuseHeader(header: string, condition: StreamErrorCondition, text: string): void {
    this.#socket.openStream(header);
    this.close(condition, text);
  }

  #features(): Element[] {
    const tls = this.#socket.tlsSocket;
    if (!tls) return [xml('starttls', { xmlns: NS.TLS }, ...(this.#host.requireEncryption ? [xml('required')] : []))];
    const features: Element[] = [];
    if (!this.#saslDone && this.#peerDomain && certificateValidFor(tls, this.#peerDomain)) {
      features.push(xml('mechanisms', { xmlns: NS.SASL }, xml('mechanism', {}, 'EXTERNAL')));
    }
    if (!this.#host.requireValidCertificate) features.push(xml('dialback', { xmlns: NS.DIALBACK_FEATURE }, xml('errors')));
    if (this.#host.bidi && this.authenticated.size === 0) features.push(xml('bidi', { xmlns: NS.BIDI_FEATURE }));
    if (!this.#acks.enabled) features.push(xml('sm', { xmlns: NS.SM }));
    return features;
  }

  #onElement(element: Element): void {
    if (this.#stage !== 'negotiating') return;
    // The peer gives up on its stream: nothing to answer, just close ours.
    if (isQualified(element, 'error', NS.STREAM)) return this.close();
    if (element.is('starttls', NS.TLS)) return void this.#startTls();
    if (this.#host.requireEncryption && !this.#socket.secure) return this.close('policy-violation', 'use STARTTLS first');
    if (element.is('auth', NS.SASL)) return this.#onSaslExternal(element);
    if (element.is('bidi', NS.BIDI)) {
      // XEP-0288 §2: before authentication only.
      if (!this.#host.bidi || this.authenticated.size > 0) return this.close('unsupported-feature', 'bidirectional streams are asked for before authentication');
      this.#bidi = true;
      return;
    }
    if (isQualified(element, 'result', NS.DIALBACK)) return void this.#onDialbackResult(element);
    if (isQualified(element, 'verify', NS.DIALBACK)) return this.#onDialbackVerify(element);
    if (element.getNS() === NS.SM) return this.#onSmElement(element);
    if (STANZAS.has(element.name) && element.getNS() === NS.SERVER) return this.#onStanza(element);
    this.close('unsupported-stanza-type', `unknown element ${element.name}`);
  }

  async #startTls(): Promise<void> {
    if (this.#socket.secure) return this.close('policy-violation', 'TLS is already on');
    this.#socket.send(xml('proceed', { xmlns: NS.TLS }));
    try {
      await this.#socket.acceptTls(this.#host.tlsOptions);
    } catch {
      this.#socket.destroy();
    }
  }

  /** XEP-0178: the peer's certificate proves the domain it named in its stream header. */
  #onSaslExternal(auth: Element): void {
    const peer = this.#peerDomain;
    const failure = (condition: string) => this.#socket.send(xml('failure', { xmlns: NS.SASL }, xml(condition)));
    if (auth.attrs.mechanism !== 'EXTERNAL' || this.#saslDone) return failure('invalid-mechanism');
    const text = auth.text().trim();
    let authzid: string;
    try {
      authzid = text === '' || text === '=' ? '' : utf8Decode(base64Decode(text));
    } catch {
      return failure('incorrect-encoding');
    }
    if (!peer || (authzid && authzid !== peer)) return failure('invalid-authzid');
    if (!certificateValidFor(this.#socket.tlsSocket, peer)) return failure('not-authorized');
    this.#saslDone = true;
    this.#authenticate(peer);
    this.#socket.send(xml('success', { xmlns: NS.SASL }));
    this.#socket.restart();
    this.#host.log.info({ remote: peer, method: 'certificate' }, 'incoming server stream authenticated');
  }

  async #onDialbackResult(element: Element): Promise<void> {
    const originating = element.attrs.from as string | undefined;
    const receiving = element.attrs.to as string | undefined;
    const key = element.text().trim();
    if (!originating || !receiving || !key || element.attrs.type) return this.close('invalid-xml', 'a dialback request needs from, to and a key');
    const answer = { from: receiving, to: originating };
    const originJid = tryParseJid(originating);
    if (!originJid || originJid.local || originJid.resource || originJid.domain !== originating) return this.close('invalid-from', 'not a domain');
    if (!this.#host.serves(receiving)) return this.#socket.send(dialbackError('result', answer, 'item-not-found'));
    if (!this.#host.allows(originating)) return this.#socket.send(dialbackError('result', answer, 'policy-violation'));
    if (this.#host.requireValidCertificate) return this.#socket.send(dialbackError('result', answer, 'not-allowed'));
    if (this.#checking >= MAX_PENDING_CHECKS) return this.close('policy-violation', 'too many dialback requests at once');
    this.#checking++;
    const verdict = await this.#host.checkKey(originating, receiving, this.#streamId, key).finally(() => this.#checking--);
    if (this.#stage === 'closed') return;
    if (verdict === 'valid') {
      this.#socket.send(dialbackElement('result', { ...answer, type: 'valid' }));
      this.#authenticate(originating);
      this.#host.log.info({ remote: originating, method: 'dialback' }, 'incoming server stream authenticated');
    } else if (verdict === 'invalid') {
      this.#socket.send(dialbackElement('result', { ...answer, type: 'invalid' }));
    } else {
      this.#socket.send(dialbackError('result', answer, verdict as DialbackErrorCondition));
    }
  }

  /** We are the authoritative server: was this key made by us for that stream? */
  #onDialbackVerify(element: Element): void {
    const receiving = element.attrs.from as string | undefined;
    const originating = element.attrs.to as string | undefined;
    const id = element.attrs.id as string | undefined;
    if (!receiving || !originating || !id) return this.close('invalid-xml', 'a dialback verification needs from, to and id');
    const answer = { from: originating, to: receiving, id };
    if (!this.#host.serves(originating)) return this.#socket.send(dialbackError('verify', answer, 'item-not-found'));
    const valid = this.#host.keyIsOurs(receiving, originating, id, element.text());
    this.#socket.send(dialbackElement('verify', { ...answer, type: valid ? 'valid' : 'invalid' }));
    // A stream that only asks us to verify keys never authenticates; each answered question earns a fresh allowance.
    if (this.authenticated.size === 0) this.#socket.limitUnauthenticatedBytes(this.#host.maxUnauthenticatedBytes);
  }

  #onStanza(stanza: Element): void {
    const from = tryParseJid(stanza.attrs.from as string | undefined);
    const to = tryParseJid(stanza.attrs.to as string | undefined);
    if (!from || !to) return this.close('improper-addressing', 'a stanza between servers needs valid from and to');
    if (this.authenticated.size === 0) return this.close('not-authorized', 'authenticate first');
    if (!this.authenticated.has(from.domain)) return this.close('invalid-from', 'that domain was not authenticated on this stream');
    if (!this.#host.serves(to.domain)) return this.close('host-unknown', 'this server does not serve that domain');
    if (!this.#host.allows(from.domain)) return this.close('policy-violation', 'federation with this domain is not allowed');
    const wait = this.#host.throttle(from.domain);
    if (wait > 0) this.#socket.pauseReading(wait);
    if (stanza.attrs.xmlns === NS.SERVER) delete stanza.attrs.xmlns;
    stanza.parent = null;
    this.#host.deliver(stanza, from.domain);
    this.#acks.received();
  }

  /**
   * XEP-0198 on the receiving side. Prosody enables it as soon as it sees
   * the feature, before dialback, so <enable/> is taken at any point after
   * TLS; stanzas are only accepted after authentication anyway.
   */
  #onSmElement(element: Element): void {
    if (element.name === 'enable') {
      if (this.#acks.enabled) return this.#socket.send(xml('failed', { xmlns: NS.SM }, xml('unexpected-request', { xmlns: NS.STANZAS_ERR })));
      this.#acks.enable();
      // No resumption between servers: a lost stream is replaced by a new one.
      this.#socket.send(xml('enabled', { xmlns: NS.SM }));
      return;
    }
    const result = this.#acks.onElement(element);
    if (result === 'too-high') return this.close('undefined-condition', 'handled-count-too-high');
    if (result === 'not-sm') this.close('unsupported-stanza-type', `unknown element ${element.name}`);
  }

  /** the domain this stream was opened to (ours): what our stanzas on a bidirectional stream come from */
  get localDomain(): string | null {
    return this.#localDomain;
  }

  get isOpen(): boolean {
    return this.#stage === 'negotiating';
  }

  /** Sends one of our stanzas (from our domain `from`) back to the peer (XEP-0288). */
  send(stanza: Element, from: string, resent = false): void {
    this.#socket.send(stanza);
    this.#acks.sent({ stanza, from, resent });
  }

  #authenticate(domain: string): void {
    this.authenticated.add(domain);
    this.#socket.limitUnauthenticatedBytes(null);
    if (this.#bidi) this.#host.returnPath(this, domain);
  }

  #scheduleIdleCheck(): void {
    const idleFor = Date.now() - this.#socket.lastActivity;
    this.#idleTimer = setTimeout(() => {
      if (this.#stage === 'closed') return;
      if (Date.now() - this.#socket.lastActivity >= this.#host.idleMs) return this.close();
      this.#scheduleIdleCheck();
    }, Math.max(1000, this.#host.idleMs - idleFor));
    this.#idleTimer.unref();
  }

  #clearTimers(): void {
    if (this.#authTimer) clearTimeout(this.#authTimer);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#authTimer = null;
    this.#idleTimer = null;
  }

  #onClosed(): void {
    this.#stage = 'closed';
    this.#clearTimers();
    const unacked = this.#acks.takeUnacked();
    if (unacked.length > 0) this.#host.unacked(unacked);
  }
}

function newStreamId(): string {
  return randomBytes(12).toString('hex');
}
