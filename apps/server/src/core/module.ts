import type { ServerCore } from './core.ts';
import type { Logger } from './log.ts';
import type { ServiceName, Services } from './services.ts';

/**
 * A feature of the server (usually one XEP or one RFC section), in a folder
 * of its own under src/modules with its tests beside it, and one line in
 * src/modules/index.ts. A module only registers: hooks on the router's
 * events, IQ handlers, disco and stream features, services for other
 * modules. It never edits the core, and it reaches other modules only
 * through their services (ctx.require) and hooks, never their files.
 */
export interface ServerModule {
  /** folder name, e.g. 'ping' */
  name: string;
  /** specifications it implements, e.g. ['XEP-0199'] */
  implements: string[];
  /** modules whose services this one requires; the loader sets them up first */
  depends?: readonly string[];
  /** services this module gives others with ctx.provide() (core/services.ts) */
  provides?: readonly ServiceName[];
  setup(context: ModuleContext): void | Promise<void>;
}

export interface ModuleContext extends ServerCore {
  /** a logger whose lines carry the module's name */
  readonly log: Logger;
  /** called once at shutdown, in reverse order of registration */
  onStop(callback: () => void | Promise<void>): void;
  /** Offers a service this module declared in `provides`. */
  provide<N extends ServiceName>(name: N, service: Services[N]): void;
  /**
   * A service of a module this one declared in `depends`. Throws if that
   * module does not provide it (e.g. it is turned off in the config).
   */
  require<N extends ServiceName>(name: N): Services[N];
}
