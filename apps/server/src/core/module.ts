import type { ServerCore } from './core.ts';
import type { Logger } from './log.ts';

/**
 * A feature of the server (usually one XEP or one RFC section), in a folder
 * of its own under src/modules with its tests beside it, and one line in
 * src/modules/index.ts. A module only registers: hooks on the router's
 * events, IQ handlers, disco and stream features. It never edits the core.
 */
export interface ServerModule {
  /** folder name, e.g. 'ping' */
  name: string;
  /** specifications it implements, e.g. ['XEP-0199'] */
  implements: string[];
  setup(context: ModuleContext): void | Promise<void>;
}

export interface ModuleContext extends ServerCore {
  /** a logger whose lines carry the module's name */
  readonly log: Logger;
  /** called once at shutdown, in reverse order of registration */
  onStop(callback: () => void | Promise<void>): void;
}
