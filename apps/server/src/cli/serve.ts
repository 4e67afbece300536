import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { startServer } from '../server.ts';

/**
 * Runs until SIGTERM/SIGINT, then drains (no new connections, every client
 * told to reconnect elsewhere, unacknowledged stanzas kept) and exits 0,
 * or 1 if that took longer than shutdown.grace_seconds.
 * SIGHUP re-reads the config file (and environment) and applies what can
 * change without a restart: the federation block and allow lists, and the
 * TLS certificate and key (read again from their files, e.g. after a
 * renewal: new connections get the new certificate).
 * Returns -1: the process stays up.
 */
export async function runServe(config: Config, configFile?: string): Promise<number> {
  const server = await startServer({ config });
  const log = server.core.log;
  if (server.certificate.selfSigned) log.info({ certificate: server.certificate.path.cert }, 'using a self-signed certificate; configure tls.cert and tls.key for production');
  // A drained node (`conexizan drain`) has no listener left to keep Node
  // running, yet it waits for SIGTERM like any other.
  setInterval(() => undefined, 2 ** 30);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, grace_seconds: config.shutdown.grace_seconds }, 'shutting down');
    // The promise to the platform (Kubernetes, systemd) that sends SIGKILL after its own limit.
    setTimeout(() => {
      log.error({ grace_seconds: config.shutdown.grace_seconds }, 'shutdown took longer than its grace period; exiting now');
      process.exit(1);
    }, config.shutdown.grace_seconds * 1000).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    let next: Config;
    try {
      next = loadConfig({ file: configFile });
    } catch (error) {
      log.error({ err: error }, 'the changed configuration was not applied');
      return;
    }
    void server.reload(next);
  });
  return -1;
}
