import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { closeFailedHandshakes, type ConnectionLimiter } from '../c2s/connection-limiter.ts';
import { Counter, Gauge } from 'prom-client';
import { cloneElement, errorReply, StanzaError, tryParseJid, type Element, type StanzaErrorCondition } from '@conexizan/protocol';
import { persistentSecret } from '../accounts/secrets.ts';
import { listen } from '../transport/listen.ts';
import type { Config } from '../config/schema.ts';
import type { ServerCore } from '../core/core.ts';
import type { StanzaEvent } from '../core/router.ts';
import type { ServerCertificate } from '../tls/server-certificate.ts';
import { registerBorderCommands } from './border-commands.ts';
import { BorderPolicy } from './border-policy.ts';
import { loadBorderState, saveBorderState, type BorderLists } from './border-state.ts';
import { dialbackKey, dialbackKeyMatches } from './dialback-key.ts';
import { DomainRate } from './domain-rate.ts';
import { IncomingStream, type IncomingHost } from './incoming.ts';
import { trustedRoots } from './peer-certificate.ts';
import { RemoteServer, type RemoteServerSettings } from './remote-server.ts';
import { systemSrvLookup, type SrvLookup } from './resolver.ts';
import type { SentStanza } from './stream-acks.ts';

/**
 * Federation: the server-to-server side of the one stanza router. Stanzas
 * for domains we do not serve reach `route/remote` (after components and
 * other services had their chance) and leave through a RemoteServer per
 * domain; stanzas from authenticated remote streams enter `router.route`
 * with an `s2s` origin, exactly like any other routed stanza, so every
 * module serves remote users without knowing about federation.
 */
export interface FederationOptions {
  /** bounds the connections one address holds open (ConnectionLimiter); none if absent */
  limiter?: ConnectionLimiter;
  certificate: ServerCertificate;
  dataDir: string;
  lookupSrv?: SrvLookup;
}

export class Federation {
  readonly #core: ServerCore;
  readonly #config: Config;
  readonly #policy: BorderPolicy;
  readonly #dataDir: string;
  /** the lists in the config file, and the admins' own (ad-hoc commands), which win when present */
  #configLists: BorderLists;
  #adminLists: BorderLists | null;
  readonly #rate: DomainRate;
  readonly #secret: Uint8Array;
  /** our certificate (current: it may be reloaded) and the roots we trust for peers, both ways */
  #tls: SecureContextOptions;
  readonly #lookupSrv: SrvLookup;
  readonly #remotes = new Map<string, RemoteServer>();
  readonly #incoming = new Set<IncomingStream>();
  /** remote domain -> incoming bidirectional streams (XEP-0288) on which it proved itself */
  readonly #returnPaths = new Map<string, Set<IncomingStream>>();
  readonly #servers: Server[] = [];
  /** the direct TLS listener (s2s_tls), whose certificate a reload replaces */
  readonly #tlsServers: TlsServer[] = [];
  readonly #serviceDomains: Set<string>;
  #stopped = false;
  readonly #sweeper: NodeJS.Timeout;
  readonly #bounces: Counter<'condition'>;

  readonly #limiter: ConnectionLimiter | null;

  constructor(core: ServerCore, options: FederationOptions) {
    this.#core = core;
    this.#config = core.config;
    const s2s = core.config.s2s;
    this.#dataDir = options.dataDir;
    this.#limiter = options.limiter ?? null;
    this.#configLists = { blocked_domains: s2s.blocked_domains, allowed_domains: s2s.allowed_domains };
    this.#adminLists = this.#loadAdminLists();
    this.#policy = new BorderPolicy(this.#borderLists());
    // The operators' commands need the ad-hoc frame; a server without it is run from its config file alone.
    const adhoc = core.services.find('adhoc');
    const operators = core.services.find('operators');
    if (adhoc && operators) {
      registerBorderCommands(core, adhoc, operators, core.services.find('audit'), {
        lists: () => this.#borderLists(),
        source: () => (this.#adminLists ? 'admin' : 'config'),
        change: (lists) => {
          saveBorderState(this.#dataDir, lists);
          this.#adminLists = lists;
          this.#applyPolicy();
          // The other nodes of a cluster share the data directory: they read the lists again.
          core.cluster.broadcast('s2s/border', '');
        },
      });
    }
    core.cluster.onBroadcast('s2s/border', () => {
      this.#adminLists = this.#loadAdminLists();
      this.#applyPolicy();
    });
    this.#rate = new DomainRate(s2s.stanzas_per_second);
    this.#secret = persistentSecret(options.dataDir, 'dialback');
    const ca = trustedRoots(s2s.ca_file);
    const tlsWith = (certificate: ServerCertificate) => ({ ...certificate.options, ca });
    this.#tls = tlsWith(options.certificate);
    // A reloaded certificate (SIGHUP) for the streams that start TLS after it, in both directions.
    options.certificate.onChange((certificate) => {
      this.#tls = tlsWith(certificate);
      for (const server of this.#tlsServers) server.setSecureContext(this.#tls);
    });
    this.#lookupSrv = options.lookupSrv ?? systemSrvLookup();
    // Services that may live outside our domain's subtree: components, and group chat if given a domain of its own.
    this.#serviceDomains = new Set([...core.config.components.map((component) => component.domain), ...(core.config.muc.enabled && core.config.muc.domain ? [core.config.muc.domain] : [])].map((domain) => domain.toLowerCase()));
    // Lowest priority: components and local services (proxy65, group chat) claim their domains first.
    core.hooks.on('route/remote', (event) => this.#routeOut(event), 'fallback');
    const registers = [core.metrics.registry];
    const incoming = () => this.#incoming.size;
    const outgoing = () => [...this.#remotes.values()].filter((remote) => remote.connected).length;
    new Gauge({
      name: 'conexizan_s2s_streams', help: 'Open server-to-server streams by direction', labelNames: ['direction'], registers,
      // prom-client calls this with the gauge as `this`.
      collect() {
        this.set({ direction: 'in' }, incoming());
        this.set({ direction: 'out' }, outgoing());
      },
    });
    this.#bounces = new Counter({ name: 'conexizan_s2s_bounces_total', help: 'Stanzas returned to their sender because a remote server could not be reached or refused us', labelNames: ['condition'], registers });
    // Links to domains we no longer talk to are forgotten, so the map stays as small as the set of active peers.
    this.#sweeper = setInterval(() => {
      for (const [domain, remote] of this.#remotes) if (remote.idle) this.#remotes.delete(domain);
    }, 60_000);
    this.#sweeper.unref();
  }

  /** Opens the s2s listeners (STARTTLS, and direct TLS if configured). */
  async listen(): Promise<{ name: string; port: number }[]> {
    const { bind, ports } = this.#config;
    const bound: { name: string; port: number }[] = [];
    if (ports.s2s) {
      const server = createTcpServer((socket) => {
        // A peer server holds a few connections; more from one address before authenticating is an attack.
        if (!this.#limiter || this.#limiter.admit(socket)) this.#accept(socket);
      });
      bound.push({ name: 's2s', port: await listen(server, bind, ports.s2s) });
      this.#servers.push(server);
    }
    if (ports.s2s_tls) {
      const server = createTlsServer(
        {
          ...this.#tls,
          requestCert: true,
          rejectUnauthorized: false,
          ALPNProtocols: ['xmpp-server'],
          handshakeTimeout: this.#config.limits.unauthenticated_seconds * 1000,
        },
        (socket) => this.#accept(socket),
      );
      // Counted from the TCP connection on, before and after TLS.
      server.on('connection', (socket: Socket) => this.#limiter?.admit(socket));
      closeFailedHandshakes(server);
      bound.push({ name: 's2s_tls', port: await listen(server, bind, ports.s2s_tls) });
      this.#servers.push(server);
      this.#tlsServers.push(server);
    }
    return bound;
  }

  /**
   * Applies new block/allow lists at once (SIGHUP): the config file's, unless
   * admins changed them with ad-hoc commands; their file is read again too,
   * so deleting it goes back to the config file.
   */
  reload(config: Config): void {
    this.#configLists = { blocked_domains: config.s2s.blocked_domains, allowed_domains: config.s2s.allowed_domains };
    this.#adminLists = this.#loadAdminLists();
    this.#applyPolicy();
  }

  #borderLists(): BorderLists {
    return this.#adminLists ?? this.#configLists;
  }

  #loadAdminLists(): BorderLists | null {
    try {
      return loadBorderState(this.#dataDir);
    } catch (error) {
      this.#core.log.error({ reason: (error as Error).message }, 'the federation lists saved by admins cannot be read; using the config file');
      return null;
    }
  }

  /** Streams with domains no longer allowed are closed, stanzas queued for them bounce. */
  #applyPolicy(): void {
    const lists = this.#borderLists();
    this.#policy.update(lists);
    for (const stream of this.#incoming) stream.recheckPolicy();
    for (const [domain, remote] of this.#remotes) {
      if (this.#policy.allows(domain)) continue;
      this.#remotes.delete(domain);
      for (const stanza of remote.stop('policy-violation')) this.#bounce(stanza, 'not-allowed', 'this server does not federate with that domain');
    }
    this.#core.log.info({ blocked: lists.blocked_domains.length, allowed: lists.allowed_domains.length, source: this.#adminLists ? 'admin' : 'config' }, 'federation policy applied');
  }

  /** The outgoing connection to `domain`, if any (for tests and diagnostics). */
  remote(domain: string): RemoteServer | undefined {
    return this.#remotes.get(domain);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    const closing = Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const remote of this.#remotes.values()) remote.stop('system-shutdown');
    const streams = [...this.#incoming];
    for (const stream of streams) stream.close('system-shutdown', 'the server is shutting down');
    await Promise.race([Promise.all(streams.map((stream) => stream.closed)), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await closing;
  }

  /** Our domain, or a service under it (subdomains: proxy65, group chat), a configured component or group chat's own domain. */
  serves(domain: string): boolean {
    const name = domain.toLowerCase();
    return name === this.#core.domain || name.endsWith(`.${this.#core.domain}`) || this.#serviceDomains.has(name);
  }

  #routeOut(event: StanzaEvent): true | undefined {
    const remote = event.to.domain;
    // Our own (sub)domain that no service claimed: never dial ourselves; the router answers.
    if (this.serves(remote) || !this.serves(event.from.domain)) return undefined;
    if (this.#stopped) throw new StanzaError('remote-server-not-found', { type: 'cancel' });
    if (!this.#policy.allows(remote)) throw new StanzaError('not-allowed', { type: 'cancel', text: 'this server does not federate with that domain' });
    const link = this.#remotes.get(remote);
    const returnPath = !link || link.idle ? this.#returnPath(remote, event.from.domain) : undefined;
    if (returnPath) returnPath.send(cloneElement(event.stanza), event.from.domain);
    else this.#remoteServer(remote).send(cloneElement(event.stanza), event.from.domain);
    return true;
  }

  /** An open bidirectional stream from `remote` that was opened to `local` (so the peer knows us as `local` there). */
  #returnPath(remote: string, local: string): IncomingStream | undefined {
    for (const stream of this.#returnPaths.get(remote) ?? []) if (stream.isOpen && stream.localDomain === local) return stream;
    return undefined;
  }

  #addReturnPath(stream: IncomingStream, domain: string): void {
    const streams = this.#returnPaths.get(domain) ?? new Set();
    streams.add(stream);
    this.#returnPaths.set(domain, streams);
    void stream.closed.then(() => {
      streams.delete(stream);
      if (streams.size === 0 && this.#returnPaths.get(domain) === streams) this.#returnPaths.delete(domain);
    });
  }

  /**
   * Stanzas we sent back on an incoming bidirectional stream that died
   * unacknowledged: once more through our own outgoing link to that domain,
   * or a bounce if they already had their second chance or the domain is
   * no longer allowed.
   */
  #resendUnacked(stanzas: SentStanza[]): void {
    for (const { stanza, from, resent } of stanzas) {
      const to = tryParseJid(stanza.attrs.to as string | undefined);
      if (!to) continue;
      if (resent || this.#stopped || !this.#policy.allows(to.domain)) {
        this.#bounce(stanza, 'remote-server-timeout', 'the remote server did not confirm it');
        continue;
      }
      try {
        this.#remoteServer(to.domain).send(stanza, from, true);
      } catch (error) {
        const condition = error instanceof StanzaError ? error.condition : 'remote-server-not-found';
        this.#bounce(stanza, condition, 'the remote server could not be reached');
      }
    }
  }

  /** A stanza from a remote domain that proved itself, into the router; returns how long to pause that peer. */
  #deliver(stanza: Element, domain: string): number {
    if (!this.#policy.allows(domain)) return 0;
    const wait = this.#rate.consume(domain);
    void this.#core.router.route(stanza, { kind: 's2s', domain });
    return wait;
  }

  #remoteServer(domain: string): RemoteServer {
    let remote = this.#remotes.get(domain);
    if (!remote) {
      remote = new RemoteServer(domain, this.#remoteSettings());
      this.#remotes.set(domain, remote);
    }
    return remote;
  }

  #remoteSettings(): RemoteServerSettings {
    const s2s = this.#config.s2s;
    return {
      localDomain: this.#core.domain,
      staticHosts: s2s.hosts,
      lookupSrv: this.#lookupSrv,
      tls: () => this.#tls,
      requireEncryption: s2s.require_encryption,
      requireValidCertificate: s2s.require_valid_certificates,
      maxStanzaBytes: this.#config.limits.max_stanza_bytes,
      connectTimeoutMs: s2s.connect_timeout_seconds * 1000,
      queueTimeoutMs: s2s.queue_timeout_seconds * 1000,
      retries: s2s.retries,
      retryBaseMs: 1000,
      idleMs: s2s.idle_seconds * 1000,
      maxQueue: s2s.queue_stanzas,
      dialbackKey: (receiving, originating, streamId) => dialbackKey(this.#secret, receiving, originating, streamId),
      keyIsOurs: (receiving, originating, streamId, key) => dialbackKeyMatches(this.#secret, receiving, originating, streamId, key),
      bidi: s2s.bidi,
      deliver: (stanza, domain) => this.#deliver(stanza, domain),
      bounce: (stanza, condition, text) => this.#bounce(stanza, condition, text),
      log: this.#core.log.child({ area: 's2s' }),
    };
  }

  /**
   * An undeliverable stanza goes back to its sender as an error (RFC 6120
   * §8.3). Errors and results are never answered (loops), nor presence
   * broadcasts, which have no sender waiting for them.
   */
  #bounce(stanza: Element, condition: StanzaErrorCondition, text: string): void {
    this.#bounces.inc({ condition });
    const type = stanza.attrs.type as string | undefined;
    if (type === 'error' || (stanza.name === 'iq' && type === 'result')) return;
    if (stanza.name === 'presence' && type !== 'subscribe') return;
    const reply = errorReply(stanza, condition, { type: condition === 'remote-server-timeout' ? 'wait' : 'cancel', text });
    void this.#core.router.route(reply, { kind: 'local' });
  }

  #accept(socket: Socket): void {
    if (this.#stopped) {
      socket.destroy();
      return;
    }
    const stream = new IncomingStream(socket, this.#incomingHost());
    this.#incoming.add(stream);
    void stream.closed.then(() => this.#incoming.delete(stream));
  }

  #incomingHost(): IncomingHost {
    const s2s = this.#config.s2s;
    return {
      serves: (domain) => this.serves(domain),
      allows: (domain) => this.#policy.allows(domain),
      tlsOptions: this.#tls,
      requireEncryption: s2s.require_encryption,
      requireValidCertificate: s2s.require_valid_certificates,
      maxStanzaBytes: this.#config.limits.max_stanza_bytes,
      maxUnauthenticatedBytes: this.#config.limits.unauthenticated_bytes,
      authTimeoutMs: this.#config.limits.unauthenticated_seconds * 1000,
      idleMs: s2s.idle_seconds * 1000,
      keyIsOurs: (receiving, originating, streamId, key) => dialbackKeyMatches(this.#secret, receiving, originating, streamId, key),
      checkKey: async (originating, receiving, streamId, key) => {
        if (!this.#policy.allows(originating)) return 'policy-violation';
        if (this.serves(originating)) return 'invalid';
        return this.#remoteServer(originating).verify(receiving, streamId, key, s2s.connect_timeout_seconds * 1000 * 2);
      },
      throttle: (domain) => this.#rate.consume(domain),
      deliver: (stanza, domain) => void this.#core.router.route(stanza, { kind: 's2s', domain }),
      bidi: s2s.bidi,
      returnPath: (stream, domain) => this.#addReturnPath(stream, domain),
      ackTimeoutMs: s2s.queue_timeout_seconds * 1000,
      unacked: (stanzas) => this.#resendUnacked(stanzas),
      log: this.#core.log.child({ area: 's2s' }),
    };
  }
}
