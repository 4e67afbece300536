import type { Storage } from '@conexizan/storage';
import type { Config } from '../config/schema.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { Cluster } from './cluster.ts';
import type { FeatureRegistry } from './features.ts';
import type { HookBus } from './hooks.ts';
import type { HttpRoutes } from './http-routes.ts';
import type { IqDispatcher } from './iq.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { OutboundFilters } from './outbound.ts';
import type { StanzaRouter } from './router.ts';
import type { ServiceRegistry } from './services.ts';
import type { SessionRegistry } from './sessions.ts';
import type { ThrottleStore } from './throttle-store.ts';

/** The services of one running server, shared by listeners and modules. */
export interface ServerCore {
  readonly domain: string;
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly storage: Storage;
  readonly accounts: AccountService;
  readonly hooks: HookBus;
  readonly router: StanzaRouter;
  readonly iq: IqDispatcher;
  readonly sessions: SessionRegistry;
  /** the other nodes of this domain (core/cluster.ts); a single process is SingleNode */
  readonly cluster: Cluster;
  /** rate counters (login throttle, registrations): in memory, or in Redis shared by a cluster's nodes */
  readonly counters: ThrottleStore;
  readonly features: FeatureRegistry;
  /** filters between the router and each client's socket */
  readonly outbound: OutboundFilters;
  /** HTTP endpoints served by modules on the HTTP(S) listeners */
  readonly http: HttpRoutes;
  /** what modules provide each other (ModuleContext.provide/require) */
  readonly services: ServiceRegistry;
}
