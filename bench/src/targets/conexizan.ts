import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { readCpuSeconds, readMemory, readTreeCpuSeconds } from '../metrics/proc.ts';
import { InspectorProfiler } from '../profile/inspector.ts';
import { packageVersion } from './peers.ts';
import { freeLoopbackPorts, serverFilesBase, ServerProcess, sleep } from './server-process.ts';
import type { Account, Endpoint, RosterOf, StopResult, Target, TargetSettings } from './target.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
// tsx by URL, so that child processes can run in the data dir, far from any node_modules.
const TSX = import.meta.resolve('tsx');
const SERVER_BIN = fileURLToPath(import.meta.resolve('@conexizan/server/bin'));
const SERVER_PACKAGE = fileURLToPath(import.meta.resolve('@conexizan/server/package.json'));
const SEED_SCRIPT = join(HERE, 'conexizan-seed.ts');

/**
 * Conexizan from this checkout, as its operators run it: `conexizan serve`
 * configured through CONEXIZAN_* variables, a fresh data dir, loopback only.
 * With `postgresUrl` ('conexizan-postgresql') its store is PostgreSQL, in a
 * schema of its own that stop() drops.
 *
 * With `nodes` > 1 ('conexizan ×N', --nodes) it runs as a cluster: N
 * processes behind one domain on that PostgreSQL and a Redis of its own
 * (Debian's redis-server on a loopback address and port of its own), one
 * data directory for all, node i on its own loopback address (127.0.0.11,
 * .21, .31…); the clients go to the nodes round robin (`endpoints`). Its
 * CPU is every node's, Redis's and the PostgreSQL cluster's; its memory the
 * nodes' and Redis's. Profiles and heap snapshots are of the first node.
 */
const REDIS_SERVER = '/usr/bin/redis-server';

interface Node {
  host: string;
  ports: { c2s: number; c2sTls: number; http: number; https: number };
  process: ServerProcess;
}

export class ConexizanTarget implements Target {
  readonly name: string;
  readonly version = conexizanVersion();
  readonly notes: string[];
  readonly #options: TargetSettings;
  readonly #databaseUrl: string | null = null;
  /** the local PostgreSQL cluster's postmaster, whose CPU counts as the server's */
  readonly #postmasterPid: number | null = null;
  readonly #dataDir = mkdtempSync(join(serverFilesBase(), 'conexizan-bench-'));
  readonly #nodeCount: number;
  #nodes: Node[] = [];
  #redis: { process: ServerProcess; host: string; port: number; url: string } | null = null;
  #profiler: InspectorProfiler | null = null;
  readonly #seeding = new AbortController();

  constructor(options: TargetSettings, postgresUrl?: string, nodes = 1) {
    if (nodes > 1 && !postgresUrl) throw new Error('several nodes need PostgreSQL');
    this.#options = options;
    this.#nodeCount = nodes;
    this.name = nodes > 1 ? `conexizan ×${nodes}` : postgresUrl ? 'conexizan-postgresql' : 'conexizan';
    let storageNote = 'SQLite storage (the default), every module of the default configuration';
    if (postgresUrl) {
      const url = new URL(postgresUrl);
      url.searchParams.set('schema', `bench_${randomBytes(4).toString('hex')}`);
      this.#databaseUrl = url.toString();
      const cluster = localCluster(url);
      this.#postmasterPid = cluster?.postmasterPid ?? null;
      storageNote = cluster
        ? `PostgreSQL ${cluster.version} storage (data on ${cluster.disk}, default settings: a WAL sync at each commit); server CPU includes every process of that cluster (its other users too)`
        : 'PostgreSQL storage, not on this machine: its CPU is not in the figures';
    }
    this.notes = [
      ...(nodes > 1 ? [`${nodes} nodes (cluster mode) on that PostgreSQL and one Redis (redis-server ${packageVersion('redis-server')}), the clients spread over them; CPU and memory of every node and of Redis`] : []),
      storageNote,
      `archive.default_preference = ${options.archive ? 'always' : 'never'}`,
    ];
  }

  get endpoints(): Endpoint[] {
    if (this.#nodes.length === 0) throw new Error('prepare() first');
    return this.#nodes.map(({ host, ports }) => ({ host, domain: 'localhost', directTlsPort: ports.c2sTls, starttlsPort: ports.c2s, websocketUrl: `wss://${host}:${ports.https}/xmpp-websocket` }));
  }

  get endpoint(): Endpoint {
    return this.endpoints[0]!;
  }

  get pid(): number {
    return this.#first.process.pid;
  }

  cpuSeconds(): number {
    let own = 0;
    for (const pid of this.#pids()) own += readCpuSeconds(pid);
    if (this.#postmasterPid === null) return own;
    try {
      return own + readTreeCpuSeconds(this.#postmasterPid);
    } catch {
      return own; // the cluster stopped: what it used is no longer readable
    }
  }

  memory(): { rss: number; peakRss: number } {
    const total = { rss: 0, peakRss: 0 };
    for (const pid of this.#pids()) {
      const memory = readMemory(pid);
      total.rss += memory.rss;
      total.peakRss += memory.peakRss;
    }
    return total;
  }

  get filesDir(): string {
    return this.#dataDir;
  }

  async prepare(accounts: Account[], rosterOf: RosterOf): Promise<void> {
    const [a, b, c, first] = this.#options.host.split('.').map(Number) as [number, number, number, number];
    for (let i = 0; i < this.#nodeCount; i++) {
      const host = i === 0 ? this.#options.host : `${a}.${b}.${c}.${first + 10 * i}`;
      const [c2s, c2sTls, http, https] = await freeLoopbackPorts(4, host);
      const log = join(this.#dataDir, this.#nodeCount > 1 ? `node-${i + 1}.log` : 'server.log');
      this.#nodes.push({ host, ports: { c2s: c2s!, c2sTls: c2sTls!, http: http!, https: https! }, process: new ServerProcess(log) });
    }
    if (this.#nodeCount > 1) {
      if (!existsSync(REDIS_SERVER)) throw new Error('redis-server is not installed (apt-get install redis-server)');
      const host = `${a}.${b}.${c}.${first + 8}`;
      const [port] = await freeLoopbackPorts(1, host);
      this.#redis = { process: new ServerProcess(join(this.#dataDir, 'redis.log')), host, port: port!, url: `redis://:${randomBytes(12).toString('hex')}@${host}:${port}` };
    }
    // One child process creates every account through the server's own
    // AccountService and the rosters through storage; `conexizan user add`
    // would cost a process per account.
    // The load comes from a few loopback addresses, and each login in flight holds a token of its
    // address's failed-login budget until its password is checked: the budget must cover the
    // logins in flight (the variables below raise the other per-address limits). Read from the
    // data dir, the server's working directory.
    writeFileSync(join(this.#dataDir, 'conexizan.toml'), '[limits]\nfailed_logins_per_address = 1000000\n');
    const file = join(this.#dataDir, 'accounts.json');
    writeFileSync(file, JSON.stringify(accounts.map((a, i) => ({ ...a, contacts: rosterOf(i).map((c) => accounts[c]!.username) }))));
    await promisify(execFile)(process.execPath, ['--import', TSX, SEED_SCRIPT, file], {
      cwd: this.#dataDir,
      env: this.#env(0),
      timeout: 10 * 60_000,
      signal: this.#seeding.signal, // stop() ends it too, e.g. on ctrl-c during provisioning
    });
    rmSync(file);
  }

  async start(): Promise<void> {
    const redis = this.#redis;
    if (redis) {
      const password = new URL(redis.url).password;
      const args = ['--bind', redis.host, '--port', String(redis.port), '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', this.#dataDir, '--daemonize', 'no'];
      redis.process.spawn(REDIS_SERVER, args, { cwd: this.#dataDir, env: process.env, openFiles: 10_000 });
      await redis.process.waitForPort(redis.host, redis.port, 10_000);
    }
    // cwd is the data dir (for the seeding too) so that a conexizan.toml lying in the checkout cannot change the setup.
    // With a profile dir, the inspector listens on the server's loopback address (a free port) so
    // that the bench can profile exactly the message phase (Profiler.start/stop).
    const inspect = this.#options.profileDir || this.#options.heapSnapshotDir ? [`--inspect=${this.#options.host}:0`] : [];
    // The nodes one after the other, as an operator starts them.
    for (const [i, { host, ports, process: node }] of this.#nodes.entries()) {
      node.spawn(process.execPath, [...(i === 0 ? inspect : []), SERVER_BIN, 'serve'], { cwd: this.#dataDir, env: this.#env(i), openFiles: this.#options.openFiles });
      await node.waitForPort(host, ports.c2sTls, 60_000);
      await node.waitForPort(host, ports.c2s, 10_000);
      await node.waitForPort(host, ports.https, 10_000);
    }
  }

  /**
   * From the server's own /metrics (loopback needs no token): heap in use,
   * bound sessions, and storage calls in total and per operation, so that a
   * phase can be put down to so many database round trips per login or message.
   */
  async extraStats(): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    for (const { host, ports } of this.#nodes) {
      for (const [name, value] of Object.entries(await nodeStats(host, ports.http))) total[name] = (total[name] ?? 0) + value;
    }
    return total;
  }

  async startProfile(): Promise<void> {
    if (!this.#options.profileDir) return;
    this.#profiler = await this.#attachInspector();
    await this.#profiler.start();
    await this.#profiler.startSampling();
  }

  async heapSnapshot(name: string): Promise<string> {
    const dir = this.#options.heapSnapshotDir;
    if (!dir) throw new Error('no heap snapshot dir');
    const inspector = await this.#attachInspector();
    try {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.heapsnapshot`);
      writeFileSync(file, await inspector.heapSnapshot());
      return file;
    } finally {
      inspector.close();
    }
  }

  async #attachInspector(): Promise<InspectorProfiler> {
    let url: string | null = null;
    for (let i = 0; i < 50 && !url; i++) {
      url = InspectorProfiler.urlFrom(this.#first.process.logTail(200));
      if (!url) await sleep(100);
    }
    if (!url) throw new Error('the server did not print its inspector URL');
    return InspectorProfiler.attach(url);
  }

  async stopProfile(name: string): Promise<{ cpu: string; allocations: string }> {
    const profiler = this.#profiler;
    if (!profiler || !this.#options.profileDir) throw new Error('no profile running');
    this.#profiler = null;
    const profile = await profiler.stop();
    const allocations = await profiler.stopSampling();
    profiler.close();
    mkdirSync(this.#options.profileDir, { recursive: true });
    const files = { cpu: join(this.#options.profileDir, `${name}.cpuprofile`), allocations: join(this.#options.profileDir, `${name}.heapprofile`) };
    writeFileSync(files.cpu, JSON.stringify(profile));
    writeFileSync(files.allocations, JSON.stringify(allocations));
    return files;
  }

  unexpectedExit(): string | null {
    for (const [i, node] of this.#nodes.entries()) {
      const exit = node.process.unexpectedExit;
      if (exit) return this.#nodeCount > 1 ? `node ${i + 1}: ${exit}` : exit;
    }
    const redis = this.#redis?.process.unexpectedExit;
    return redis ? `redis-server: ${redis}` : null;
  }

  /** Every node at once (SIGTERM), then Redis; the slowest node's time is the figure. */
  async stop(keepFiles: boolean): Promise<StopResult> {
    this.#seeding.abort();
    const results = await Promise.all(this.#nodes.map((node) => node.process.stop()));
    await this.#redis?.process.stop();
    if (!keepFiles) {
      rmSync(this.#dataDir, { recursive: true, force: true });
      await this.#dropSchema();
    }
    return results.reduce<StopResult>((a, b) => (b.exitedEarly || b.stopMs > a.stopMs ? b : a), results[0] ?? { exitCode: null, signal: null, stopMs: 0, exitedEarly: false });
  }

  killNow(): void {
    this.#seeding.abort();
    for (const node of this.#nodes) node.process.killNow();
    this.#redis?.process.killNow();
  }

  logTail(): string {
    if (this.#nodeCount === 1) return this.#first.process.logTail();
    return this.#nodes.map((node, i) => `node ${i + 1}:\n${node.process.logTail(15)}`).join('\n');
  }

  get #first(): Node {
    const node = this.#nodes[0];
    if (!node) throw new Error('prepare() first');
    return node;
  }

  #pids(): number[] {
    const pids = this.#nodes.filter((node) => node.process.running).map((node) => node.process.pid);
    if (this.#redis?.process.running) pids.push(this.#redis.process.pid);
    return pids;
  }

  async #dropSchema(): Promise<void> {
    if (!this.#databaseUrl) return;
    const url = new URL(this.#databaseUrl);
    const schema = url.searchParams.get('schema')!;
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString() });
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    } catch {
      // Not there (never created) or unreachable: nothing to drop from here.
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  #env(i: number): NodeJS.ProcessEnv {
    const { host, ports } = this.#nodes[i]!;
    // Start from the caller's environment minus any CONEXIZAN_* it may carry, so only these settings apply.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CONEXIZAN_')));
    return {
      ...env,
      CONEXIZAN_DOMAIN: 'localhost',
      CONEXIZAN_DATA_DIR: this.#dataDir,
      ...(this.#databaseUrl ? { CONEXIZAN_DATABASE_URL: this.#databaseUrl } : {}),
      CONEXIZAN_BIND: host,
      CONEXIZAN_C2S_PORT: String(ports.c2s),
      CONEXIZAN_C2S_TLS_PORT: String(ports.c2sTls),
      CONEXIZAN_S2S_PORT: '0',
      CONEXIZAN_HTTP_PORT: String(ports.http),
      CONEXIZAN_HTTPS_PORT: String(ports.https),
      CONEXIZAN_TLS_CERT: this.#options.certFile,
      CONEXIZAN_TLS_KEY: this.#options.keyFile,
      CONEXIZAN_ARCHIVE_DEFAULT: this.#options.archive ? 'always' : 'never',
      CONEXIZAN_LOG_LEVEL: 'warn',
      CONEXIZAN_LOG_FORMAT: 'json',
      CONEXIZAN_SCRAM_ITERATIONS: String(this.#options.scramIterations),
      // The load comes from a few loopback addresses: per-address limits meant for the internet would throttle the bench itself.
      CONEXIZAN_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS: '100000',
      CONEXIZAN_CONCURRENT_LOGINS_PER_ADDRESS: '10000',
      // In-band registration is not used (accounts are made beforehand); keep the setup closed.
      CONEXIZAN_REGISTRATION: 'closed',
      ...(this.#redis ? { CONEXIZAN_REDIS_URL: this.#redis.url, CONEXIZAN_NODE_ID: `bench-${i + 1}` } : {}),
    };
  }
}

/**
 * From a node's own /metrics (loopback needs no token): heap in use, bound
 * sessions, and storage calls in total and per operation, so that a phase
 * can be put down to so many database round trips per login or message;
 * in a cluster also the stanzas it sent to other nodes.
 */
async function nodeStats(host: string, httpPort: number): Promise<Record<string, number>> {
  try {
    const response = await fetch(`http://${host}:${httpPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    const stats: Record<string, number> = {
      heapUsedBytes: value('conexizan_process_nodejs_heap_size_used_bytes'),
      boundSessions: value('conexizan_sessions'),
      storageCalls: 0,
    };
    for (const [, operation, count] of text.matchAll(/^conexizan_storage_seconds_count\{operation="([^"]+)"\} (\d+)$/gm)) {
      stats[`storageCalls.${operation}`] = Number(count);
      stats.storageCalls! += Number(count);
    }
    const routed = /^conexizan_cluster_stanzas_total\{direction="sent"\} (\d+)$/m.exec(text);
    if (routed) stats.stanzasToOtherNodes = Number(routed[1]);
    return stats;
  } catch {
    return {};
  }
}

/** The URL of a PostgreSQL to use: the given one, or the cluster the project's script starts (as root). */
export function postgresUrlFor(given: string | undefined): string {
  if (given) return given;
  const out = execFileSync('bash', [join(REPO, 'scripts/ensure-postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1)!;
}

/**
 * The cluster of Debian's postgresql-common that listens on the URL's port,
 * if it runs here: its version, the file system under its data, its postmaster.
 */
function localCluster(url: URL): { version: string; disk: string; postmasterPid: number } | null {
  if (!['127.0.0.1', 'localhost', '::1'].includes(url.hostname)) return null;
  try {
    const port = url.port || '5432';
    const line = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[2] === port && f[3] === 'online');
    if (!line) return null;
    const [version, , , , , dataDir] = line as [string, string, string, string, string, string];
    const fsType = execFileSync('df', ['--output=fstype', dataDir], { encoding: 'utf8' }).trim().split('\n').at(-1)!.trim();
    const postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return { version, disk: fsType === 'tmpfs' ? 'tmpfs' : `a disk (${fsType})`, postmasterPid };
  } catch {
    return null;
  }
}

/** package version and commit of this checkout */
function conexizanVersion(): string {
  let version = '?';
  try {
    version = (JSON.parse(readFileSync(SERVER_PACKAGE, 'utf8')) as { version: string }).version;
    return `${version} (${execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()})`;
  } catch {
    return version;
  }
}
