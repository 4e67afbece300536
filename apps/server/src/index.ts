/**
 * @conexizan/server as other packages use it (the benchmark, embedding
 * tests): start a whole server, or its core and modules without listeners,
 * from a config loaded the way the `conexizan` command loads it. The
 * command itself is `@conexizan/server/bin`. Everything else in src/ is
 * the server's own business.
 */
export { startServer, type RunningServer, type StartOptions } from './server.ts';
export { openOfflineServer, type OfflineServer } from './cli/offline-server.ts';
export { ConfigError, loadConfig, type LoadOptions } from './config/load.ts';
export { configSchema, type Config } from './config/schema.ts';
export { AccountError, type AccountService } from './accounts/account-service.ts';
export type { ServerCore } from './core/core.ts';
