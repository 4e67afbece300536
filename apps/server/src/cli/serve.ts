import type { Config } from '../config/schema.ts';
import { startServer } from '../server.ts';

/** Runs until SIGTERM/SIGINT, then closes every stream cleanly and exits 0. Returns -1: the process stays up. */
export async function runServe(config: Config): Promise<number> {
  const server = await startServer({ config });
  const log = server.core.log;
  if (server.certificate.selfSigned) log.info({ certificate: server.certificate.path.cert }, 'using a self-signed certificate; configure tls.cert and tls.key for production');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
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
  return -1;
}
