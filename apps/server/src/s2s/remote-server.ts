import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { StanzaError, type Element, type StanzaErrorCondition } from '@conexizan/protocol';
import type { Logger } from '../core/log.ts';
import { retryDelayMs } from './backoff.ts';
import { connectTarget } from './connector.ts';
import { OutgoingStream } from './outgoing.ts';
import { resolveTargets, type SrvLookup } from './resolver.ts';
import { dialbackElement } from './stream-header.ts';

/**
 * Everything we send to one remote domain: a queue while the connection is
 * set up (DNS, TCP, TLS, authentication), bounded retries with backoff, an
 * idle timeout, and a bounce for every stanza that cannot be delivered:
 * remote-server-not-found when the peer cannot be reached or refuses us,
 * remote-server-timeout when it takes too long. Nothing is dropped silently:
 * with XEP-0198 on the stream, what the peer never acknowledged before the
 * stream died goes to the head of the queue and out once more on the next
 * stream, or bounces if that fails or it was already the second try.
 */
export interface RemoteServerSettings {
  localDomain: string;
  staticHosts: Record<string, string>;
  lookupSrv: SrvLookup;
  /** our TLS options as they are now (the certificate may have been reloaded since this link was made) */
  tls: () => ConnectionOptions;
  requireEncryption: boolean;
  requireValidCertificate: boolean;
  maxStanzaBytes: number;
  connectTimeoutMs: number;
  queueTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  idleMs: number;
  maxQueue: number;
  dialbackKey(receiving: string, originating: string, streamId: string): string;
  keyIsOurs(receiving: string, originating: string, streamId: string, key: string): boolean;
  /** ask peers for bidirectional streams (XEP-0288) */
  bidi: boolean;
  /** a stanza the peer sent back on our stream (XEP-0288), into the router; returns milliseconds to pause the peer */
  deliver(stanza: Element, fromDomain: string): number;
  /** sends an error reply for an undeliverable stanza back into the router */
  bounce(stanza: Element, condition: StanzaErrorCondition, text: string): void;
  log: Logger;
}

interface Queued {
  stanza: Element;
  from: string;
  since: number;
  /** it already went out on a stream that died unacknowledged */
  resent: boolean;
}

interface VerifyWaiter {
  resolve(result: string): void;
  receiving: string;
  timer: NodeJS.Timeout;
}

export class RemoteServer {
  readonly domain: string;
  readonly #settings: RemoteServerSettings;
  #stream: OutgoingStream | null = null;
  #connecting = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #queue: Queued[] = [];
  readonly #verifies = new Map<string, VerifyWaiter>();
  /** <db:verify/> requests waiting for a stream to carry them */
  #pendingVerifyElements: Element[] = [];
  #stopped = false;

  constructor(domain: string, settings: RemoteServerSettings) {
    this.domain = domain;
    this.#settings = settings;
  }

  /** how the current stream authenticated us, for tests and the admin */
  get method(): 'certificate' | 'dialback' | null {
    return this.#stream?.method ?? null;
  }

  /** how the current stream was opened: STARTTLS or TLS from the first byte (XEP-0368) */
  get transport(): 'starttls' | 'direct-tls' | null {
    return this.#stream ? (this.#stream.directTls ? 'direct-tls' : 'starttls') : null;
  }

  /** nothing open, waiting or scheduled: the link can be forgotten */
  get idle(): boolean {
    return !this.#stream && !this.#connecting && !this.#retryTimer && this.#queue.length === 0 && this.#verifies.size === 0 && this.#pendingVerifyElements.length === 0;
  }

  /** the current stream keeps what it sends until the peer acknowledges it (XEP-0198) */
  get acknowledging(): boolean {
    return this.#stream?.acknowledging === true;
  }

  /** stanzas sent on the current stream that the peer has not acknowledged yet */
  get unacknowledged(): number {
    return this.#stream?.unackedCount ?? 0;
  }

  get connected(): boolean {
    return this.#stream?.isOpen === true;
  }

  /** Sends a stanza whose `from` domain is ours, now or once the stream is ready. */
  send(stanza: Element, from: string, resent = false): void {
    if (this.#stopped) throw new StanzaError('remote-server-not-found', { type: 'cancel' });
    const stream = this.#stream;
    if (stream?.isOpen && stream.authorizedDomains.has(from) && !this.#queue.some((queued) => queued.from === from)) {
      stream.send(stanza, from, resent);
      return;
    }
    if (this.#queue.length >= this.#settings.maxQueue) throw new StanzaError('resource-constraint', { type: 'wait', text: 'too many stanzas waiting for this server' });
    this.#queue.push({ stanza, from, since: Date.now(), resent });
    this.#sweepSoon();
    if (stream && !stream.isClosed) stream.authorize(from);
    else this.#connect();
  }

  /** Asks the peer, as authoritative server, whether a dialback key it gave us is genuine (XEP-0220 §2.1.4). */
  verify(receiving: string, streamId: string, key: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve) => {
      const id = `${streamId}\u0000${receiving}\u0000${randomUUID()}`;
      const timer = setTimeout(() => {
        this.#verifies.delete(id);
        resolve('remote-server-timeout');
      }, timeoutMs);
      timer.unref();
      this.#verifies.set(id, { resolve, receiving, timer });
      const element = dialbackElement('verify', { from: receiving, to: this.domain, id: streamId }, key);
      if (this.#stream && !this.#stream.isClosed) this.#stream.verify(element);
      else {
        this.#pendingVerifyElements.push(element);
        this.#connect();
      }
    });
  }

  /** Closes the stream and bounces nothing (shutdown, or the domain was blocked: the caller bounces). */
  stop(condition?: 'policy-violation' | 'system-shutdown'): Element[] {
    this.#stopped = true;
    for (const timer of [this.#retryTimer, this.#sweepTimer, this.#idleTimer]) if (timer) clearTimeout(timer);
    this.#stream?.close(condition, condition === 'policy-violation' ? 'federation with this domain is not allowed' : undefined);
    for (const waiter of this.#verifies.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve('remote-connection-failed');
    }
    this.#verifies.clear();
    const unacked = this.#stream?.takeUnacked().map((sent) => sent.stanza) ?? [];
    return [...unacked, ...this.#queue.splice(0).map((queued) => queued.stanza)];
  }

  #connect(): void {
    if (this.#connecting || this.#retryTimer || this.#stopped) return;
    this.#connecting = true;
    this.#tryConnect()
      .catch((error: unknown) => {
        this.#settings.log.error({ err: error, remote: this.domain }, 'connecting to a remote server failed unexpectedly');
        this.#attemptFailed('remote-server-not-found');
      })
      .finally(() => (this.#connecting = false));
  }

  async #tryConnect(): Promise<void> {
    const log = this.#settings.log;
    let targets;
    try {
      targets = await resolveTargets(this.domain, { staticHosts: this.#settings.staticHosts, lookupSrv: this.#settings.lookupSrv });
    } catch (error) {
      log.info({ remote: this.domain, reason: (error as Error).message }, 'remote server cannot be resolved');
      return this.#attemptFailed('remote-server-not-found');
    }
    for (const target of targets) {
      if (this.#stopped) return;
      try {
        const socket = await connectTarget(target, { domain: this.domain, timeoutMs: this.#settings.connectTimeoutMs, tls: this.#settings.tls() });
        this.#attach(socket, target.directTls);
        return;
      } catch (error) {
        log.debug({ remote: this.domain, code: (error as NodeJS.ErrnoException).code }, 'connection attempt failed');
      }
    }
    this.#attemptFailed('remote-server-not-found');
  }

  #attach(socket: Socket, directTls: boolean): void {
    const settings = this.#settings;
    const stream: OutgoingStream = new OutgoingStream(
      {
        localDomain: settings.localDomain,
        remoteDomain: this.domain,
        socket,
        directTls,
        tls: settings.tls(),
        requireEncryption: settings.requireEncryption,
        requireValidCertificate: settings.requireValidCertificate,
        maxStanzaBytes: settings.maxStanzaBytes,
        ackTimeoutMs: settings.queueTimeoutMs,
        dialbackKey: settings.dialbackKey,
        keyIsOurs: settings.keyIsOurs,
        bidi: settings.bidi,
        log: settings.log,
      },
      {
        authorized: () => {
          this.#attempt = 0;
          settings.log.info({ remote: this.domain, method: stream.method }, 'outgoing server stream authenticated');
          this.#flush();
        },
        refused: (domain, condition) => {
          settings.log.info({ remote: this.domain, condition }, 'remote server refused our domain');
          this.#bounceWhere((queued) => queued.from === domain, 'remote-server-not-found', 'the remote server did not accept us');
        },
        verifyAnswer: (element) => this.#onVerifyAnswer(element),
        stanza: (stanza) => {
          const wait = settings.deliver(stanza, this.domain);
          if (wait > 0) stream.socket.pauseReading(wait);
        },
        failed: () => undefined,
        closed: () => this.#onStreamClosed(stream),
      },
    );
    this.#stream = stream;
    // A peer that accepts but never gets the stream to authentication is given up on, so the next stanza tries afresh.
    setTimeout(() => {
      if (!stream.isClosed && stream.authorizedDomains.size === 0) stream.close('connection-timeout', 'the stream was not set up in time');
    }, settings.queueTimeoutMs).unref();
    for (const element of this.#pendingVerifyElements.splice(0)) stream.verify(element);
    for (const from of new Set(this.#queue.map((queued) => queued.from))) stream.authorize(from);
    this.#touch();
  }

  #flush(): void {
    const stream = this.#stream;
    if (!stream) return;
    const waiting = this.#queue;
    this.#queue = [];
    for (const queued of waiting) {
      if (stream.authorizedDomains.has(queued.from)) stream.send(queued.stanza, queued.from, queued.resent);
      else this.#queue.push(queued);
    }
    this.#touch();
  }

  #onVerifyAnswer(element: Element): void {
    for (const [id, waiter] of this.#verifies) {
      const [streamId, receiving] = id.split('\u0000');
      if (streamId !== element.attrs.id || receiving !== element.attrs.to || element.attrs.from !== this.domain) continue;
      this.#verifies.delete(id);
      clearTimeout(waiter.timer);
      waiter.resolve(element.attrs.type === 'valid' ? 'valid' : 'invalid');
      return;
    }
  }

  #onStreamClosed(stream: OutgoingStream): void {
    if (this.#stream !== stream) return;
    this.#stream = null;
    if (this.#stopped) return;
    this.#rescueUnacked(stream);
    const everAuthorized = stream.authorizedDomains.size > 0;
    if (this.#queue.length === 0 && this.#pendingVerifyElements.length === 0) return;
    // Stanzas still waiting: a fresh connection, counted as a failed attempt if this one never got anywhere.
    if (everAuthorized) this.#connect();
    else this.#attemptFailed('remote-server-not-found');
  }

  /**
   * Sent but never acknowledged: the peer may or may not have it. Once more,
   * first in line and in order, on the next stream (a duplicate is better
   * than a loss; message ids let clients tell); a second loss bounces.
   */
  #rescueUnacked(stream: OutgoingStream): void {
    const unacked = stream.takeUnacked();
    if (unacked.length === 0) return;
    this.#settings.log.info({ remote: this.domain, unacked: unacked.length }, 'server stream closed with unacknowledged stanzas');
    const now = Date.now();
    const again: Queued[] = [];
    for (const sent of unacked) {
      if (sent.resent) this.#settings.bounce(sent.stanza, 'remote-server-timeout', 'the remote server did not confirm it');
      else again.push({ stanza: sent.stanza, from: sent.from, since: now, resent: true });
    }
    this.#queue.unshift(...again);
    if (again.length > 0) this.#sweepSoon();
  }

  #attemptFailed(condition: StanzaErrorCondition): void {
    if (this.#stopped) return;
    this.#attempt++;
    if (this.#attempt <= this.#settings.retries && this.#queue.length > 0) {
      const delay = retryDelayMs(this.#attempt, this.#settings.retryBaseMs);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#connect();
      }, delay);
      this.#retryTimer.unref();
      return;
    }
    this.#attempt = 0;
    this.#bounceWhere(() => true, condition, 'the remote server could not be reached');
    for (const waiter of this.#verifies.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve('remote-server-not-found');
    }
    this.#verifies.clear();
    this.#pendingVerifyElements = [];
  }

  #bounceWhere(predicate: (queued: Queued) => boolean, condition: StanzaErrorCondition, text: string): void {
    const keep: Queued[] = [];
    const bounced: Queued[] = [];
    for (const queued of this.#queue) (predicate(queued) ? bounced : keep).push(queued);
    this.#queue = keep;
    for (const queued of bounced) this.#settings.bounce(queued.stanza, condition, text);
  }

  /** Stanzas that waited longer than the queue timeout bounce with remote-server-timeout. */
  #sweepSoon(): void {
    if (this.#sweepTimer) return;
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = null;
      const deadline = Date.now() - this.#settings.queueTimeoutMs;
      this.#bounceWhere((queued) => queued.since <= deadline, 'remote-server-timeout', 'the remote server took too long');
      if (this.#queue.length > 0) this.#sweepSoon();
    }, Math.min(1000, this.#settings.queueTimeoutMs));
    this.#sweepTimer.unref();
  }

  /** Closes the stream after idle_seconds without traffic in either direction. */
  #touch(): void {
    if (this.#idleTimer) return;
    const check = () => {
      this.#idleTimer = null;
      const stream = this.#stream;
      if (!stream || stream.isClosed) return;
      const idleFor = Date.now() - stream.socket.lastActivity;
      if (idleFor >= this.#settings.idleMs && this.#queue.length === 0 && this.#verifies.size === 0) {
        this.#settings.log.debug({ remote: this.domain }, 'closing idle outgoing server stream');
        stream.close();
        return;
      }
      this.#idleTimer = setTimeout(check, Math.max(1000, this.#settings.idleMs - idleFor));
      this.#idleTimer.unref();
    };
    this.#idleTimer = setTimeout(check, this.#settings.idleMs);
    this.#idleTimer.unref();
  }
}
