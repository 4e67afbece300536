import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { freePorts } from './free-port.ts';
import { sleep, WaitTimeoutError } from './wait.ts';

/**
 * A real Prosody (Debian's 0.12 package, installed by
 * scripts/install-test-deps.sh) as a federation peer for one test file: its
 * own loopback address and domain, a fresh self-signed certificate, a
 * config written here, foreground as root (see /work/shared/reference/peers.md).
 * Names resolve through lua-unbound with a hosts file written here, so
 * Prosody finds our test domain without touching /etc/hosts.
 */
export interface ProsodyOptions {
  domain: string;
  /** loopback address Prosody alone listens on */
  address: string;
  /** domain -> address of the other servers; without `peerSrv` Prosody finds no SRV records, so it connects to port 5269 there */
  peers: Record<string, string>;
  /**
   * An _xmpp-server._tcp SRV record for one peer, so that peer may listen on
   * any free port instead of 5269 (two test runs on one machine cannot
   * collide). One only: lua-unbound takes a single local-data option.
   */
  peerSrv?: { domain: string; port: number };
  /** a XEP-0045 service on this Prosody (its own `muc` component, with mod_muc_mam), e.g. conference.<domain> */
  muc?: string;
  /** load mod_smacks, which also does XEP-0198 on server-to-server streams (smacks_enabled_s2s defaults to true) */
  streamManagement?: boolean;
  /** a certificate (PEM) from a test CA instead of a self-signed one, and that CA to trust: peers then authenticate by certificate */
  tls?: { cert: string; key: string; caFile: string };
}

export interface ProsodyInstance {
  readonly domain: string;
  readonly address: string;
  readonly c2sPort: number;
  /** server-to-server with STARTTLS, and with TLS from the first byte (XEP-0368) */
  readonly s2sPort: number;
  readonly s2sDirectTlsPort: number;
  readonly dir: string;
  readonly running: boolean;
  /** creates an account with prosodyctl */
  register(username: string, password: string): void;
  /** the end of Prosody's log, for failure messages */
  logTail(lines?: number): string;
  /** SIGKILL: the peer vanishes mid-stream */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** null when Prosody and lua-unbound are installed, else why not. */
export function prosodyProblem(): string | null {
  if (!existsSync('/usr/bin/prosody') || !existsSync('/usr/bin/prosodyctl')) return 'prosody is not installed (run scripts/install-test-deps.sh as root)';
  if (spawnSync('dpkg', ['-s', 'lua-unbound'], { encoding: 'utf8' }).status !== 0) return 'lua-unbound is not installed (run scripts/install-test-deps.sh as root)';
  return null;
}

export async function startProsody(options: ProsodyOptions): Promise<ProsodyInstance> {
  const problem = prosodyProblem();
  if (problem) throw new Error(problem);
  const dir = await mkdtemp(join(tmpdir(), 'conexizan-prosody-'));
  const [c2sPort, s2sPort, s2sDirectTlsPort] = (await freePorts(3)) as [number, number, number];
  const certificate = await generate([{ name: 'commonName', value: options.domain }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: options.domain }, { type: 2, value: `*.${options.domain}` }] }],
  });
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  writeFileSync(join(dir, 'cert.pem'), options.tls?.cert ?? certificate.cert);
  writeFileSync(join(dir, 'key.pem'), options.tls?.key ?? certificate.private, { mode: 0o600 });
  writeFileSync(join(dir, 'hosts'), Object.entries(options.peers).map(([domain, address]) => `${address} ${domain}\n`).join(''));
  const config = join(dir, 'prosody.cfg.lua');
  const level = process.env.CONEXIZAN_TEST_LOG === 'debug' ? 'debug' : 'info';
  writeFileSync(
    config,
    `-- written by apps/server/test/support/prosody.ts for one test file
daemonize = false
run_as_root = true
data_path = ${lua(join(dir, 'data'))}
log = { ${level} = ${lua(join(dir, 'prosody.log'))} }
interfaces = { ${lua(options.address)} }
c2s_interfaces = { ${lua(options.address)} }
s2s_interfaces = { ${lua(options.address)} }
local_interfaces = { ${lua(options.address)} }
c2s_ports = { ${c2sPort} }
s2s_ports = { ${s2sPort} }
s2s_direct_tls_ports = { ${s2sDirectTlsPort} }
http_ports = { }
https_ports = { }
component_ports = { }
modules_enabled = { "roster", "saslauth", "tls", "dialback", "s2s_bidi", "disco", "pep", "vcard", "private", "ping", "version"${options.streamManagement ? ', "smacks"' : ''} }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
s2s_require_encryption = true
-- Our test server's certificate is self-signed: dialback decides (XEP-0220).
s2s_secure_auth = false
unbound = { hoststxt = ${lua(join(dir, 'hosts'))}${options.peerSrv ? `, options = { ["local-data:"] = ${lua(`_xmpp-server._tcp.${options.peerSrv.domain}. 60 IN SRV 0 0 ${options.peerSrv.port} ${options.peerSrv.domain}.`)} }` : ''} }
ssl = { certificate = ${lua(join(dir, 'cert.pem'))}, key = ${lua(join(dir, 'key.pem'))}${options.tls ? `, cafile = ${lua(options.tls.caFile)}` : ''} }

VirtualHost ${lua(options.domain)}
${options.muc ? `\nComponent ${lua(options.muc)} "muc"\n  modules_enabled = { "muc_mam" }\n` : ''}`,
  );

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const logFile = join(dir, 'prosody.log');
  const logTail = (lines = 40) => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)');

  const launch = async () => {
    const process_ = spawn('/usr/bin/prosody', ['--config', config, '-F'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let output = '';
    process_.stdout?.setEncoding('utf8').on('data', (data: string) => (output += data));
    process_.stderr?.setEncoding('utf8').on('data', (data: string) => (output += data));
    child = process_;
    exited = new Promise((resolve) => process_.once('exit', () => resolve()));
    try {
      await waitForPort(options.address, c2sPort, 20_000);
      await waitForPort(options.address, s2sPort, 5_000);
      await waitForPort(options.address, s2sDirectTlsPort, 5_000);
    } catch (error) {
      process_.kill('SIGKILL');
      throw new Error(`Prosody did not start: ${(error as Error).message}\n${output}\n${logTail()}`, { cause: error });
    }
  };
  await launch();

  const stopChild = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  return {
    domain: options.domain,
    address: options.address,
    c2sPort,
    s2sPort,
    s2sDirectTlsPort,
    dir,
    get running() {
      return child !== null && child.exitCode === null;
    },
    register(username, password) {
      const result = spawnSync('/usr/bin/prosodyctl', ['--config', config, 'register', username, options.domain, password], { encoding: 'utf8', timeout: 20_000 });
      if (result.status !== 0) throw new Error(`prosodyctl register ${username} failed: ${result.stdout}${result.stderr}`);
    },
    logTail,
    kill: () => stopChild('SIGKILL'),
    async stop() {
      await stopChild('SIGTERM');
      if (process.env.CONEXIZAN_TEST_KEEP_PROSODY) return;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function lua(value: string): string {
  return JSON.stringify(value);
}

async function waitForPort(host: string, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new WaitTimeoutError(`${host}:${port} to accept connections`, ms);
    await sleep(100);
  }
}
