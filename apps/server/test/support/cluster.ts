import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-port.ts';
import { startRedis, type RedisInstance } from './redis.ts';
import { serverProcess, type ServerProcess } from './server-process.ts';
import { eventually } from './wait.ts';

/**
 * A Conexizan cluster for one test file: a real Redis (test/support/redis.ts)
 * and the real PostgreSQL of scripts/ensure-postgres.sh (a schema of its
 * own), and N `conexizan serve` processes, each on a loopback address of its
 * own, sharing one data directory (uploads, secrets) as the README says a
 * cluster must. Nodes are started once per file; a test may kill one
 * (SIGKILL) and start it again.
 */
export interface ClusterNodeUnderTest {
  readonly id: string;
  readonly address: string;
  readonly ports: { c2s: number; http: number; s2s: number; component: number };
  readonly process: ServerProcess;
  /** GET /health on this node */
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
  metrics(): Promise<string>;
}

export interface ClusterUnderTest {
  readonly domain: string;
  readonly nodes: ClusterNodeUnderTest[];
  readonly redis: RedisInstance;
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** waits until every running node counts `count` live nodes */
  waitForNodes(count: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export function postgresUrlForTests(): string | null {
  const url = process.env.CONEXIZAN_TEST_POSTGRES_URL;
  if (url) return url;
  if (process.env.CONEXIZAN_TEST_POSTGRES === 'off') return null;
  throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');
}

export interface ClusterOptions {
  /** one loopback address per node, e.g. 127.0.0.51–53 */
  addresses: string[];
  redisAddress: string;
  postgresUrl: string;
  domain?: string;
  /** lines added to every node's config (TOML, before the [cluster] section) */
  extraToml?: (node: { id: string; address: string; index: number }) => string;
  /** federation on (each node gets a free s2s port, or the one given here) */
  s2s?: boolean;
  s2sPorts?: number[];
  nodeTimeoutSeconds?: number;
  logLevel?: string;
  /** [limits] options (default: registrations_per_hour = 1000) */
  limits?: Record<string, number>;
  /** external components (XEP-0114) allowed to connect; each node then listens for them on a free port */
  components?: { domain: string; secret: string }[];
}

export async function startCluster(options: ClusterOptions): Promise<ClusterUnderTest> {
  const domain = options.domain ?? 'localhost';
  const dir = mkdtempSync(join(tmpdir(), 'conexizan-cluster-'));
  const dataDir = join(dir, 'shared-data');
  mkdirSync(dataDir);
  const url = new URL(options.postgresUrl);
  url.searchParams.set('schema', `cluster_${randomBytes(4).toString('hex')}`);
  const databaseUrl = url.toString();
  const redis = await startRedis({ address: options.redisAddress });
  const nodes: ClusterNodeUnderTest[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.process.stop()));
    // CONEXIZAN_TEST_CLUSTER_LOGS=1 prints what each node logged (with log level debug: logLevel option).
    if (process.env.CONEXIZAN_TEST_CLUSTER_LOGS) for (const node of nodes) process.stderr.write(`--- ${node.id} ---\n${node.process.output()}\n`);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [index, address] of options.addresses.entries()) {
      const id = `node-${index + 1}`;
      const [c2s, http, s2s, freeComponentPort] = (await freePorts(4)) as [number, number, number, number];
      const component = options.components?.length ? freeComponentPort : 0;
      const toml = [
        `domain = "${domain}"`,
        `data_dir = "${dataDir}"`,
        `database_url = ${JSON.stringify(databaseUrl)}`,
        `bind = "${address}"`,
        '[ports]',
        `c2s = ${c2s}`,
        'c2s_tls = 0',
        `s2s = ${options.s2s ? (options.s2sPorts?.[index] ?? s2s) : 0}`,
        `http = ${http}`,
        'https = 0',
        `component = ${component}`,
        '[limits]',
        ...Object.entries({ registrations_per_hour: 1000, ...options.limits }).map(([name, value]) => `${name} = ${value}`),
        '[accounts]',
        'scram_iterations = 4096',
        '[log]',
        `level = "${options.logLevel ?? process.env.CONEXIZAN_TEST_CLUSTER_LOG_LEVEL ?? 'info'}"`,
        'format = "json"',
        options.extraToml?.({ id, address, index }) ?? '',
        ...(options.components ?? []).map((c) => `[[components]]\ndomain = "${c.domain}"\nsecret = "${c.secret}"`),
        '[cluster]',
        `redis_url = "${redis.url}"`,
        `node_id = "${id}"`,
        `node_timeout_seconds = ${options.nodeTimeoutSeconds ?? 3}`,
        '',
      ].join('\n');
      const process_ = serverProcess({ configFile: join(dir, `${id}.toml`), toml, host: address, c2sPort: c2s });
      const base = `http://${address}:${http}`;
      nodes.push({
        id,
        address,
        ports: { c2s, http, s2s: options.s2s ? (options.s2sPorts?.[index] ?? s2s) : 0, component },
        process: process_,
        async health() {
          const response = await fetch(`${base}/health`);
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        },
        async metrics() {
          return (await fetch(`${base}/metrics`)).text();
        },
      });
    }
    // One after the other: the first creates the schema and the shared secrets.
    for (const node of nodes) await node.process.start();
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    domain,
    nodes,
    redis,
    dataDir,
    databaseUrl,
    async waitForNodes(count, ms = 20_000) {
      await eventually(async () => {
        for (const node of nodes) {
          const health = await node.health().catch(() => null);
          if (health && health.body.nodes !== count) return false;
        }
        return true;
      }, `every running node to count ${count} live nodes`, ms);
    },
    stop: stopAll,
  };
}
