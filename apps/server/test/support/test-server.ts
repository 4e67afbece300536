import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { configSchema, type Config } from '../../src/config/schema.ts';
import type { ServerCore } from '../../src/core/core.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freePorts } from './free-port.ts';

/**
 * One real Conexizan server for a test file: loopback only, a fresh data
 * directory (SQLite, generated self-signed certificate), every client
 * listener on a free port, federation off unless the test gives
 * `ports.s2s` (federation tests: their own loopback address as `bind`, a
 * domain, and `s2s.hosts` mapping the peer's domain to its address). Start
 * it once per file (beforeAll) and stop it in afterAll.
 *
 * Logs are silent; CONEXIZAN_TEST_LOG=debug (or any pino level) shows them.
 */
type ConfigInput = z.input<typeof configSchema>;
type Section<K extends keyof ConfigInput> = NonNullable<ConfigInput[K]>;

/** Top-level options, and nested sections merged key by key over the test defaults. */
export type TestServerOverrides = {
  [K in keyof ConfigInput]?: Section<K> extends Record<string, unknown> ? Partial<Section<K>> : ConfigInput[K];
};

export interface TestPorts {
  c2s: number;
  c2s_tls: number;
  http: number;
  https: number;
}

export interface TestServer {
  /** the running server; a new object after restart() */
  readonly server: RunningServer;
  readonly core: ServerCore;
  readonly config: Config;
  readonly ports: TestPorts;
  readonly dataDir: string;
  readonly domain: string;
  /** Stops the server and starts a new one on the same data directory and ports. */
  restart(): Promise<void>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export async function startTestServer(overrides: TestServerOverrides = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'conexizan-test-'));
  const [c2s, c2s_tls, http, https] = (await freePorts(4)) as [number, number, number, number];
  const envLevel = process.env.CONEXIZAN_TEST_LOG;
  const level = (LOG_LEVELS as readonly string[]).includes(envLevel ?? '') ? (envLevel as (typeof LOG_LEVELS)[number]) : 'silent';
  const input: ConfigInput = {
    domain: 'localhost',
    bind: '127.0.0.1',
    data_dir: dataDir,
    ...overrides,
    ports: { c2s, c2s_tls, http, https, ...overrides.ports, s2s: overrides.ports?.s2s ?? 0 },
    limits: {
      // Tests register many accounts from 127.0.0.1 and fail logins on purpose.
      registrations_per_hour: 1000,
      failed_logins_per_address: 1000,
      failed_logins_per_account: 1000,
      // Tests open many connections from 127.0.0.1 at once.
      unauthenticated_connections_per_address: 1000,
      ...overrides.limits,
    },
    accounts: { scram_iterations: 4096, reserve_deleted_days: 30, ...overrides.accounts },
    log: { level, format: 'json', ...overrides.log },
  };
  const config = configSchema.parse(input);
  let server = await startServer({ config });
  let stopped = false;

  const ports: TestPorts = { c2s, c2s_tls, http, https };
  for (const name of Object.keys(ports) as (keyof TestPorts)[]) {
    if (config.ports[name] !== 0 && server.ports[name] !== ports[name]) {
      throw new Error(`server bound ${name} to ${server.ports[name]}, expected ${ports[name]}`);
    }
  }

  return {
    get server() {
      return server;
    },
    get core() {
      return server.core;
    },
    config,
    ports,
    dataDir,
    domain: config.domain,
    async restart() {
      await server.stop();
      server = await startWithRetry(config);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await server.stop();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A just-closed listening port is normally reusable at once; retry briefly in case it is not. */
async function startWithRetry(config: Config): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer({ config });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
