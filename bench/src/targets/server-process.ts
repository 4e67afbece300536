import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, readFileSync, statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer, type Server } from 'node:net';
import type { StopResult } from './target.ts';

/**
 * A server under test as a child process: its output goes to a log file, it
 * is watched for an early exit, and it is stopped with SIGTERM (SIGKILL if it
 * does not go). Nothing here is specific to Conexizan.
 */
export class ServerProcess {
  #child: ChildProcess | null = null;
  #log: WriteStream | null = null;
  #exited: Promise<StopResult> | null = null;
  #exit: { code: number | null; signal: string | null } | null = null;
  #stopping = false;
  readonly #logFile: string;

  constructor(logFile: string) {
    this.#logFile = logFile;
  }

  get pid(): number {
    if (!this.#child?.pid) throw new Error('the server process is not running');
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child !== null && this.#exit === null;
  }

  /** How the process ended if it did so before stop() was called, else null. */
  get unexpectedExit(): string | null {
    if (!this.#exit || this.#stopping) return null;
    return `exit code ${this.#exit.code}, signal ${this.#exit.signal}`;
  }

  /**
   * Starts the server. `openFiles` raises its open-file limit through prlimit(1),
   * which execs the command, so the pid is still the server's own.
   */
  spawn(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; openFiles?: number }): void {
    this.#log = createWriteStream(this.#logFile);
    // No shell in between, so the pid is the server's own and /proc measures it alone.
    const [cmd, argv] = options.openFiles ? ['prlimit', [`--nofile=${options.openFiles}:${options.openFiles}`, '--', command, ...args]] : [command, args];
    const child = spawn(cmd, argv as string[], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout!.pipe(this.#log, { end: false });
    child.stderr!.pipe(this.#log, { end: false });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve({ exitCode: code, signal, stopMs: 0, exitedEarly: false });
      });
      child.once('error', () => {
        this.#exit = { code: null, signal: null };
        resolve({ exitCode: null, signal: null, stopMs: 0, exitedEarly: false });
      });
    });
  }

  /** Resolves once `port` accepts TCP connections; rejects if the process exits or time runs out. */
  async waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exit) throw new Error(`the server exited during startup (code ${this.#exit.code}, signal ${this.#exit.signal})`);
      if (await canConnect(host, port)) return;
      await sleep(100);
    }
    throw new Error(`the server did not listen on ${host}:${port} within ${timeoutMs} ms`);
  }

  async stop(graceMs = 10_000): Promise<StopResult> {
    if (!this.#child || !this.#exited) return { exitCode: null, signal: null, stopMs: 0, exitedEarly: false };
    const started = performance.now();
    const exitedEarly = this.#exit !== null;
    this.#stopping = true;
    if (!exitedEarly) this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#child?.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.#exited, killed]);
    const result = await this.#exited;
    clearTimeout(timer);
    this.#log?.end();
    return { ...result, exitedEarly, stopMs: exitedEarly ? 0 : Math.round(performance.now() - started) };
  }

  killNow(): void {
    if (this.running) this.#child!.kill('SIGTERM');
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.#logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Distinct free loopback ports. All are held open together so none repeats;
 * the short window between closing them and the server binding is acceptable
 * for a benchmark (a clash shows up as a failed start, never as wrong figures).
 */
export async function freeLoopbackPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, host, () => resolve((server.address() as { port: number }).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Where the servers keep their files during a run: tmpfs (/dev/shm) when the
 * machine has it, so that no server's figures include disk syncs. Their
 * SQLite defaults differ (Conexizan: WAL with synchronous=NORMAL; Prosody's
 * and ejabberd's: a rollback journal with synchronous=FULL, an fsync or more
 * per archived message), and the benchmark compares the servers, not the disk.
 */
export function serverFilesBase(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // no tmpfs: the system's temporary directory
  }
  return tmpdir();
}
