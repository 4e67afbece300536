import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePorts } from '../../../server/test/support/free-port.ts';

/**
 * A real Conexizan server for one end-to-end test file, run the way an
 * operator runs it (`conexizan serve`, the command @conexizan/server exports) as a child
 * process: domain localhost, loopback only, SQLite in a temporary data
 * directory, open registration, the website at `/` and at `/chat/` the web
 * client as the global setup built it (support/build-web.ts).
 *
 * HTTPS is off unless asked for, so that the page, its WebSocket and file
 * uploads all live on one plain-HTTP origin the browser trusts (Chromium does
 * not trust the self-signed certificate the server makes). Its output is kept and shown
 * when a start fails; CONEXIZAN_TEST_LOG=debug also passes it through.
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONEXIZAN = fileURLToPath(import.meta.resolve('@conexizan/server/bin'));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface E2eServer {
  /** the web client, e.g. http://localhost:40123/chat/ */
  readonly url: string;
  /** the website's start page, e.g. http://localhost:40123/ */
  readonly site: string;
  /** the HTTPS listener's port, when asked for (0 otherwise) */
  readonly httpsPort: number;
  readonly domain: string;
  readonly httpPort: number;
  /** plain XMPP client port (STARTTLS), for slixmpp */
  readonly c2sPort: number;
  readonly dataDir: string;
  /** everything the server printed so far (for failure messages) */
  output(): string;
  /** SIGTERM, as an operator stopping the service: streams are closed and the process exits. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a pulled plug: connections just drop. */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and ports. */
  start(): Promise<void>;
  /** Stops it for good and removes the data directory. */
  dispose(): Promise<void>;
  /** A one-time invitation made with `conexizan invite create`, as an operator makes it: its page on the website. */
  invite(): Promise<string>;
}

export interface E2eServerOptions {
  registrationsPerHour?: number;
  /** upload.max_file_bytes (default: the server's) */
  maxUploadBytes?: number;
  /** also listen for HTTPS with the self-signed certificate, as `pnpm start` does */
  https?: boolean;
  /** registration mode (default open) */
  registration?: 'open' | 'invite' | 'closed';
  /** archive.retention_days (default: the server's) */
  retentionDays?: number;
  /** bare JIDs of the operators (`admins`) */
  admins?: string[];
  /** limits.failed_logins_per_address and …_per_account (default 1000: tests mistype on purpose) */
  failedLoginsPerAddress?: number;
  failedLoginsPerAccount?: number;
  /** upload.quota_bytes (default: the server's) */
  uploadQuotaBytes?: number;
  /** muc.max_rooms_per_user (default: the server's) */
  maxRoomsPerUser?: number;
  /** log.level (default: CONEXIZAN_TEST_LOG, else warn), e.g. debug to check what the log never holds */
  logLevel?: string;
}

export async function startE2eServer(options: E2eServerOptions = {}): Promise<E2eServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'conexizan-e2e-'));
  const config = join(dataDir, 'conexizan.toml');
  let ports = { http: 0, c2s: 0, https: 0 };
  let child: ChildProcess | null = null;
  let output = '';
  const echo = Boolean(process.env.CONEXIZAN_TEST_LOG);

  async function writeConfig(): Promise<void> {
    const [http, c2s, https] = (await freePorts(3)) as [number, number, number];
    ports = { http, c2s, https };
    await writeFile(config, [
      'domain = "localhost"',
      `data_dir = ${JSON.stringify(dataDir)}`,
      'bind = "127.0.0.1"',
      `registration = ${JSON.stringify(options.registration ?? 'open')}`,
      `admins = ${JSON.stringify(options.admins ?? [])}`,
      `web_root = ${JSON.stringify(inject('webRoot'))}`,
      '[ports]',
      `c2s = ${c2s}`,
      'c2s_tls = 0',
      's2s = 0',
      `http = ${http}`,
      `https = ${options.https ? https : 0}`,
      '[limits]',
      // every test user registers from 127.0.0.1
      `registrations_per_hour = ${options.registrationsPerHour ?? 1000}`,
      `failed_logins_per_address = ${options.failedLoginsPerAddress ?? 1000}`,
      `failed_logins_per_account = ${options.failedLoginsPerAccount ?? 1000}`,
      ...(options.maxUploadBytes || options.uploadQuotaBytes !== undefined ? ['[upload]'] : []),
      ...(options.maxUploadBytes ? [`max_file_bytes = ${options.maxUploadBytes}`] : []),
      ...(options.uploadQuotaBytes !== undefined ? [`quota_bytes = ${options.uploadQuotaBytes}`] : []),
      ...(options.maxRoomsPerUser ? ['[muc]', `max_rooms_per_user = ${options.maxRoomsPerUser}`] : []),
      ...(options.retentionDays ? ['[archive]', `retention_days = ${options.retentionDays}`] : []),
      '[log]',
      `level = ${JSON.stringify(options.logLevel ?? process.env.CONEXIZAN_TEST_LOG ?? 'warn')}`,
      'format = "json"',
      '',
    ].join('\n'));
  }

  async function startOnce(): Promise<void> {
    if (child) return;
    const process_ = spawn(process.execPath, [CONEXIZAN, '--config', config, 'serve'], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child = process_;
    const collect = (data: Buffer) => {
      output += data.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
      if (echo) process.stderr.write(data);
    };
    process_.stdout!.on('data', collect);
    process_.stderr!.on('data', collect);
    const exited = new Promise<never>((_, reject) => {
      process_.once('exit', (code, signal) => reject(new Error(`server exited during start (code ${code}, signal ${signal}):\n${output.slice(-4000)}`)));
    });
    exited.catch(() => {});
    process_.once('exit', () => {
      if (child === process_) child = null;
    });
    await Promise.race([waitForHealth(ports.http), exited]);
  }

  /**
   * Another process on this busy machine may take a port between freePorts()
   * and the server's listen(): the first start then picks new ports; a
   * restart keeps its ports and tries again briefly.
   */
  async function start(firstTime = false): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce();
      } catch (error) {
        if (!String(error).includes('EADDRINUSE') || attempt >= 10) throw error;
        if (firstTime) await writeConfig();
        else await new Promise((done) => setTimeout(done, 300));
      }
    }
  }

  async function stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const running = child;
    if (!running) return;
    const exit = new Promise<void>((done) => running.once('exit', () => done()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  }

  try {
    await writeConfig();
    await start(true);
  } catch (error) {
    await stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `http://localhost:${ports.http}/chat/`,
    site: `http://localhost:${ports.http}/`,
    get httpsPort() {
      return options.https ? ports.https : 0;
    },
    domain: 'localhost',
    httpPort: ports.http,
    c2sPort: ports.c2s,
    dataDir,
    output: () => output,
    stop: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
    start: () => start(),
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    async invite() {
      const { stdout } = await promisify(execFile)(process.execPath, [CONEXIZAN, '--config', config, 'invite', 'create', '--days', '1'], { cwd: REPO, env: cleanEnv() });
      const page = /^page: (\S+)$/m.exec(stdout)?.[1];
      if (!page) throw new Error(`conexizan invite create printed no page:\n${stdout}`);
      return page;
    },
  };
}

/** The test's config file decides; a developer's CONEXIZAN_* must not leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CONEXIZAN_')) delete env[key];
  return env;
}

/** The server is ready when its HTTP listener answers /health. */
async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not answer /health on port ${port} within ${START_TIMEOUT_MS} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
