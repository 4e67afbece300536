import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { base64Encode, utf8Encode } from '@conexizan/crypto';
import { NS, parseStreamError, serverStreamHeader, streamHeaderProblem, streamErrorElement, tryParseJid, xml, type Element, type StreamErrorCondition } from '@conexizan/protocol';
import type { Logger } from '../core/log.ts';
import { certificateValidFor } from './peer-certificate.ts';
import { dialbackElement, dialbackErrorCondition, isQualified } from './stream-header.ts';
import { StreamAcks, type SentStanza } from './stream-acks.ts';
import { StreamSocket } from './stream-socket.ts';

/**
 * Our side of one outgoing server-to-server stream (RFC 6120, initiating
 * entity): stream header, STARTTLS, then authentication of each of our
 * domains that wants to send: SASL EXTERNAL when the peer's certificate
 * verifies and it offers the mechanism (XEP-0178), dialback otherwise
 * (XEP-0220), one <db:result/> per domain on the same stream (piggybacking).
 * It also carries <db:verify/> requests when we check someone else's key
 * with this peer. When the peer offers XEP-0198 we enable it once a domain
 * is authenticated, so every stanza sent is kept until acknowledged and
 * handed back by `takeUnacked` if the stream dies. Connection attempts,
 * queues and bounces are remote-server.ts.
 */
export interface OutgoingOptions {
  localDomain: string;
  remoteDomain: string;
  socket: Socket;
  directTls: boolean;
  tls: ConnectionOptions;
  requireEncryption: boolean;
  requireValidCertificate: boolean;
  maxStanzaBytes: number;
  dialbackKey(receiving: string, originating: string, streamId: string): string;
  /** checks a key we generated, when the peer asks on this stream (we are the authoritative server) */
  keyIsOurs(receiving: string, originating: string, streamId: string, key: string): boolean;
  /** ask for a bidirectional stream when the peer offers it (XEP-0288) */
  bidi: boolean;
  /** how long the peer may leave an ack request (XEP-0198 <r/>) unanswered before the stream counts as dead */
  ackTimeoutMs: number;
  log: Logger;
}

export interface OutgoingEvents {
  /** `domain` may now send on this stream */
  authorized(domain: string): void;
  /** the peer refused `domain` (dialback invalid or error) */
  refused(domain: string, condition: string): void;
  /** an answer to a <db:verify/> we sent */
  verifyAnswer(element: Element): void;
  /** a stanza the peer sent us on this stream (XEP-0288); its from domain is the peer's, its to one of ours */
  stanza(stanza: Element): void;
  /** the stream is unusable; nothing more will be authorized */
  failed(reason: string): void;
  closed(): void;
}

const STANZAS = new Set(['message', 'presence', 'iq']);

type Stage = 'header' | 'features' | 'starttls' | 'sasl' | 'open' | 'closed';

export class OutgoingStream {
  readonly #options: OutgoingOptions;
  readonly #events: OutgoingEvents;
  readonly #socket: StreamSocket;
  #stage: Stage = 'header';
  #streamId = '';
  #dialbackOffered = false;
  #saslTried = false;
  /** XEP-0288 was negotiated: the peer may send stanzas back on this stream */
  #bidi = false;
  /** the peer offered XEP-0198 in its last features */
  #smOffered = false;
  readonly #acks: StreamAcks;
  readonly authorizedDomains = new Set<string>();
  readonly #pending = new Set<string>();
  readonly #wanted = new Set<string>();
  readonly #verifies: Element[] = [];
  /** how the peer was authenticated for the log and tests: 'certificate' or 'dialback' */
  method: 'certificate' | 'dialback' | null = null;

  constructor(options: OutgoingOptions, events: OutgoingEvents) {
    this.#options = options;
    this.#events = events;
    this.#socket = new StreamSocket(
      options.socket,
      {
        streamStart: (attrs, name) => this.#onHeader(attrs, name),
        element: (element) => this.#onElement(element),
        streamEnd: () => this.close(),
        error: (condition, text) => this.#fail(condition, text),
        closed: () => this.#onClosed(),
      },
      options.maxStanzaBytes,
    );
    this.#acks = new StreamAcks({
      write: (element) => this.#socket.send(element),
      ackTimedOut: () => this.#fail('connection-timeout', 'the peer did not acknowledge our stanzas in time'),
      ackTimeoutMs: options.ackTimeoutMs,
    });
    this.#openStream();
  }

  get socket(): StreamSocket {
    return this.#socket;
  }

  get directTls(): boolean {
    return this.#options.directTls;
  }

  get isOpen(): boolean {
    return this.#stage === 'open';
  }

  get isClosed(): boolean {
    return this.#stage === 'closed';
  }

  /** Asks for `domain` to be allowed to send here; `authorized` or `refused` follows. */
  authorize(domain: string): void {
    if (this.authorizedDomains.has(domain)) {
      this.#events.authorized(domain);
      return;
    }
    this.#wanted.add(domain);
    if (this.#stage === 'open') this.#startDialback(domain);
  }

  /** Sends a stanza from an authorized domain; `resent` marks one that already went out on a stream that died. */
  send(stanza: Element, from: string, resent = false): void {
    this.#socket.send(stanza);
    this.#acks.sent({ stanza, from, resent });
  }

  /** XEP-0198 is on: sent stanzas are kept until the peer confirms them. */
  get acknowledging(): boolean {
    return this.#acks.enabled;
  }

  /** stanzas sent and not yet confirmed by the peer */
  get unackedCount(): number {
    return this.#acks.unackedCount;
  }

  /** What the peer never confirmed, exactly once (after the stream died). */
  takeUnacked(): SentStanza[] {
    return this.#acks.takeUnacked();
  }

  /** Sends a <db:verify/> as soon as the stream is ready for it. */
  verify(element: Element): void {
    if (this.#stage === 'open') this.#socket.send(element);
    else this.#verifies.push(element);
  }

  close(condition?: StreamErrorCondition, text?: string): void {
    if (this.#stage === 'closed') return;
    this.#stage = 'closed';
    this.#socket.close(condition ? streamErrorElement(condition, text) : undefined);
  }

  #openStream(): void {
    this.#stage = 'header';
    this.#socket.openStream(serverStreamHeader({ from: this.#options.localDomain, to: this.#options.remoteDomain }));
  }

  #onHeader(attrs: Record<string, string>, name: string): void {
    if (this.#stage !== 'header') return this.#fail('not-authorized', 'unexpected stream header');
    const problem = streamHeaderProblem(name, attrs, NS.SERVER);
    if (problem) return this.#fail(problem.condition, problem.text);
    this.#streamId = attrs.id ?? '';
    this.#dialbackOffered = attrs['xmlns:db'] === NS.DIALBACK;
    if (!/^1\.\d+$/.test(attrs.version ?? '')) {
      // A pre-1.0 peer sends no features: no TLS, so only without required encryption.
      if (this.#options.requireEncryption) return this.#fail('policy-violation', 'encryption is required');
      this.#open();
      return;
    }
    this.#stage = 'features';
  }

  #onElement(element: Element): void {
    if (isQualified(element, 'error', NS.STREAM)) {
      const error = parseStreamError(element);
      this.#options.log.info({ remote: this.#options.remoteDomain, condition: error?.condition }, 'remote server closed the stream with an error');
      this.#events.failed(`stream error ${error?.condition ?? 'undefined-condition'}`);
      this.close();
      return;
    }
    switch (this.#stage) {
      case 'features':
        if (!isQualified(element, 'features', NS.STREAM)) return this.#fail('not-authorized', 'expected stream features');
        return this.#onFeatures(element);
      case 'starttls':
        if (element.is('proceed', NS.TLS)) return void this.#upgrade();
        return this.#fail('undefined-condition', 'STARTTLS was refused');
      case 'sasl':
        return this.#onSaslAnswer(element);
      case 'open':
        return this.#onOpenElement(element);
      default:
    }
  }

  #onFeatures(features: Element): void {
    const tls = this.#socket.tlsSocket;
    if (!tls) {
      if (features.getChild('starttls', NS.TLS)) {
        this.#stage = 'starttls';
        this.#socket.send(xml('starttls', { xmlns: NS.TLS }));
        return;
      }
      if (this.#options.requireEncryption) return this.#fail('policy-violation', 'the peer offers no TLS and encryption is required');
    }
    if (features.getChild('dialback', NS.DIALBACK_FEATURE)) this.#dialbackOffered = true;
    this.#smOffered = Boolean(features.getChild('sm', NS.SM));
    // XEP-0288 §2: asked for before authentication, on an encrypted stream.
    if (this.#options.bidi && !this.#bidi && this.authorizedDomains.size === 0 && (tls || !this.#options.requireEncryption) && features.getChild('bidi', NS.BIDI_FEATURE)) {
      this.#bidi = true;
      this.#socket.send(xml('bidi', { xmlns: NS.BIDI }));
    }
    const certificateOk = certificateValidFor(tls, this.#options.remoteDomain);
    if (!certificateOk && this.#options.requireValidCertificate) return this.#fail('policy-violation', 'the peer certificate does not verify for its domain');
    const mechanisms = features.getChild('mechanisms', NS.SASL)?.getChildren('mechanism').map((m) => m.text()) ?? [];
    if (certificateOk && !this.#saslTried && mechanisms.includes('EXTERNAL')) {
      this.#saslTried = true;
      this.#stage = 'sasl';
      this.#socket.send(xml('auth', { xmlns: NS.SASL, mechanism: 'EXTERNAL' }, base64Encode(utf8Encode(this.#options.localDomain))));
      return;
    }
    this.#open();
  }

  async #upgrade(): Promise<void> {
    try {
      await this.#socket.startTls({ ...this.#options.tls, servername: this.#options.remoteDomain, ALPNProtocols: ['xmpp-server'] });
    } catch {
      this.#events.failed('TLS handshake failed');
      this.close();
      return;
    }
    if (this.#stage === 'closed') return;
    this.#openStream();
  }

  #onSaslAnswer(element: Element): void {
    if (element.is('success', NS.SASL)) {
      this.method = 'certificate';
      this.authorizedDomains.add(this.#options.localDomain);
      this.#pending.delete(this.#options.localDomain);
      this.#socket.restart();
      // Stanzas wait for the new stream's features (RFC 6120 §6.4.6), which may offer XEP-0198: #open announces the domain.
      this.#openStream();
      return;
    }
    // Refused: dialback may still work (XEP-0178 §3), if the peer offers it.
    this.#options.log.debug({ remote: this.#options.remoteDomain }, 'SASL EXTERNAL refused, trying dialback');
    this.#open();
  }

  #open(): void {
    if (!this.#dialbackOffered && this.authorizedDomains.size === 0) return this.#fail('policy-violation', 'the peer offers neither SASL EXTERNAL for us nor dialback');
    this.#stage = 'open';
    if (this.authorizedDomains.size > 0) this.#enableAcks();
    for (const element of this.#verifies.splice(0)) this.#socket.send(element);
    for (const domain of this.#wanted) {
      if (this.authorizedDomains.has(domain)) this.#events.authorized(domain);
      else this.#startDialback(domain);
    }
  }

  #startDialback(domain: string): void {
    if (this.#pending.has(domain)) return;
    if (!this.#dialbackOffered) {
      this.#events.refused(domain, 'the peer does not offer dialback');
      return;
    }
    this.#pending.add(domain);
    const key = this.#options.dialbackKey(this.#options.remoteDomain, domain, this.#streamId);
    this.#socket.send(dialbackElement('result', { from: domain, to: this.#options.remoteDomain }, key));
  }

  #onOpenElement(element: Element): void {
    if (isQualified(element, 'result', NS.DIALBACK)) {
      const domain = element.attrs.to as string;
      if (!this.#pending.delete(domain)) return;
      if (element.attrs.type === 'valid' && element.attrs.from === this.#options.remoteDomain) {
        this.method ??= 'dialback';
        this.authorizedDomains.add(domain);
        this.#enableAcks();
        this.#events.authorized(domain);
      } else {
        this.#events.refused(domain, element.attrs.type === 'error' ? (dialbackErrorCondition(element) ?? 'undefined-condition') : 'invalid');
      }
      return;
    }
    if (isQualified(element, 'verify', NS.DIALBACK)) {
      if (element.attrs.type) return this.#events.verifyAnswer(element);
      return this.#answerVerify(element);
    }
    if (this.#bidi && STANZAS.has(element.name) && element.getNS() === NS.SERVER) return this.#onBidiStanza(element);
    if (element.getNS() === NS.SM) return this.#onSmElement(element);
    this.#fail('unsupported-stanza-type', `unexpected ${element.name} on this stream`);
  }

  /**
   * XEP-0288 §3: we reached the peer through its domain's DNS (or our static
   * map) and TLS, which is what authenticates it for that domain; stanzas
   * from anywhere else, or to a domain of ours not authenticated here, end
   * the stream as they would on an incoming one.
   */
  #onBidiStanza(stanza: Element): void {
    const from = tryParseJid(stanza.attrs.from as string | undefined);
    const to = tryParseJid(stanza.attrs.to as string | undefined);
    if (!from || !to) return this.#fail('improper-addressing', 'a stanza between servers needs valid from and to');
    if (from.domain !== this.#options.remoteDomain) return this.#fail('invalid-from', 'only the domain we connected to may send on this stream');
    if (!this.authorizedDomains.has(to.domain)) return this.#fail('host-unknown', 'that domain of ours was not authenticated on this stream');
    if (stanza.attrs.xmlns === NS.SERVER) delete stanza.attrs.xmlns;
    stanza.parent = null;
    this.#events.stanza(stanza);
    this.#acks.received();
  }

  /** XEP-0198 §3: sent after authentication, when the peer offers it; counting starts with it on both sides. */
  #enableAcks(): void {
    if (!this.#smOffered || this.#acks.enabled) return;
    this.#socket.send(xml('enable', { xmlns: NS.SM }));
    this.#acks.enable();
  }

  #onSmElement(element: Element): void {
    if (element.name === 'enabled') return;
    if (element.name === 'failed') {
      this.#options.log.info({ remote: this.#options.remoteDomain }, 'remote server refused stream management');
      return this.#acks.disable();
    }
    const result = this.#acks.onElement(element);
    if (result === 'too-high') return this.#fail('undefined-condition', 'handled-count-too-high');
    if (result === 'not-sm') this.#fail('unsupported-stanza-type', `unexpected ${element.name} on this stream`);
  }

  /** The peer asks us, on our own stream, whether a key is ours (it may route <db:verify/> over a bidirectional stream). */
  #answerVerify(element: Element): void {
    const receiving = element.attrs.from as string | undefined;
    const originating = element.attrs.to as string | undefined;
    const id = element.attrs.id as string | undefined;
    if (!receiving || !originating || !id) return this.#fail('invalid-xml', 'a dialback verification needs from, to and id');
    const valid = this.#options.keyIsOurs(receiving, originating, id, element.text());
    this.#socket.send(dialbackElement('verify', { from: originating, to: receiving, id, type: valid ? 'valid' : 'invalid' }));
  }

  #fail(condition: StreamErrorCondition | 'not-well-formed' | 'restricted-xml' | 'policy-violation', text: string): void {
    if (this.#stage === 'closed') return;
    this.#options.log.info({ remote: this.#options.remoteDomain, condition, text }, 'outgoing server stream failed');
    this.#events.failed(text);
    this.close(condition as StreamErrorCondition, text);
  }

  #onClosed(): void {
    this.#acks.stop();
    const wasOpen = this.#stage;
    this.#stage = 'closed';
    if (wasOpen !== 'closed') this.#events.failed('the connection closed');
    this.#events.closed();
  }
}
