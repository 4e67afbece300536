import { resolve } from 'node:path';
import pino from 'pino';
import { prepDomainpart } from '@conexizan/protocol';
import { openStorage } from '@conexizan/storage';
import type { Config } from '../config/schema.ts';
import type { ServerCore } from '../core/core.ts';
import { loadModules } from '../core/loader.ts';
import { createLogger } from '../core/log.ts';
import { createMetrics } from '../core/metrics.ts';
import { MODULES } from '../modules/index.ts';
import { assembleCore } from '../server.ts';

/**
 * The server's core and modules, set up as `serve` sets them up but without
 * a listener, for the commands that must act exactly as the server does:
 * deleting an account runs the same lifecycle (contacts told, uploads
 * removed), room and invitation commands use the modules' own services.
 *
 * Stanzas the modules send here reach local accounts only (through the
 * router, into storage: a contact's roster changes, a pending request is
 * dropped); nothing goes to other servers, since no federation runs, and
 * nobody connected to a server running beside this process hears it
 * live: such a session sees the change when it next fetches it.
 */
export interface OfflineServer {
  readonly core: ServerCore;
  close(): Promise<void>;
}

export async function openOfflineServer(config: Config): Promise<OfflineServer> {
  // Modules that listen themselves (components, the SOCKS5 proxy) stay off: the ports may be the running server's.
  const offline: Config = { ...config, ports: { ...config.ports, component: 0, proxy65: 0 } };
  const domain = prepDomainpart(offline.domain);
  const storage = await openStorage({ url: offline.database_url || undefined, dataDir: resolve(offline.data_dir) });
  // Standard output is the command's answer; warnings go to standard error.
  const log = createLogger({ level: 'warn', format: 'json', destination: pino.destination(2) });
  const core = assembleCore({ config: offline, domain, log, metrics: createMetrics(), storage });
  try {
    const modules = await loadModules(core, MODULES);
    return {
      core,
      async close() {
        await modules.stop();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
