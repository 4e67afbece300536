import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep, WaitTimeoutError } from './wait.ts';

/**
 * A Conexizan server as its own process (`conexizan serve --config FILE`),
 * the way an operator runs it: for tests where two servers must not share
 * anything but the network. Its JSON log lines are kept for assertions and
 * failure messages; `signal` sends e.g. SIGHUP to make it re-read its config.
 */
const COMMAND = fileURLToPath(new URL('../../bin/conexizan.mjs', import.meta.url));

export interface ServerProcess {
  readonly configFile: string;
  /** every line the server printed so far */
  output(): string;
  /** rewrites the config file (takes effect at the next start or SIGHUP) */
  writeConfig(toml: string): void;
  /** waits until a log line matching `pattern` appears after `fromLength` characters of output */
  waitForLog(pattern: RegExp, ms: number, fromLength?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** how the last run ended: its exit code, or null while it runs (or was killed by a signal) */
  exitCode(): number | null;
  /** SIGKILL, no goodbye: streams to it just break */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function serverProcess(options: { configFile: string; toml: string; host: string; c2sPort: number }): ServerProcess {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let lastExitCode: number | null = null;
  writeFileSync(options.configFile, options.toml);

  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  const handle: ServerProcess = {
    configFile: options.configFile,
    output: () => output,
    writeConfig: (toml) => writeFileSync(options.configFile, toml),
    async waitForLog(pattern, ms, fromLength = 0) {
      const deadline = Date.now() + ms;
      while (!pattern.test(output.slice(fromLength))) {
        if (Date.now() > deadline) throw new WaitTimeoutError(`a log line matching ${pattern}`, ms);
        await sleep(50);
      }
    },
    signal(signal) {
      child?.kill(signal);
    },
    exitCode: () => lastExitCode,
    kill: () => end('SIGKILL'),
    async start() {
      const process_ = spawn(process.execPath, [COMMAND, 'serve', '--config', options.configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CONEXIZAN_CONFIG: undefined } });
      process_.stdout?.setEncoding('utf8').on('data', (data: string) => (output += data));
      process_.stderr?.setEncoding('utf8').on('data', (data: string) => (output += data));
      child = process_;
      lastExitCode = null;
      exited = new Promise((resolve) => process_.once('exit', (code) => {
        lastExitCode = code;
        resolve();
      }));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (process_.exitCode !== null) throw new Error(`the server exited with ${process_.exitCode}:\n${output}`);
        if (await accepts(options.host, options.c2sPort)) return;
        if (Date.now() > deadline) throw new Error(`the server did not start listening:\n${output}`);
        await sleep(100);
      }
    },
    stop: () => end('SIGTERM'),
  };
  return handle;
}

/** Whether something accepts TCP connections on host:port. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The config file of a second federating server for a test: its own loopback
 * address and data directory, only the c2s and s2s listeners, a certificate
 * from the test CA that it also trusts. It ends inside the [s2s] section, so
 * a test can add s2s options (e.g. blocked_domains) before `s2sHostsToml`.
 */
export function federatingServerToml(o: {
  domain: string;
  address: string;
  dataDir: string;
  c2sPort: number;
  s2sPort: number;
  cert: { certFile: string; keyFile: string };
  caFile: string;
  logLevel?: string;
  /** the plain HTTP listener (the control channel of `conexizan` commands); 0 or absent: off */
  httpPort?: number;
}): string {
  return `domain = "${o.domain}"
data_dir = "${o.dataDir}"
bind = "${o.address}"
[ports]
c2s = ${o.c2sPort}
c2s_tls = 0
http = ${o.httpPort ?? 0}
https = 0
s2s = ${o.s2sPort}
[tls]
cert = "${o.cert.certFile}"
key = "${o.cert.keyFile}"
[limits]
registrations_per_hour = 100
[log]
level = "${o.logLevel ?? 'info'}"
format = "json"
[s2s]
ca_file = "${o.caFile}"
`;
}

/** The static s2s address map (domain to "host:port") as a TOML table. */
export function s2sHostsToml(hosts: Record<string, string>): string {
  return `[s2s.hosts]\n${Object.entries(hosts).map(([domain, target]) => `"${domain}" = "${target}"\n`).join('')}`;
}
