import { resolve } from 'node:path';
import { prepDomainpart } from '@conexizan/protocol';
import { openStorage, type Storage } from '@conexizan/storage';
import { accountPolicy, AccountService } from './accounts/account-service.ts';
import { persistentSecret } from './accounts/secrets.ts';
import { ClientListeners } from './c2s/listeners.ts';
import { LoginThrottle } from './c2s/login-throttle.ts';
import { MemoryThrottleStore, type ThrottleStore } from './core/throttle-store.ts';
import { TrustedProxies } from './c2s/trusted-proxies.ts';
import { ConnectionLimiter } from './c2s/connection-limiter.ts';
import type { Config } from './config/schema.ts';
import type { ServerCore } from './core/core.ts';
import { FeatureRegistry } from './core/features.ts';
import { OutboundFilters } from './core/outbound.ts';
import { HookBus } from './core/hooks.ts';
import { HttpRoutes } from './core/http-routes.ts';
import { IqDispatcher } from './core/iq.ts';
import { createLogger, type Logger } from './core/log.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { loadModules } from './core/loader.ts';
import type { ServerModule } from './core/module.ts';
import { StanzaRouter } from './core/router.ts';
import { ServiceRegistry } from './core/services.ts';
import { InProcessSessionRegistry, type SessionRegistry } from './core/sessions.ts';
import { SingleNode, type Cluster } from './core/cluster.ts';
import { joinCluster } from './cluster/index.ts';
import { HttpListeners } from './http/http-server.ts';
import { MODULES } from './modules/index.ts';
import { Federation } from './s2s/federation.ts';
import type { CertificateInfo } from './tls/certificates.ts';
import { ServerCertificate, type CertificateSource } from './tls/server-certificate.ts';

export interface RunningServer {
  core: ServerCore;
  /** the certificate the TLS listeners present now */
  readonly certificate: CertificateInfo;
  /** the ports actually bound (useful when a port was given as 0 in tests… or left to the OS) */
  ports: Record<string, number>;
  /** server-to-server links; null when ports.s2s is 0 */
  federation: Federation | null;
  /**
   * Applies what may change without a restart (SIGHUP): the federation
   * block/allow lists, and the TLS certificate, read again from its files
   * for the connections that come after (a renewal). A certificate that
   * does not load is logged and the current one stays.
   */
  reload(config: Config): Promise<void>;
  /**
   * Stops taking client connections and tells every client to reconnect
   * elsewhere (shutdown.see_other_host or system-shutdown); settles when
   * their sessions have ended, unacknowledged stanzas rescued (XEP-0198).
   * The node stays up (federation, storage) until stop().
   */
  drain(): Promise<void>;
  /** drain(), then everything else; settles when all is closed */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger?: Logger;
  modules?: ServerModule[];
}

/** Assembles and starts a whole server: storage, core, modules, listeners. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  // Validate the domain the same way a JID's domainpart is validated.
  const domain = prepDomainpart(config.domain);
  const log = options.logger ?? createLogger({ level: config.log.level, format: config.log.format });
  const metrics = createMetrics();
  const dataDir = resolve(config.data_dir);
  // Cluster mode: Redis first, so that a wrong address or password stops the start before anything else.
  const cluster = config.cluster.redis_url ? await joinCluster(config, domain, log) : null;
  const storage = await openStorage({
    url: config.database_url || undefined,
    dataDir,
    onQuery: (operation, ms) => metrics.storageLatency.observe({ operation }, ms / 1000),
  }).catch(async (error: unknown) => {
    await cluster?.stop();
    throw error;
  });
  const certificateSource = (from: Config): CertificateSource => ({ cert: from.tls.cert, key: from.tls.key, dataDir, domain });
  const certificate = await ServerCertificate.load(certificateSource(config));
  const core = assembleCore({
    config, domain, log, metrics, storage, fakeSaltSecret: persistentSecret(dataDir, 'scram-fake-salt'),
    ...(cluster ? { cluster: cluster.node, sessions: cluster.sessions, counters: cluster.counters } : {}),
  });

  const modules = await loadModules(core, options.modules ?? MODULES).catch(async (error: unknown) => {
    await cluster?.stop();
    await storage.close();
    throw error;
  });
  await cluster?.begin(core);
  await core.hooks.fireAll('server/started', {});
  const limiter = new ConnectionLimiter(config.limits.unauthenticated_connections_per_address);
  const federation = config.ports.s2s ? new Federation(core, { certificate, dataDir, limiter }) : null;

  const throttle = new LoginThrottle(core.counters, {
    perAddress: config.limits.failed_logins_per_address,
    perAccount: config.limits.failed_logins_per_account,
    concurrentPerAddress: config.limits.concurrent_logins_per_address,
    ...(cluster ? { key: await cluster.sharedSecret('throttle') } : {}),
  });
  const proxies = new TrustedProxies(config.trusted_proxies);
  const clients = new ClientListeners(core, throttle, certificate, { proxies, limiter });
  // Half the grace period for the clients' streams to close; the rest for federation and storage.
  const streamsTimeoutMs = (config.shutdown.grace_seconds * 1000) / 2;
  let draining: Promise<void> | null = null;
  let listenersClosed: Promise<unknown> = Promise.resolve();
  const drain = (): Promise<void> => {
    draining ??= (async () => {
      log.info({ sessions: core.sessions.count() }, 'draining: no new client connections, clients are told to reconnect elsewhere');
      // Before any stream closes: modules may still tell everyone why (e.g. group chat rooms, status 332).
      await core.hooks.fireAll('server/stopping', {}).catch((error: unknown) => log.warn({ err: error }, 'a module failed while the server was stopping'));
      listenersClosed = Promise.all([clients.close(), http.close()]);
      await clients.closeStreams(streamsTimeoutMs, config.shutdown.see_other_host);
      log.info({ sessions: core.sessions.count() }, 'drained');
    })();
    return draining;
  };
  // Whoever may read the data directory may drain the node and use the control channel (`conexizan` commands beside the running server).
  const controlToken = Buffer.from(persistentSecret(dataDir, 'control')).toString('hex');
  const http = new HttpListeners(core, {
    throttle, clients, proxies, limiter, certificate,
    drain: { token: controlToken, run: async () => (await drain(), { sessions: core.sessions.count() }) },
    control: { token: controlToken },
  });
  const ports: Record<string, number> = {};
  try {
    for (const { name, port } of [...(await clients.listen()), ...(await http.listen()), ...((await federation?.listen()) ?? [])]) ports[name] = port;
  } catch (error) {
    await federation?.stop();
    await clients.close();
    await http.close();
    await cluster?.stop();
    await storage.close();
    throw error;
  }
  log.info({ domain, ports, storage: storage.kind, modules: modules.modules.map((m) => m.name) }, 'conexizan is serving');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await drain();
      // After the clients: their last presence (unavailable) still reaches remote contacts.
      await federation?.stop();
      await listenersClosed;
      await modules.stop();
      await cluster?.stop();
      await storage.close();
      log.info('conexizan stopped');
    })();
    return stopping;
  };
  const reload = async (next: Config): Promise<void> => {
    federation?.reload(next);
    try {
      const changed = await certificate.reload(certificateSource(next));
      const { path, notAfter } = certificate.info;
      log.info({ certificate: path.cert, not_after: notAfter.toISOString() }, changed ? 'certificate reloaded: new TLS connections get it' : 'certificate unchanged');
    } catch (error) {
      log.error({ err: error }, 'the certificate could not be reloaded; TLS connections still get the previous one');
    }
  };
  return {
    core,
    get certificate() {
      return certificate.info;
    },
    ports, federation, reload, drain, stop,
  };
}

/** The core of one server; `cluster`, `sessions` and `counters` are the cluster's (src/cluster/) in cluster mode, else one process's. */
export function assembleCore(options: {
  config: Config; domain: string; log: Logger; metrics: Metrics; storage: Storage; fakeSaltSecret?: Uint8Array;
  cluster?: Cluster; sessions?: SessionRegistry; counters?: ThrottleStore;
}): ServerCore {
  const { config, domain, log, metrics, storage } = options;
  const hooks = new HookBus();
  const sessions = options.sessions ?? new InProcessSessionRegistry();
  const cluster = options.cluster ?? new SingleNode();
  const router = new StanzaRouter({ domain, hooks, log, metrics });
  const iq = new IqDispatcher(hooks, router, sessions, cluster);
  const accounts = new AccountService(storage, accountPolicy(config, options.fakeSaltSecret), { hooks, domain, cluster });
  return {
    domain, config, log, metrics, storage, accounts, hooks, router, iq, sessions, cluster, counters: options.counters ?? new MemoryThrottleStore(),
    features: new FeatureRegistry(), outbound: new OutboundFilters(), http: new HttpRoutes(), services: new ServiceRegistry(),
  };
}
